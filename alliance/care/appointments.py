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
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.accounts.models import User
from alliance.care import hooks
from alliance.care.appointment_checks import (
    MAX_LENGTH,
    MAX_SERIES,
    MIN_LENGTH,
    REPEATS,
    AppointmentOverlap,
    check_mode,
    check_start,
    length_between,
    overlapping_sessions,
    refuse,
    series_starts,
)
from alliance.care.models import (
    NUMBERED_STATUSES,
    CancelledBy,
    Episode,
    Session,
    SessionMode,
    SessionStatus,
)
from alliance.care.plans import fix_due
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
        raise refuse("episode", _("This episode has ended; reopen it before booking sessions."))


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
        raise refuse(
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
        hooks.alerts_refresh([episode], notify=False)
    else:
        hooks.episode_summaries_refresh([episode])
    plan_messages(episode)


def plan_messages(episode: Episode) -> None:
    """Once the change is committed, plan, move or cancel the reminders and after-video links of
    the episode's sessions to match them (``alliance.portal.reminders.episode_messages_plan``,
    safe to repeat): every booked session still to come, and every session with a message still
    to be sent (a cancelled one's are cancelled)."""
    # The portal sits above the care records (it imports them): it registered the hook.
    transaction.on_commit(lambda: hooks.episode_messages_plan(episode))


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
    first = check_start(starts_at, record_past=record_past, now=now)
    minutes = length_between(first, ends_at, duration_minutes)
    check_mode(mode)
    if record_past and timezone.localdate(first) < locked.started_on:
        raise refuse(
            "starts_at",
            _("The episode started on %(day)s; a past session cannot be before that.")
            % {"day": f"{locked.started_on:%Y-%m-%d}"},
        )
    if record_past and repeat:
        raise refuse("repeat", _("A past session is recorded one at a time."))
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
        raise refuse(
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
    start = check_start(starts_at, record_past=False, now=timezone.now())
    minutes = length_between(
        start, ends_at, locked.duration_minutes if duration_minutes is None else duration_minutes
    )
    new_mode = locked.mode if mode is None else mode
    check_mode(new_mode)
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
        raise refuse("reason", _("Say why, in a few words."))
    if len(reason) > 300:
        raise refuse("reason", _("The reason must be at most 300 characters."))
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
        raise refuse(
            "cancelled_by",
            _("Say who cancelled: one of %(allowed)s.") % {"allowed": ", ".join(allowed)},
        )
    reason = _check_reason(reason, required=True)
    episode, locked = _locked_session(session)
    if locked.status == SessionStatus.CANCELLED:
        return locked
    _booked_only(locked, _("cancelled"))
    if _has_records(locked):
        raise refuse(
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
        raise refuse(
            "status",
            _("A %(status)s session cannot be marked attended or missed.")
            % {"status": locked.get_status_display().lower()},
        )
    if timezone.localdate(locked.starts_at) > timezone.localdate():
        raise refuse(
            "status",
            _("This session is on %(day)s; mark it once it has taken place.")
            % {"day": f"{timezone.localdate(locked.starts_at):%Y-%m-%d}"},
        )
    if status == SessionStatus.NO_SHOW and _has_answers(locked):
        raise refuse("status", _("This session has answers from the client, so it was attended."))
    session_history_keep(locked, what=status, by=by)
    locked.status = status
    locked.save(update_fields=["status", "history"])
    if status == SessionStatus.ATTENDED and not locked.due:
        fix_due(locked)
    hooks.alerts_refresh([episode])
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
        raise refuse(
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
    hooks.alerts_refresh([episode])
    plan_messages(episode)
    return locked


def start_of_day(day: dt.date | None = None) -> dt.datetime:
    """Midnight at the start of a local day (today when not given), as an aware time."""
    return timezone.make_aware(dt.datetime.combine(day or timezone.localdate(), dt.time.min))
