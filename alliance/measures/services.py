"""Writing responses: validated and scored by the science core, stored whole or not at all."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.accounts.models import User
from alliance.formats.messages import science_text
from alliance.measures import catalogue
from alliance.measures.models import (
    STAFF_RATERS,
    Author,
    Method,
    Rater,
    Response,
    ResponseVersion,
)
from alliance.science.instruments import (
    Instrument,
    ResponseError,
    Score,
    score_response,
    validate_values,
)

if TYPE_CHECKING:
    # Only a type: care, a layer up, passes its sessions in.
    from alliance.care.models import Session

# Plausible values for records from outside (the API, FHIR, imports): a date before this is a
# typing slip or a made-up year (0001), as is an answer time further ahead than a clock may be
# off, or a session number above the most sessions one episode ever holds.
EARLIEST_DATE = date(1900, 1, 1)
CLOCK_SKEW = timedelta(minutes=5)
MAX_SESSION_NUMBER = 1000


def answered_at_check(value: datetime, *, field: str = "answered_at") -> None:
    """Refuse an answer time before 1900 or more than ``CLOCK_SKEW`` ahead of now, naming
    ``field``."""
    earliest = datetime.combine(EARLIEST_DATE, datetime.min.time(), tzinfo=UTC)
    aware = value if timezone.is_aware(value) else timezone.make_aware(value)
    if aware < earliest or aware > timezone.now() + CLOCK_SKEW:
        raise ValidationError(
            {
                field: _("%(value)s is not a plausible time; allowed from %(earliest)s up to now.")
                % {"value": value.isoformat(), "earliest": EARLIEST_DATE.isoformat()}
            }
        )


def _scored(
    instrument: Instrument, values: Mapping[str, object], age_group: str
) -> tuple[dict[str, float], Score]:
    try:
        clean = validate_values(instrument, values)
        return clean, score_response(instrument, clean, age_group=age_group)
    except ResponseError as error:
        raise ValidationError({error.item or "items": science_text(error.message)}) from None
    except ValueError as error:
        raise ValidationError({"items": str(error)}) from None


def answers_scored(
    instrument: Instrument, values: Mapping[str, object], age_group: str
) -> tuple[dict[str, float], Score]:
    """Validate and score a client's answers as ``response_record`` does (a ValidationError
    naming the item otherwise), for a record that is not a session's response (the episode's
    baseline, ``voice.services.baseline_answer``)."""
    return _scored(instrument, values, age_group)


def _check_rater(instrument: Instrument, rater: str, rater_user: User | None) -> None:
    if rater not in Rater.values:
        raise ValidationError(
            {
                "rater": _("Unknown rater %(rater)s; choose one of %(allowed)s.")
                % {"rater": rater, "allowed": ", ".join(Rater.values)}
            }
        )
    if rater not in instrument.respondents:
        raise ValidationError(
            {
                "rater": _("%(measure)s is answered by %(allowed)s, not %(rater)s.")
                % {
                    "measure": instrument.code,
                    "allowed": ", ".join(instrument.respondents),
                    "rater": rater,
                }
            }
        )
    if (rater in STAFF_RATERS) != (rater_user is not None):
        raise ValidationError(
            {"rater_user": _("Name the member of staff for a staff rating, and only then.")}
        )


def _check_author(author: str, author_user: User | None) -> None:
    if author not in Author.values:
        raise ValidationError(
            {
                "author": _("Unknown author %(author)s; choose one of %(allowed)s.")
                % {"author": author, "allowed": ", ".join(v for v in Author.values if v)}
            }
        )
    if (author == Author.PRACTITIONER) != (author_user is not None):
        raise ValidationError(
            {"author_user": _("Name the member of staff who recorded it, and only then.")}
        )


class SubmissionKeyConflict(ValidationError):
    """The submission key is already used for another record (another session, measure or
    rater). Says nothing about that record: the caller answers 409 naming the key's field."""

    def __init__(self, field: str = "idempotency_key") -> None:
        super().__init__(
            {
                field: _(
                    "This submission key is already used for another record; send a new key "
                    "(a fresh UUID) for this one."
                )
            }
        )
        self.field = field


class _Submission(TypedDict):
    """What makes a submission the same record as a stored response (``_same_record``)."""

    session: Session
    instrument_code: str
    rater: str
    rater_user: User | None
    about_member: User | None


