"""Appointments: booking sessions ahead, one at a time or as a weekly or fortnightly series,
rescheduling, cancelling (by the client or the clinic, with the reason), marking attended or
no-show, and withdrawing a session opened by mistake (issue 11, point 4; docs/care.md,
"Appointments").

Every write is one transaction that locks the episode's row, so two people booking, moving or
cancelling the same client's sessions at once take turns and the numbering stays whole: numbered
sessions (``NUMBERED_STATUSES``: scheduled, attended, no-show) are 1..k by date, cancelled and
withdrawn ones have no number (``sessions_renumber``). Each change keeps what the session was
before in ``Session.history``; the audit log records the request (``alliance.audit.registry``).
A repeated request (a double tap, a client retrying) finds the work done and changes nothing.
The caller checks the user may write (``access.is_on_care_team``).
"""

import datetime as dt
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.accounts.models import User
from alliance.care.models import (
    NUMBERED_STATUSES,
    CancelledBy,
    Episode,
    Session,
    SessionMode,
    SessionStatus,
)
from alliance.care.plans import fix_due
from alliance.feedback.services import alerts_refresh
from alliance.feedback.summaries import episode_summaries_refresh
from alliance.measures.models import Response

__all__ = [
    "MAX_LENGTH",
    "MAX_SERIES",
    "MIN_LENGTH",
    "REPEATS",
    "AppointmentOverlap",
    "appointment_attended",
    "appointment_book",
    "appointment_cancel",
    "appointment_no_show",
    "appointment_reschedule",
    "appointment_withdraw",
    "overlapping_sessions",
    "series_starts",
    "sessions_renumber",
]

MIN_LENGTH, MAX_LENGTH = 5, 480
"""A session's length in minutes (the database's ``session_length_plausible`` agrees)."""
MAX_SERIES = 52
"""At most a year of weekly sessions in one series."""
MAX_AHEAD_DAYS = 2 * 366
"""How far ahead a session may be booked (two years)."""
REPEATS = {"": 0, "weekly": 1, "fortnightly": 2}
"""How a booking repeats, and the weeks between its sessions."""
BUSY_STATUSES = (SessionStatus.SCHEDULED, SessionStatus.ATTENDED)
"""Sessions that hold a clinician's time (a no-show, a cancelled or withdrawn one does not)."""


class AppointmentOverlap(ValidationError):
    """The booking overlaps another session of the same clinician: stored only once confirmed
    (``confirm_overlap``). ``clashes`` are the sessions it overlaps."""

    def __init__(self, clashes: Sequence[Session]):
        self.clashes = list(clashes)
        times = ", ".join(
            f"{timezone.localtime(s.starts_at):%Y-%m-%d %H:%M} ({s.duration_minutes} min)"
            for s in self.clashes
        )
        super().__init__(
            {
                "starts_at": _(
                    "This overlaps another session of the same clinician (%(times)s). "
                    "Confirm to book it anyway (confirm_overlap)."
                )
                % {"times": times}
            },
            code="overlap",
        )


# Checks ---------------------------------------------------------------------------------------


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


def _check_mode(mode: str) -> None:
    if mode not in SessionMode.values:
        raise _refuse(
            "mode",
            _("%(mode)s is not a way to meet; choose one of %(allowed)s.")
            % {"mode": mode or '""', "allowed": ", ".join(SessionMode.values)},
        )


def _check_length(minutes: object) -> int:
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not MIN_LENGTH <= minutes <= MAX_LENGTH
    ):
        raise _refuse(
            "duration_minutes",
            _("The length must be a whole number of minutes from %(low)d to %(high)d.")
            % {"low": MIN_LENGTH, "high": MAX_LENGTH},
        )
    return minutes


def _check_start(starts_at: object, *, record_past: bool, now: dt.datetime) -> dt.datetime:
    if not isinstance(starts_at, dt.datetime):
        raise _refuse("starts_at", _("Give the date and time the session starts."))
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    if starts_at < now and not record_past:
        raise _refuse(
            "starts_at",
            _(
                "This is in the past: a booking starts now or later. To record a session "
                "that took place, say so (record_past)."
            ),
        )
    if starts_at > now + dt.timedelta(days=MAX_AHEAD_DAYS):
        raise _refuse(
            "starts_at",
            _("A booking is at most %(days)d days ahead.") % {"days": MAX_AHEAD_DAYS},
        )
    if starts_at > now and record_past:
        raise _refuse(
            "starts_at",
            _("A session recorded as past starts before now; book a later one instead."),
        )
    return starts_at


