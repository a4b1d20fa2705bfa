"""Appointments in the REST API (issue 11, point 7): ``GET/POST /appointments``,
``GET/PATCH /appointments/{id}`` (reschedule, cancel, attended, no-show) and
``GET /sessions/{id}/due``. Scoped by ``alliance.access`` like the pages; the writes are the
services of ``alliance.care.appointments`` and only the client's care team makes them (the
team's supervisor reads: 403). See docs/api.md and docs/care.md, "Appointments"."""

import datetime as dt
import uuid
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import field_validator

from alliance import access
from alliance.api.rest_app import Pagination, RecordId, _writer, api
from alliance.api.schemas import In
from alliance.care import appointments, plans
from alliance.care.appointments import MAX_LENGTH, MAX_SERIES, MIN_LENGTH
from alliance.care.models import Session
from alliance.web import token_user

router = Router(tags=["appointments"])
LAST_DAY = dt.date(2199, 12, 31)

NOT_BOOKING = "Only the client's care team books and changes their sessions; you may read them."

_OVERLAP = {
    "409": {
        "description": "The booking overlaps another session of the same clinician: send it "
        "again with confirm_overlap true to book it anyway. Nothing was stored.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Invalid"}}},
    }
}


@api.exception_handler(appointments.AppointmentOverlap)
def _overlap(request: HttpRequest, error: appointments.AppointmentOverlap) -> HttpResponse:
    detail = [
        {
            "loc": ["body", "starts_at"],
            "msg": " ".join(error.message_dict["starts_at"]),
            "type": "overlap",
            # Only the clashing sessions the caller may see: a colleague's session with another
            # client (or in another organisation) is a time in the message, never an id.
            "clashes": list(
                access.visible_sessions(token_user(request))
                .filter(pk__in=[s.pk for s in error.clashes])
                .order_by("starts_at", "pk")
                .values_list("pk", flat=True)
            ),
        }
    ]
    return api.create_response(request, {"detail": detail}, status=409)


class AppointmentOut(Schema):
    id: int
    episode_id: int
    client_id: int
    number: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    duration_minutes: int
    mode: str
    status: str
    attended_by: list[int]
    series: uuid.UUID | None
    cancelled_by: str
    reason: str
    final: bool
    booked_by_id: int | None
    booked_at: dt.datetime | None

    @staticmethod
    def resolve_client_id(obj: Session) -> int:
        return obj.episode.client_id

    @staticmethod
    def resolve_ends_at(obj: Session) -> dt.datetime:
        return obj.starts_at + dt.timedelta(minutes=obj.duration_minutes)

    @staticmethod
    def resolve_attended_by(obj: Session) -> list[int]:
        return sorted(person.pk for person in obj.attended_by.all())


Length = Field(50, ge=MIN_LENGTH, le=MAX_LENGTH, description="Minutes, 5 to 480.")
Mode = Literal["in_person", "video", "phone"]


def _plausible(value: dt.datetime | dt.date | None) -> Any:
    """A time of the years 1900 to 2199 (further ones hold no session, and overflow the time
    zone arithmetic)."""
    if value is not None and not 1900 <= value.year < LAST_DAY.year + 1:
        raise ValueError(f"must be in the years 1900 to {LAST_DAY.year}")
    return value


class AppointmentIn(In):
    episode: RecordId
    starts_at: dt.datetime
    duration_minutes: int = Length
    ends_at: dt.datetime | None = Field(None, description="Instead of duration_minutes.")
    mode: Mode = "in_person"
    attended_by: list[RecordId] = Field(
        default_factory=list, max_length=20, description="Care team members; you when empty."
    )
    repeat: Literal["", "weekly", "fortnightly"] = ""
    count: int | None = Field(None, ge=2, le=MAX_SERIES, description="Sessions in a series.")
    until: dt.date | None = Field(None, description="Or the date of a series' last session.")
    record_past: bool = Field(False, description="Record one past session, as attended.")
    confirm_overlap: bool = False
    final: bool = False

    _times = field_validator("starts_at", "ends_at", "until")(_plausible)


class AppointmentChange(In):
    action: Literal["reschedule", "cancel", "attended", "no_show"]
    starts_at: dt.datetime | None = Field(None, description="reschedule: the new start.")
    duration_minutes: int | None = Field(None, ge=MIN_LENGTH, le=MAX_LENGTH)
    mode: Mode | None = None
    cancelled_by: Literal["client", "clinic"] | None = Field(None, description="cancel: who.")
    reason: str = Field("", max_length=300, description="cancel: why (required).")
    confirm_overlap: bool = False

    _times = field_validator("starts_at")(_plausible)


class AppointmentFilter(Schema):
    episode: RecordId | None = None
    client: RecordId | None = None
    status: Literal["scheduled", "attended", "cancelled", "no_show", "withdrawn"] | None = None
    from_date: dt.date | None = Field(None, description="Starting on or after this day.")
    to_date: dt.date | None = Field(None, description="Starting on or before this day.")


