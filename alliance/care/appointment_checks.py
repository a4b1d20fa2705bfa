"""What a booking must be before it is stored (docs/care.md, "Appointments"): the way to meet,
the length, the start (not in the past unless recorded as past, at most two years ahead), the
series, and no overlap with the same clinician's other sessions. Each refusal names the field
and the allowed values. :mod:`alliance.care.appointments` checks with these before it writes."""

import datetime as dt
from collections.abc import Collection, Sequence

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.care.models import (
    Session,
    SessionMode,
    SessionStatus,
)

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


def refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


def check_mode(mode: str) -> None:
    if mode not in SessionMode.values:
        raise refuse(
            "mode",
            _("%(mode)s is not a way to meet; choose one of %(allowed)s.")
            % {"mode": mode or '""', "allowed": ", ".join(SessionMode.values)},
        )


def check_length(minutes: object) -> int:
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not MIN_LENGTH <= minutes <= MAX_LENGTH
    ):
        raise refuse(
            "duration_minutes",
            _("The length must be a whole number of minutes from %(low)d to %(high)d.")
            % {"low": MIN_LENGTH, "high": MAX_LENGTH},
        )
    return minutes


def check_start(starts_at: object, *, record_past: bool, now: dt.datetime) -> dt.datetime:
    if not isinstance(starts_at, dt.datetime):
        raise refuse("starts_at", _("Give the date and time the session starts."))
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    if starts_at < now and not record_past:
        raise refuse(
            "starts_at",
            _(
                "This is in the past: a booking starts now or later. To record a session "
                "that took place, say so (record_past)."
            ),
        )
    if starts_at > now + dt.timedelta(days=MAX_AHEAD_DAYS):
        raise refuse(
            "starts_at",
            _("A booking is at most %(days)d days ahead.") % {"days": MAX_AHEAD_DAYS},
        )
    if starts_at > now and record_past:
        raise refuse(
            "starts_at",
            _("A session recorded as past starts before now; book a later one instead."),
        )
    return starts_at


def length_between(starts_at: dt.datetime, ends_at: dt.datetime | None, minutes: object) -> int:
    """The length, from ``duration_minutes`` or from an end time (which must follow the start)."""
    if ends_at is None:
        return check_length(minutes)
    if timezone.is_naive(ends_at):
        ends_at = timezone.make_aware(ends_at)
    if ends_at <= starts_at:
        raise refuse("ends_at", _("The end must be after the start."))
    seconds = (ends_at - starts_at).total_seconds()
    if seconds % 60:
        raise refuse("ends_at", _("The end must be a whole number of minutes after the start."))
    return check_length(int(seconds // 60))


def series_starts(
    first: dt.datetime, *, repeat: str = "", count: int | None = None, until: dt.date | None = None
) -> list[dt.datetime]:
    """When the sessions of a booking start: ``first`` alone, or weekly or fortnightly from it,
    ``count`` sessions or up to ``until`` (the date of the last, inclusive), at the same local
    time of day (so a series keeps its hour across a change of summer time)."""
    if repeat not in REPEATS:
        raise refuse(
            "repeat",
            _("%(value)s is not a repeat; choose one of %(allowed)s.")
            % {"value": repeat, "allowed": ", ".join(f'"{r}"' for r in REPEATS)},
        )
    if not REPEATS[repeat]:
        if count not in (None, 1) or until is not None:
            raise refuse("repeat", _("Choose weekly or fortnightly to book several sessions."))
        return [first]
    if (count is None) == (until is None):
        raise refuse("count", _("A series needs either a number of sessions or an end date."))
    local = timezone.localtime(first)
    step = dt.timedelta(weeks=REPEATS[repeat])
    if count is not None:
        if isinstance(count, bool) or not isinstance(count, int) or not 2 <= count <= MAX_SERIES:
            raise refuse(
                "count",
                _("A series has from 2 to %(high)d sessions.") % {"high": MAX_SERIES},
            )
        days = [local.date() + step * n for n in range(count)]
    else:
        assert until is not None  # for the type checker: one of the two is given
        if until <= local.date():
            raise refuse("until", _("The end date of a series must be after its first session."))
        days = []
        day = local.date()
        while day <= until and len(days) <= MAX_SERIES:
            days.append(day)
            day += step
        if len(days) > MAX_SERIES:
            raise refuse(
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