def _length_between(starts_at: dt.datetime, ends_at: dt.datetime | None, minutes: object) -> int:
    """The length, from ``duration_minutes`` or from an end time (which must follow the start)."""
    if ends_at is None:
        return _check_length(minutes)
    if timezone.is_naive(ends_at):
        ends_at = timezone.make_aware(ends_at)
    if ends_at <= starts_at:
        raise _refuse("ends_at", _("The end must be after the start."))
    seconds = (ends_at - starts_at).total_seconds()
    if seconds % 60:
        raise _refuse("ends_at", _("The end must be a whole number of minutes after the start."))
    return _check_length(int(seconds // 60))


def series_starts(
    first: dt.datetime, *, repeat: str = "", count: int | None = None, until: dt.date | None = None
) -> list[dt.datetime]:
    """When the sessions of a booking start: ``first`` alone, or weekly or fortnightly from it,
    ``count`` sessions or up to ``until`` (the date of the last, inclusive), at the same local
    time of day (so a series keeps its hour across a change of summer time)."""
    if repeat not in REPEATS:
        raise _refuse(
            "repeat",
            _("%(value)s is not a repeat; choose one of %(allowed)s.")
            % {"value": repeat, "allowed": ", ".join(f'"{r}"' for r in REPEATS)},
        )
    if not REPEATS[repeat]:
        if count not in (None, 1) or until is not None:
            raise _refuse("repeat", _("Choose weekly or fortnightly to book several sessions."))
        return [first]
    if (count is None) == (until is None):
        raise _refuse("count", _("A series needs either a number of sessions or an end date."))
    local = timezone.localtime(first)
    step = dt.timedelta(weeks=REPEATS[repeat])
    if count is not None:
        if isinstance(count, bool) or not isinstance(count, int) or not 2 <= count <= MAX_SERIES:
            raise _refuse(
                "count",
                _("A series has from 2 to %(high)d sessions.") % {"high": MAX_SERIES},
            )
        days = [local.date() + step * n for n in range(count)]
    else:
        assert until is not None  # for the type checker: one of the two is given
        if until <= local.date():
            raise _refuse("until", _("The end date of a series must be after its first session."))
        days = []
        day = local.date()
        while day <= until and len(days) <= MAX_SERIES:
            days.append(day)
            day += step
        if len(days) > MAX_SERIES:
            raise _refuse(
                "until",
                _("A series has at most %(high)d sessions; choose an earlier end date.")
                % {"high": MAX_SERIES},
            )
    naive = [dt.datetime.combine(day, local.time().replace(tzinfo=None)) for day in days]
    return [timezone.make_aware(moment) for moment in naive]


def overlapping_sessions(
    staff: Collection[int],
    starts_at: dt.datetime,
    minutes: int,
    *,
    exclude: Collection[int] = (),
) -> list[Session]:
    """Scheduled or attended sessions any of these staff attend that overlap ``minutes`` from
    ``starts_at`` (touching end to start is no overlap). One query."""
    if not staff:
        return []
    ends_at = starts_at + dt.timedelta(minutes=minutes)
    near = (
        Session.objects.filter(
            status__in=BUSY_STATUSES,
            starts_at__lt=ends_at,
            starts_at__gt=starts_at - dt.timedelta(minutes=MAX_LENGTH),
            pk__in=Session.attended_by.through.objects.filter(user_id__in=staff).values(
                "session_id"
            ),
        )
        .exclude(pk__in=exclude)
        .order_by("starts_at", "pk")
    )
    return [s for s in near if s.starts_at + dt.timedelta(minutes=s.duration_minutes) > starts_at]


# Numbering ------------------------------------------------------------------------------------


def sessions_renumber(episode: Episode) -> int:
    """Number the episode's scheduled, attended and no-show sessions 1..k by (start, pk) and
    take the number from cancelled and withdrawn ones. Returns how many sessions changed.

    Safe under the unique (episode, number) rule on SQLite and PostgreSQL (which checks each
    row as it is written): the sessions that change are first cleared to no number, and their
    new numbers are exactly those no unchanged session holds. Locks the episode's row (again,
    if the caller already did)."""
    Episode.objects.select_for_update().filter(pk=episode.pk).first()
    sessions = list(
        Session.objects.filter(episode_id=episode.pk)
        .order_by("starts_at", "pk")
        .only("pk", "number", "status", "starts_at")
    )
    wanted: dict[int, int | None] = {}
    position = 0
    for session in sessions:
        if session.status in NUMBERED_STATUSES:
            position += 1
            wanted[session.pk] = position
        else:
            wanted[session.pk] = None
    changed = [s for s in sessions if s.number != wanted[s.pk]]
    if not changed:
        return 0
    Session.objects.filter(pk__in=[s.pk for s in changed]).update(number=None)
    renumbered = []
    for session in changed:
        session.number = wanted[session.pk]
        if session.number is not None:
            renumbered.append(session)
    Session.objects.bulk_update(renumbered, ["number"], batch_size=500)
    return len(changed)


# Writes ---------------------------------------------------------------------------------------


def _check_open(episode: Episode) -> None:
    if episode.ended_on is not None:
        raise _refuse("episode", _("This episode has ended; reopen it before booking sessions."))


def _lock(episode: Episode) -> Episode:
    locked = Episode.objects.select_for_update().get(pk=episode.pk)
    _check_open(locked)
    return locked


def _locked_session(session: Session) -> tuple[Episode, Session]:
    """The session's episode locked, then the session read afresh (its state may have changed
    while the caller looked at it)."""
    episode = Episode.objects.select_for_update().get(pk=session.episode_id)
    return episode, Session.objects.select_for_update().get(pk=session.pk)


def _staff_ids(episode: Episode, staff: Iterable[User | int] | None, by: User) -> list[int]:
    """Who attends: members of the care team only; the person booking when none are named."""
    team = set(episode.care_team.values_list("member_id", flat=True))
    ids = [person if isinstance(person, int) else person.pk for person in staff or ()]
    if not ids:
        return [by.pk] if by.pk in team else []
    if not set(ids) <= team:
        raise _refuse(
            "attended_by", _("Only members of the client's care team can attend a session.")
        )
    return list(dict.fromkeys(ids))


def session_history_keep(session: Session, *, what: str, by: User, reason: str = "") -> None:
    """Keep in ``session.history`` what the session was before this change (the caller saves
    ``history`` with the change). Every change of a session's date, length, way or status
    writes its history through this one function."""
    session.history = [
        *session.history,
        {
            "at": timezone.now().isoformat(),
            "by": by.pk,
            "what": what,
            "starts_at": session.starts_at.isoformat(),
            "duration_minutes": session.duration_minutes,
            "mode": session.mode,
            "status": session.status,
            "number": session.number,
            "reason": reason,
        },
    ]


def _renumbered(episode: Episode) -> None:
    """Renumber, and when numbers moved bring the alerts along (they name sessions by number);
    then plan the booked sessions' reminders again (their numbers decide what is due). The
    caseload's summary (last and next session) is refreshed either way."""
    if sessions_renumber(episode):
        alerts_refresh([episode], notify=False)
    else:
        episode_summaries_refresh([episode])
    plan_messages(episode)


def plan_messages(episode: Episode) -> None:
    """Once the change is committed, plan, move or cancel the reminders and after-video links of
    the episode's sessions to match them (``alliance.portal.reminders.schedule_for_session``,
    safe to repeat): every booked session still to come, and every session with a message still
    to be sent (a cancelled one's are cancelled)."""

    def plan() -> None:
        # The portal sits above the care records (it imports them): imported when used.
        from alliance.portal.models import Invitation
        from alliance.portal.reminders import schedule_for_session

        waiting = Invitation.objects.filter(
            session__episode_id=episode.pk, sent_at__isnull=True, cancelled_at__isnull=True
        ).values("session_id")
        ahead = Session.objects.filter(episode_id=episode.pk).filter(
            Q(status=SessionStatus.SCHEDULED, starts_at__gte=timezone.now() - dt.timedelta(days=1))
            | Q(pk__in=waiting)
        )
        for session in ahead.order_by("starts_at", "pk"):
            with transaction.atomic():
                schedule_for_session(session)

    transaction.on_commit(plan)


@dataclass(frozen=True)
class _Slot:
    starts_at: dt.datetime
    minutes: int


@transaction.atomic
def appointment_book(
    *,
    episode: Episode,
    by: User,
    starts_at: dt.datetime,
    duration_minutes: int = 50,
    ends_at: dt.datetime | None = None,
    mode: str = SessionMode.IN_PERSON,
    attended_by: Iterable[User | int] | None = None,
    repeat: str = "",
    count: int | None = None,
    until: dt.date | None = None,
    record_past: bool = False,
    confirm_overlap: bool = False,
    final: bool = False,
) -> list[Session]:
    """Book one session, or a weekly or fortnightly series (``count`` sessions or ``until`` a
    date), for the staff ``attended_by`` (care team members; the booker when none are named).

    Refused, with the field named and nothing stored: a start in the past (unless
    ``record_past``, which records one past session as attended), a length outside 5-480
    minutes or an end before the start, an unknown ``mode``, staff off the care team, an ended
    episode. A booking that overlaps another session of the same clinician raises
    ``AppointmentOverlap`` unless ``confirm_overlap``. Booking the same start again (a double
    tap) returns the session already booked and stores nothing new."""
    now = timezone.now()
    locked = _lock(episode)
    first = _check_start(starts_at, record_past=record_past, now=now)
    minutes = _length_between(first, ends_at, duration_minutes)
    _check_mode(mode)
    if record_past and timezone.localdate(first) < locked.started_on:
        raise _refuse(
            "starts_at",
            _("The episode started on %(day)s; a past session cannot be before that.")
            % {"day": f"{locked.started_on:%Y-%m-%d}"},
        )
    if record_past and repeat:
        raise _refuse("repeat", _("A past session is recorded one at a time."))
    staff = _staff_ids(locked, attended_by, by)
    starts = series_starts(first, repeat=repeat, count=count, until=until)
    existing = {
        s.starts_at: s
        for s in Session.objects.filter(
            episode=locked, starts_at__in=starts, status__in=NUMBERED_STATUSES
        )
    }
    slots = [_Slot(moment, minutes) for moment in starts if moment not in existing]
    if not slots:
        return [existing[moment] for moment in starts]
    clashes = [
        clash for slot in slots for clash in overlapping_sessions(staff, slot.starts_at, minutes)
    ]
    if clashes and not confirm_overlap:
        raise AppointmentOverlap(list({c.pk: c for c in clashes}.values()))
    series = uuid.uuid4() if len(starts) > 1 else None
    status = SessionStatus.ATTENDED if record_past else SessionStatus.SCHEDULED
    created = []
    for slot in slots:
        session = Session.objects.create(
            episode=locked,
            number=None,
            starts_at=slot.starts_at,
            duration_minutes=slot.minutes,
            mode=mode,
            status=status,
            series=series,
            final=final and slot is slots[-1],
            booked_by=by,
            booked_at=now,
        )
        session.attended_by.set(staff)
        created.append(session)
    _renumbered(locked)
    fresh = Session.objects.in_bulk([s.pk for s in created])
    booked = {s.starts_at: fresh[s.pk] for s in created} | existing
    return [booked[moment] for moment in starts]


def _booked_only(session: Session, doing: str) -> None:
    if session.status != SessionStatus.SCHEDULED:
        raise _refuse(
            "status",
            _(
                "Only a booked session can be %(doing)s; this one is %(status)s. Correct an "
                "attended or missed session's date or attendance on its page."
            )
            % {"doing": doing, "status": session.get_status_display().lower()},
        )


@transaction.atomic
def appointment_reschedule(
    *,
    session: Session,
    by: User,
    starts_at: dt.datetime,
    duration_minutes: int | None = None,
    ends_at: dt.datetime | None = None,
    mode: str | None = None,
    reason: str = "",
    confirm_overlap: bool = False,
) -> Session:
    """Move a booked session to another time (and length or mode), keeping the earlier one in
    its history. Refused like a booking; moving it to where it is changes nothing."""
    episode, locked = _locked_session(session)
    _check_open(episode)
    _booked_only(locked, _("rescheduled"))
    start = _check_start(starts_at, record_past=False, now=timezone.now())
    minutes = _length_between(
        start, ends_at, locked.duration_minutes if duration_minutes is None else duration_minutes
    )
    new_mode = locked.mode if mode is None else mode
    _check_mode(new_mode)
    _check_reason(reason, required=False)
    if (start, minutes, new_mode) == (locked.starts_at, locked.duration_minutes, locked.mode):
        return locked
    staff = list(locked.attended_by.values_list("pk", flat=True))
    clashes = overlapping_sessions(staff, start, minutes, exclude=[locked.pk])
    if clashes and not confirm_overlap:
        raise AppointmentOverlap(clashes)
    session_history_keep(locked, what="rescheduled", by=by, reason=reason.strip())
    locked.starts_at, locked.duration_minutes, locked.mode = start, minutes, new_mode
    locked.save(update_fields=["starts_at", "duration_minutes", "mode", "history"])
    _renumbered(episode)
    locked.refresh_from_db(fields=["number"])
    return locked


def _check_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise _refuse("reason", _("Say why, in a few words."))
    if len(reason) > 300:
        raise _refuse("reason", _("The reason must be at most 300 characters."))
    return reason


@transaction.atomic
def appointment_cancel(
    *, session: Session, by: User, cancelled_by: str, reason: str = ""
) -> Session:
    """Cancel a booked session, by the client or the clinic, with the reason. It keeps its
    date and history and loses its number, so the sessions after it close up and the chart
    shows no gap. Cancelling a cancelled session changes nothing."""
    allowed = [value for value in CancelledBy.values if value]
    if cancelled_by not in allowed:
        raise _refuse(
            "cancelled_by",
            _("Say who cancelled: one of %(allowed)s.") % {"allowed": ", ".join(allowed)},
        )
    reason = _check_reason(reason, required=True)
    episode, locked = _locked_session(session)
    if locked.status == SessionStatus.CANCELLED:
        return locked
    _booked_only(locked, _("cancelled"))
    if _has_records(locked):
        raise _refuse(
            "status",
            _("This session has answers or notes, so it took place: mark it attended."),
        )
    session_history_keep(locked, what="cancelled", by=by, reason=reason)
    locked.status, locked.cancelled_by, locked.reason = (
        SessionStatus.CANCELLED,
        cancelled_by,
        reason,
    )
    locked.number = None
    locked.save(update_fields=["status", "cancelled_by", "reason", "number", "history"])
    _renumbered(episode)
    return locked


def _has_answers(session: Session) -> bool:
    """Whether the client answered anything in the session (a response, voided ones included,
    or a goal rating)."""
    return Response.everything.filter(session=session).exists() or session.goal_ratings.exists()


def _has_records(session: Session) -> bool:
    """Answers, or alliance work recorded in the session (goals set, tasks, ruptures,
    reflections): a session holding any of these took place."""
    return (
        _has_answers(session)
        or session.goals_set.exists()
        or session.tasks_agreed.exists()
        or session.tasks_reviewed.exists()
        or session.ruptures.exists()
        or session.reflections.exists()
    )


def _attendance(session: Session, *, by: User, status: str) -> Session:
    episode, locked = _locked_session(session)
    if locked.status == status:
        return locked
    if locked.status not in NUMBERED_STATUSES:
        raise _refuse(
            "status",
            _("A %(status)s session cannot be marked attended or missed.")
            % {"status": locked.get_status_display().lower()},
        )
    if timezone.localdate(locked.starts_at) > timezone.localdate():
        raise _refuse(
            "status",
            _("This session is on %(day)s; mark it once it has taken place.")
            % {"day": f"{timezone.localdate(locked.starts_at):%Y-%m-%d}"},
        )
    if status == SessionStatus.NO_SHOW and _has_answers(locked):
        raise _refuse("status", _("This session has answers from the client, so it was attended."))
    session_history_keep(locked, what=status, by=by)
    locked.status = status
    locked.save(update_fields=["status", "history"])
    if status == SessionStatus.ATTENDED and not locked.due:
        fix_due(locked)
    alerts_refresh([episode])
    plan_messages(episode)
    return locked


@transaction.atomic
def appointment_attended(*, session: Session, by: User) -> Session:
    """Mark a session attended (it must have begun): its due measures are fixed then."""
    return _attendance(session, by=by, status=SessionStatus.ATTENDED)


@transaction.atomic
def appointment_no_show(*, session: Session, by: User) -> Session:
    """Mark a session a no-show: the client did not come and did not say. It keeps its number
    (a missed session is a session of the episode, and the alerts read it)."""
    return _attendance(session, by=by, status=SessionStatus.NO_SHOW)


@transaction.atomic
def appointment_withdraw(*, session: Session, by: User, reason: str) -> Session:
    """Withdraw a session opened by mistake, with the reason, while it has no answers (no
    response, no goal rating). It is kept with its history, never counted, and loses its
    number. Withdrawing a withdrawn session changes nothing."""
    reason = _check_reason(reason, required=True)
    episode, locked = _locked_session(session)
    if locked.status == SessionStatus.WITHDRAWN:
        return locked
    if _has_records(locked):
        raise _refuse(
            "session",
            _(
                "This session has answers or notes, so it took place and cannot be "
                "withdrawn; void an answer entered by mistake instead."
            ),
        )
    session_history_keep(locked, what="withdrawn", by=by, reason=reason)
    locked.status, locked.reason, locked.number, locked.cancelled_by = (
        SessionStatus.WITHDRAWN,
        reason,
        None,
        "",
    )
    locked.save(update_fields=["status", "reason", "number", "cancelled_by", "history"])
    # A withdrawn session leaves the series even when no number moved: the alerts (and with
    # them the summary) are refreshed once, whether or not the numbers changed.
    sessions_renumber(episode)
    alerts_refresh([episode])
    plan_messages(episode)
    return locked


def start_of_day(day: dt.date | None = None) -> dt.datetime:
    """Midnight at the start of a local day (today when not given), as an aware time."""
    return timezone.make_aware(dt.datetime.combine(day or timezone.localdate(), dt.time.min))
