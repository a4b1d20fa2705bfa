"""Corrections (issue 11, point 6; docs/care.md, "Corrections"): a response entered by mistake is
voided, the client's answers are entered again from paper, and a session's date and attendance
are corrected. Nothing is deleted: a voided response stays with its versions, who voided it,
when and why; a corrected session keeps its earlier date and status in ``Session.history``.
Every write is one transaction, is recorded in the audit log, and then refreshes the episode's
alerts (``alliance.feedback.services.alerts_refresh``), so a voided answer leaves the chart and
the alerts at once and its measure is due again (``alliance.care.plans.missed_measures``).
"""

import datetime as dt
import uuid
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.accounts.models import User
from alliance.audit.models import Action, Via
from alliance.audit.services import audit_record
from alliance.care.appointments import session_history_keep, sessions_renumber
from alliance.care.models import CancelledBy, Episode, Session, SessionStatus
from alliance.care.plans import answered_measures, due_for_session
from alliance.feedback.ratings import rating_record, ratings_recorded
from alliance.feedback.services import alerts_refresh
from alliance.measures import catalogue
from alliance.measures.models import Method, Rater, Response
from alliance.measures.services import CLOCK_SKEW

__all__ = [
    "CORRECTABLE_STATUSES",
    "REASON_MAX",
    "paper_measures",
    "response_enter_from_paper",
    "response_void",
    "session_correct",
]

REASON_MAX = 300
CORRECTABLE_STATUSES = (SessionStatus.ATTENDED, SessionStatus.NO_SHOW, SessionStatus.CANCELLED)


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": _("Reason: say why (required).")})
    if len(text) > REASON_MAX:
        raise ValidationError(
            {"reason": _("Reason: keep it under %(max)s characters.") % {"max": REASON_MAX}}
        )
    return text


def _audit(
    *, by: User, episode: Episode, kind: str, pk: int, detail: str, via: str, address: str | None
) -> None:
    # The reason may say something clinical, so the log keeps only what was done.
    audit_record(
        actor=by,
        action=Action.CHANGE,
        organisation=episode.client.organisation,
        via=via,
        object_kind=kind,
        object_id=pk,
        address=address,
        detail=detail,
    )


def response_void(
    *,
    response: Response,
    by: User,
    reason: str,
    via: str = Via.PAGE,
    address: str | None = None,
) -> Response:
    """Void a response entered by mistake: it stays stored, with its versions, and says who
    voided it, when and why; the default manager (``Response.objects``) no longer returns it, so
    it leaves the chart, the alerts, the reports and the API's lists, and its measure is due
    again. Idempotent: voiding a voided response changes nothing and returns it. The caller
    checks ``by`` may (``access.may_void_response``)."""
    text = _reason(reason)
    with transaction.atomic():
        locked = (
            Response.everything.select_for_update()
            .select_related("session__episode__client")
            .get(pk=response.pk)
        )
        if locked.voided_at is not None:
            return locked
        locked.voided_at = timezone.now()
        locked.voided_by = by
        locked.void_reason = text
        locked.save(update_fields=["voided_at", "voided_by", "void_reason"])
        episode = locked.session.episode
        _audit(
            by=by,
            episode=episode,
            kind="response",
            pk=locked.pk,
            detail=f"voided {locked.instrument} v{locked.version}",
            via=via,
            address=address,
        )
        ratings_recorded([episode])
    return locked


def paper_measures(session: Session) -> list[str]:
    """The measures the clinician may enter from paper for this session: the ones due, answered
    by clients, not answered yet (a voided answer is not an answer)."""
    answered = set(answered_measures(session))
    instruments = catalogue.instruments()
    return [
        code
        for code in due_for_session(session)
        if code in instruments
        and code != "gbo"
        and Rater.CLIENT in instruments[code].respondents
        and code not in answered
    ]