def _same_record(
    response: Response,
    *,
    session: Session,
    instrument_code: str,
    rater: str,
    rater_user: User | None,
    about_member: User | None,
) -> bool:
    """Whether a stored response is the one this submission is for (an idempotent repeat)."""
    return (
        response.session_id == session.pk
        and response.instrument == instrument_code
        and response.rater == rater
        and response.rater_user_id == (rater_user.pk if rater_user else None)
        and response.about_member_id == (about_member.pk if about_member else None)
    )


def response_record(
    *,
    session: Session,
    instrument_code: str,
    values: Mapping[str, object],
    rater: str = Rater.CLIENT,
    method: str = Method.TABLET,
    idempotency_key: uuid.UUID | None = None,
    rater_user: User | None = None,
    about_member: User | None = None,
    recorded_by: User | None = None,
    answered_at: datetime | None = None,
    author: str = "",
    author_user: User | None = None,
) -> Response:
    """Validate, score and store one response with its first version. ``author`` (and
    ``author_user`` for a member of staff) keeps who recorded the answers when an outside
    system said so (FHIR's ``QuestionnaireResponse.author``); empty, the rater did.

    Idempotent: submitting the same ``idempotency_key`` again for the same session, measure
    and rater returns the stored response and writes nothing, so a client who taps "send"
    twice, or a retry after a dropped connection, never creates a second record. The key is
    looked up only within that record: a key already used for any other record raises
    :class:`SubmissionKeyConflict` (a ``ValidationError`` on ``idempotency_key``), which tells
    nothing about the other record.
    """
    key = idempotency_key or uuid.uuid4()
    same: _Submission = {
        "session": session,
        "instrument_code": instrument_code,
        "rater": rater,
        "rater_user": rater_user,
        "about_member": about_member,
    }
    # Voided responses too: a voided response's key is never reused or stored twice.
    existing = Response.everything.filter(idempotency_key=key).first()
    if existing is not None:
        if _same_record(existing, **same):
            return existing
        raise SubmissionKeyConflict()
    instrument = catalogue.instrument(instrument_code)
    _check_rater(instrument, rater, rater_user)
    _check_author(author, author_user)
    if method not in Method.values:
        raise ValidationError(
            {"method": _("Unknown method; choose one of %s.") % ", ".join(Method.values)}
        )
    if answered_at is not None:
        answered_at_check(answered_at)
    clean, score = _scored(instrument, values, session.episode.client.age_group)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                session=session,
                instrument=instrument.code,
                rater=rater,
                rater_user=rater_user,
                about_member=about_member,
                author=author,
                author_user=author_user,
                method=method,
                items=clean,
                total=score.total,
                subscales=dict(score.subscales),
                band=score.band or "",
                risk_items=list(score.risk_items),
                prorated=score.prorated,
                answered_at=answered_at or timezone.now(),
                idempotency_key=key,
            )
            _keep_version(response, recorded_by=recorded_by, reason="")
    except IntegrityError:
        # A concurrent submission with the same key won the race: theirs is the record, when
        # it is for this one.
        winner = Response.everything.filter(idempotency_key=key).first()
        if winner is None:
            raise
        if _same_record(winner, **same):
            return winner
        raise SubmissionKeyConflict() from None
    return response


def response_correct(
    *,
    response: Response,
    values: Mapping[str, object],
    corrected_by: User | None,
    reason: str,
    answered_at: datetime | None = None,
) -> Response:
    """Correct a response's answers (e.g. a slip when entering from paper, or the client
    answering again), keeping every earlier version in the history. ``corrected_by`` is None
    when the client answered again themselves; ``answered_at`` then says when."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the answers are being changed.")})
    instrument = catalogue.instrument(response.instrument)
    clean, score = _scored(instrument, values, response.session.episode.client.age_group)
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        if answered_at is not None:
            locked.answered_at = answered_at
        locked.items = clean
        locked.total = score.total
        locked.subscales = dict(score.subscales)
        locked.band = score.band or ""
        locked.risk_items = list(score.risk_items)
        locked.prorated = score.prorated
        locked.version += 1
        locked.save(
            update_fields=[
                "items",
                "total",
                "subscales",
                "band",
                "risk_items",
                "prorated",
                "version",
                "answered_at",
            ]
        )
        _keep_version(locked, recorded_by=corrected_by, reason=reason)
    return locked


def _keep_version(response: Response, *, recorded_by: User | None, reason: str) -> None:
    ResponseVersion.objects.create(
        response=response,
        version=response.version,
        items=response.items,
        total=response.total,
        subscales=response.subscales,
        recorded_by=recorded_by,
        reason=reason,
    )
