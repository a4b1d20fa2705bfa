"""Writes from the clinician's pages: starting a session, recording attendance and the
clinician's own alliance rating. Each write that can change what the rules see refreshes the
episode's alerts at once (``alliance.feedback.services.alerts_refresh``)."""

import uuid
from collections.abc import Collection, Mapping

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.accounts.models import User
from alliance.care import appointments
from alliance.care.models import Episode, Session, SessionStatus
from alliance.care.plans import fix_due
from alliance.feedback.ratings import rating_record
from alliance.feedback.services import alerts_refresh
from alliance.feedback.summaries import episode_summaries_refresh
from alliance.measures.models import Method, Rater, Response
from alliance.measures.services import SubmissionKeyConflict

__all__ = [
    "ATTENDANCE_STATUSES",
    "UnbookedStart",
    "clinician_rating_record",
    "session_attendance_record",
    "session_start",
]

ATTENDANCE_STATUSES = (SessionStatus.ATTENDED, SessionStatus.CANCELLED, SessionStatus.NO_SHOW)


class UnbookedStart(ValidationError):
    """No session of this episode is booked for today: starting one now needs a confirmation
    (``confirm_unbooked``)."""

    def __init__(self) -> None:
        super().__init__(
            {
                "confirm_unbooked": _(
                    "No session is booked for today. Confirm to start an unbooked session now."
                )
            },
            code="unbooked",
        )


def _booked_starting(locked: Episode, session: Session, by: User) -> Session:
    """'This booked session is starting': a session booked for today becomes attended, with
    the clinician among the staff present and its due measures fixed."""
    found = Session.objects.select_for_update().filter(pk=session.pk, episode=locked).first()
    if found is None:
        raise ValidationError({"session": _("This session is not one of this episode's.")})
    if found.status == SessionStatus.ATTENDED:
        return found  # started already: a double tap
    if found.status != SessionStatus.SCHEDULED:
        raise ValidationError(
            {
                "session": _("Only a booked session can start; this one is %(status)s.")
                % {"status": found.get_status_display().lower()}
            }
        )
    if timezone.localdate(found.starts_at) != timezone.localdate():
        raise ValidationError(
            {
                "session": _("This session is booked for %(day)s, not today; reschedule it first.")
                % {"day": f"{timezone.localdate(found.starts_at):%Y-%m-%d}"}
            }
        )
    appointments.session_history_keep(found, what="started", by=by)
    found.status = SessionStatus.ATTENDED
    found.save(update_fields=["status", "history"])
    found.attended_by.add(by)
    fix_due(found)
    episode_summaries_refresh([locked])
    appointments.plan_messages(locked)
    return found


@transaction.atomic
def session_start(
    *,
    episode: Episode,
    by: User,
    session: Session | None = None,
    confirm_unbooked: bool = False,
) -> Session:
    """Start a session: the booked ``session`` of today ("this booked session is starting"),
    or, confirmed (``confirm_unbooked``), an unbooked session starting now. Either becomes
    attended with the clinician who started it among the staff present, and its due measures
    are fixed (``care.plans.fix_due``). Without a session or a confirmation this raises
    ``UnbookedStart``.

    The episode row is locked so two clinicians pressing "Start" at once take turns: a
    booked session starts once, two unbooked starts give sessions N and N + 1.
    """
    locked = Episode.objects.select_for_update().get(pk=episode.pk)
    if locked.ended_on is not None:
        raise ValidationError(
            {"episode": _("This episode has ended; reopen it before starting a session.")}
        )
    if session is not None:
        return _booked_starting(locked, session, by)
    if not confirm_unbooked:
        raise UnbookedStart()
    started = Session.objects.create(
        episode=locked,
        number=None,
        starts_at=timezone.now(),
        status=SessionStatus.ATTENDED,
        booked_by=by,
        booked_at=timezone.now(),
    )
    started.attended_by.add(by)
    if appointments.sessions_renumber(locked):
        alerts_refresh([locked], notify=False)
    started.refresh_from_db(fields=["number"])
    fix_due(started)
    appointments.plan_messages(locked)
    return started


def _has_ratings(session: Session) -> bool:
    return Response.objects.filter(
        session=session, instrument=session.episode.alliance_measure
    ).exists()


def session_attendance_record(
    *, session: Session, status: str, present: Collection[int], by: User
) -> Session:
    """Record whether the client came and which members of the care team were there.

    A session with alliance ratings was attended: marking it missed is refused rather than
    leaving ratings on a session that did not happen.
    """
    if status not in ATTENDANCE_STATUSES:
        allowed = ", ".join(str(s.label) for s in ATTENDANCE_STATUSES)
        raise ValidationError({"status": _("Choose one of: %(allowed)s.") % {"allowed": allowed}})
    team = {member.member_id for member in session.episode.care_team.all()}
    if not set(present) <= team:
        raise ValidationError(
            {"present": _("Only members of the care team can be marked present.")}
        )
    with transaction.atomic():
        if status != SessionStatus.ATTENDED and _has_ratings(session):
            raise ValidationError(
                {"status": _("This session has alliance ratings, so it was attended.")}
            )
        session.status = status
        session.save(update_fields=["status"])
        session.attended_by.set(present)
        # A cancelled session has no number; one marked attended again gets its number back.
        appointments.sessions_renumber(session.episode)
        session.refresh_from_db(fields=["number"])
    alerts_refresh([session.episode])
    return session


def clinician_rating_record(
    *,
    session: Session,
    values: Mapping[str, object],
    by: User,
    idempotency_key: uuid.UUID | None = None,
) -> Response:
    """Store the clinician's own rating of the session on the episode's alliance measure (for
    the discrepancy signal: a clinician rating much higher than the client), then refresh the
    alerts. Validation and scoring are ``response_record``'s; a repeated submission with the
    same key stores nothing new."""
    if session.status != SessionStatus.ATTENDED:
        raise ValidationError({"status": _("Only an attended session can be rated.")})
    earlier = Response.objects.filter(
        session=session, instrument=session.episode.alliance_measure, rater_user=by
    ).first()
    if earlier is not None and earlier.idempotency_key == idempotency_key:
        return earlier
    if earlier is not None:
        raise ValidationError({"items": _("You have already rated this session.")})
    try:
        response = rating_record(
            session=session,
            instrument_code=session.episode.alliance_measure,
            values=values,
            rater=Rater.CLINICIAN,
            method=Method.CLINICIAN,
            rater_user=by,
            recorded_by=by,
            idempotency_key=idempotency_key,
        )
    except SubmissionKeyConflict:
        # The form's key belongs to another record: nothing was saved, and the page says so.
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "Your rating was not saved: this form cannot be sent again. Reload the "
                    "page and rate the session once more."
                )
            }
        ) from None
    return response