def response_enter_from_paper(
    *,
    session: Session,
    instrument_code: str,
    values: Mapping[str, object],
    by: User,
    idempotency_key: uuid.UUID,
) -> Response:
    """Store the client's answers from a paper form, typed in by the clinician (method
    ``paper``, the clinician as the one who recorded it), then refresh the alerts. Only a
    measure due and not answered in this session; a repeated submission with the same key
    stores nothing new."""
    stored = Response.everything.filter(idempotency_key=idempotency_key).first()
    if stored is not None and stored.session_id == session.pk:
        return stored
    allowed = paper_measures(session)
    if instrument_code not in allowed:
        raise ValidationError(
            {
                "measure": _(
                    "%(code)s cannot be entered from paper here; choose one of the measures due "
                    "and not yet answered: %(allowed)s."
                )
                % {"code": instrument_code or '""', "allowed": ", ".join(allowed) or "-"}
            }
        )
    with transaction.atomic():
        response = rating_record(
            session=session,
            instrument_code=instrument_code,
            values=values,
            rater=Rater.CLIENT,
            method=Method.PAPER,
            idempotency_key=idempotency_key,
            recorded_by=by,
        )
    return response


def _check_when(session: Session, starts_at: dt.datetime, status: str) -> None:
    episode = session.episode
    day = timezone.localdate(starts_at)
    if day < episode.started_on or (episode.ended_on and day > episode.ended_on):
        end = episode.ended_on.isoformat() if episode.ended_on else _("today")
        raise ValidationError(
            {
                "starts_at": _("Date: choose a day from %(start)s to %(end)s (the episode).")
                % {"start": episode.started_on.isoformat(), "end": end}
            }
        )
    if status in (SessionStatus.ATTENDED, SessionStatus.NO_SHOW) and (
        starts_at > timezone.now() + CLOCK_SKEW
    ):
        raise ValidationError(
            {"starts_at": _("Date: a session that was attended or missed is in the past.")}
        )


def _check_status(session: Session, status: str) -> None:
    if status not in CORRECTABLE_STATUSES:
        allowed = ", ".join(str(s.label) for s in CORRECTABLE_STATUSES)
        raise ValidationError({"status": _("Choose one of: %(allowed)s.") % {"allowed": allowed}})
    if status != SessionStatus.ATTENDED and session.responses.exists():
        raise ValidationError(
            {
                "status": _(
                    "This session has answers, so it was attended. Void them first if they "
                    "were entered by mistake."
                )
            }
        )


def session_correct(
    *,
    session: Session,
    starts_at: dt.datetime,
    status: str,
    reason: str,
    by: User,
    via: str = Via.PAGE,
    address: str | None = None,
) -> Session:
    """Correct when a session took place and whether the client came, keeping the earlier
    values in ``Session.history`` with who changed them, when and why; the sessions are
    numbered again in date order, and the alerts refreshed. Refuses a status other than
    attended while the session has answers, a date outside the episode and an attended or missed
    session in the future, naming the field. Nothing changes when nothing differs."""
    text = _reason(reason)
    with transaction.atomic():
        Episode.objects.select_for_update().filter(pk=session.episode_id).first()
        locked = (
            Session.objects.select_for_update(of=("self",))
            .select_related("episode__client")
            .get(pk=session.pk)
        )
        _check_status(locked, status)
        _check_when(locked, starts_at, status)
        if locked.starts_at == starts_at and locked.status == status:
            return locked
        session_history_keep(locked, what="correction", by=by, reason=text)
        locked.starts_at = starts_at
        locked.status = status
        if status != SessionStatus.CANCELLED:
            locked.cancelled_by = CancelledBy.NOBODY
        locked.save(update_fields=["history", "starts_at", "status", "cancelled_by"])
        sessions_renumber(locked.episode)
        _audit(
            by=by,
            episode=locked.episode,
            kind="session",
            pk=locked.pk,
            detail="session date or attendance corrected",
            via=via,
            address=address,
        )
        alerts_refresh([locked.episode])
    locked.refresh_from_db()
    return locked