class DueOut(Schema):
    session_id: int
    number: int | None
    status: str
    due: list[str]
    fixed: bool = Field(description="Fixed when the session started; else by today's plan.")
    missed: list[str] = Field(description="Due at an attended session and not answered.")


def _sessions(request: HttpRequest) -> QuerySet[Session]:
    return (
        access.visible_sessions(token_user(request))
        .select_related("episode")
        .prefetch_related("attended_by")
    )


def _day_start(day: dt.date) -> dt.datetime:
    return appointments.start_of_day(day)


@router.get("/appointments", response=list[AppointmentOut])
@paginate(Pagination)
def appointment_list(request: HttpRequest, filters: Query[AppointmentFilter]) -> QuerySet[Any]:
    """Sessions booked or held, soonest first, of the clients you may see."""
    found = _sessions(request).order_by("starts_at", "pk")
    if filters.episode is not None:
        found = found.filter(episode_id=filters.episode)
    if filters.client is not None:
        found = found.filter(episode__client_id=filters.client)
    if filters.status is not None:
        found = found.filter(status=filters.status)
    # Days outside 1900-2199 hold no sessions, and would overflow a time zone's arithmetic.
    if filters.from_date is not None and filters.from_date.year >= 1900:
        found = found.filter(starts_at__gte=_day_start(min(filters.from_date, LAST_DAY)))
    if filters.to_date is not None and filters.to_date < LAST_DAY:
        if filters.to_date.year < 1900:
            return found.none()
        found = found.filter(starts_at__lt=_day_start(filters.to_date + dt.timedelta(days=1)))
    return found


@router.get("/appointments/{appointment_id}", response=AppointmentOut)
def appointment_detail(request: HttpRequest, appointment_id: RecordId) -> Any:
    return get_object_or_404(_sessions(request), pk=appointment_id)


@router.post(
    "/appointments", response={201: list[AppointmentOut]}, openapi_extra={"responses": _OVERLAP}
)
def appointment_create(request: HttpRequest, payload: AppointmentIn) -> Status[Any]:
    """Book one session or a weekly or fortnightly series (``count`` or ``until``). Sending
    the same booking again returns the sessions already booked."""
    user = _writer(request)
    episode = get_object_or_404(
        access.visible_episodes(user).prefetch_related("care_team"), pk=payload.episode
    )
    if not access.is_on_care_team(user, episode):
        raise HttpError(403, NOT_BOOKING)
    booked = appointments.appointment_book(
        episode=episode,
        by=user,
        starts_at=payload.starts_at,
        duration_minutes=payload.duration_minutes,
        ends_at=payload.ends_at,
        mode=payload.mode,
        attended_by=payload.attended_by,
        repeat=payload.repeat,
        count=payload.count,
        until=payload.until,
        record_past=payload.record_past,
        confirm_overlap=payload.confirm_overlap,
        final=payload.final,
    )
    return Status(201, list(_sessions(request).filter(pk__in=[s.pk for s in booked])))


def _change(session: Session, change: AppointmentChange, request: HttpRequest) -> Session:
    user = token_user(request)
    if change.action == "reschedule":
        if change.starts_at is None:
            raise ValidationError({"starts_at": "Give the new start to reschedule."})
        return appointments.appointment_reschedule(
            session=session,
            by=user,
            starts_at=change.starts_at,
            duration_minutes=change.duration_minutes,
            mode=change.mode,
            reason=change.reason,
            confirm_overlap=change.confirm_overlap,
        )
    if change.action == "cancel":
        return appointments.appointment_cancel(
            session=session, by=user, cancelled_by=change.cancelled_by or "", reason=change.reason
        )
    if change.action == "attended":
        return appointments.appointment_attended(session=session, by=user)
    return appointments.appointment_no_show(session=session, by=user)


@router.patch(
    "/appointments/{appointment_id}",
    response=AppointmentOut,
    openapi_extra={"responses": _OVERLAP},
)
def appointment_change(
    request: HttpRequest, appointment_id: RecordId, payload: AppointmentChange
) -> Any:
    """``action``: reschedule (``starts_at``, optionally ``duration_minutes``, ``mode``,
    ``reason``), cancel (``cancelled_by``, ``reason``), attended, or no_show. Repeating a
    change already made changes nothing."""
    user = _writer(request)
    session = get_object_or_404(
        _sessions(request).prefetch_related("episode__care_team"), pk=appointment_id
    )
    if not access.is_on_care_team(user, session.episode):
        raise HttpError(403, NOT_BOOKING)
    changed = _change(session, payload, request)
    return _sessions(request).get(pk=changed.pk)


@router.get("/sessions/{session_id}/due", response=DueOut, tags=["sessions"])
def session_due(request: HttpRequest, session_id: RecordId) -> Any:
    """The measures due at a session, in answering order: fixed when it started, else by the
    episode's plan now (a later change of plan does not rewrite a started session)."""
    session = get_object_or_404(
        access.visible_sessions(token_user(request)).select_related("episode"), pk=session_id
    )
    return {
        "session_id": session.pk,
        "number": session.number,
        "status": session.status,
        "due": plans.due_for_session(session),
        "fixed": bool(session.due),
        "missed": plans.missed_measures(session),
    }
