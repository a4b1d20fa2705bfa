"""Reads for the appointment pages: the day view, the caseload's appointment column and the
client page's bookings. Every query starts from ``alliance.access``; each read takes a fixed
number of queries however many clients or sessions there are."""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from alliance import access
from alliance.accounts.models import User
from alliance.care.appointments import start_of_day
from alliance.care.models import (
    NUMBERED_STATUSES,
    CareRole,
    CareTeamMember,
    Episode,
    PlanRepeat,
    Session,
    SessionMode,
    SessionStatus,
)
from alliance.care.plans import due_for_session, episode_plan, phases
from alliance.measures.models import Response
from alliance.voice.models import AgendaItem
from alliance.voice.selectors import agenda_items_by_session

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "AppointmentSummary",
    "DayRow",
    "EpisodeBookings",
    "day_rows",
    "due_for_sessions",
    "episode_bookings",
]


def _last_given(sessions: Sequence[Session]) -> dict[int, dict[str, dt.date]]:
    """For each session, when each measure was last answered in its episode before it: one
    query for all the sessions."""
    episodes = {s.episode_id for s in sessions}
    if not episodes:
        return {}
    rows = (
        Response.objects.filter(session__episode_id__in=episodes)
        .values_list("session__episode_id", "session_id", "instrument", "session__starts_at")
        .order_by("session__starts_at")
    )
    answered: dict[int, list[tuple[int, str, dt.datetime]]] = defaultdict(list)
    for episode_id, session_id, instrument, starts_at in rows:
        answered[episode_id].append((session_id, instrument, starts_at))
    found: dict[int, dict[str, dt.date]] = {}
    for session in sessions:
        last: dict[str, dt.date] = {}
        for session_id, instrument, starts_at in answered.get(session.episode_id, []):
            if session_id != session.pk and starts_at < session.starts_at:
                last[instrument] = timezone.localdate(starts_at)
        found[session.pk] = last
    return found


def due_for_sessions(sessions: Sequence[Session]) -> dict[int, list[str]]:
    """What is due at each session (``alliance.care.plans.due_for_session`` for many at once):
    the measures fixed when it started, else by its episode's plan now. The sessions come with
    ``episode`` and ``episode.plan`` loaded; one query more, for plans repeated every N weeks."""
    weekly = [
        s
        for s in sessions
        if not s.due and any(i.repeat == PlanRepeat.WEEKS.value for i in episode_plan(s.episode))
    ]
    last = _last_given(weekly)
    kinds = phases()
    return {s.pk: due_for_session(s, last_given=last.get(s.pk), kinds=kinds) for s in sessions}


@dataclass(frozen=True)
class DayRow:
    """One appointment of the day: the session (with its episode and client) and what is due."""

    session: Session
    due: Sequence[str]
    # What the client wants to talk about (issue 19), for the care team only.
    topics: Sequence[AgendaItem] = ()

    @property
    def ends_at(self) -> dt.datetime:
        return self.session.starts_at + dt.timedelta(minutes=self.session.duration_minutes)


def day_rows(user: User, day: dt.date | None = None) -> list[DayRow]:
    """The user's appointments of one day (today when not given), in time order: sessions they
    attend, and those of clients whose primary therapist they are when no staff are named.
    Cancelled and withdrawn ones are left out. With each, the topics the client added with the
    outcome measure (``voice.selectors.agenda_items_by_session``: the care team only). Five
    queries however many there are."""
    midnight = start_of_day(day)
    mine = Q(attended_by=user) | Q(
        attended_by__isnull=True,
        episode__care_team__member=user,
        episode__care_team__role=CareRole.PRIMARY_THERAPIST,
    )
    ids = (
        access.visible_sessions(user)
        .filter(starts_at__gte=midnight, starts_at__lt=midnight + dt.timedelta(days=1))
        .filter(status__in=NUMBERED_STATUSES)
        .filter(mine)
        .values("pk")
    )
    sessions = list(
        Session.objects.filter(pk__in=ids)
        .select_related("episode__client", "episode__team")
        .prefetch_related("episode__plan", "attended_by")
        .order_by("starts_at", "pk")
    )
    due = due_for_sessions(sessions)
    topics = agenda_items_by_session(user, sessions)
    return [DayRow(s, due[s.pk], topics.get(s.pk, [])) for s in sessions]


@dataclass(frozen=True)
class AppointmentSummary:
    """A caseload row's appointments: the last session held, the next booked, and how many
    sessions the client attended so far (from the episode's ``EpisodeSummary``)."""

    last_at: dt.datetime | None = None
    next_at: dt.datetime | None = None
    so_far: int = 0


@dataclass(frozen=True)
class EpisodeBookings:
    """What the client page's appointment panel shows, from the sessions already loaded."""

    today: Sequence[Session] = ()
    upcoming: Sequence[Session] = ()
    begun: Sequence[Session] = ()
    withdrawable: Sequence[Session] = ()
    next_number: int = 1
    care_team: Sequence[CareTeamMember] = field(default_factory=tuple)
    modes: Sequence[tuple[str, "StrOrPromise"]] = field(default_factory=lambda: SessionMode.choices)


def episode_bookings(episode: Episode, sessions: Sequence[Session]) -> EpisodeBookings:
    """Today's booked sessions (each can start), the bookings to come, booked sessions whose
    time has passed unmarked, sessions of today with no answers (they can be withdrawn) and the
    number an unbooked session started now would take. ``sessions`` are the episode's, with
    their responses and staff loaded (``selectors.episode_detail``); no query is made."""
    now = timezone.now()
    today = timezone.localdate(now)
    scheduled = [s for s in sessions if s.status == SessionStatus.SCHEDULED]
    on_day = [s for s in scheduled if timezone.localdate(s.starts_at) == today]
    later = [s for s in scheduled if timezone.localdate(s.starts_at) > today]
    begun = [s for s in scheduled if timezone.localdate(s.starts_at) < today]
    withdrawable = [
        s
        for s in sessions
        if s.status == SessionStatus.ATTENDED
        and timezone.localdate(s.starts_at) == today
        and not list(s.responses.all())
    ]
    before_now = [s for s in sessions if s.status in NUMBERED_STATUSES and s.starts_at <= now]
    return EpisodeBookings(
        today=sorted(on_day, key=lambda s: (s.starts_at, s.pk)),
        upcoming=sorted(later, key=lambda s: (s.starts_at, s.pk)),
        begun=sorted(begun, key=lambda s: (s.starts_at, s.pk)),
        withdrawable=withdrawable,
        next_number=len(before_now) + 1,
        care_team=list(episode.care_team.all()),
    )


def booking_episode(user: User, episode_id: int) -> Episode:
    """An episode the user may see, with its care team (for the booking form)."""
    return (
        access.visible_episodes(user)
        .select_related("client", "team")
        .prefetch_related(
            Prefetch("care_team", queryset=CareTeamMember.objects.select_related("member"))
        )
        .get(pk=episode_id)
    )


def sessions_with_care_team(user: User) -> QuerySet[Session]:
    """The sessions the user may see, each with its episode, client, team, care team and the
    staff present (the session page adds its responses and alerts: ``session_detail``)."""
    return (
        access.visible_sessions(user)
        .select_related("episode__client", "episode__team")
        .prefetch_related(
            "attended_by",
            Prefetch(
                "episode__care_team", queryset=CareTeamMember.objects.select_related("member")
            ),
        )
    )


def booked_session(user: User, session_id: int) -> Session:
    """A session the user may see, with its episode, client and care team."""
    return sessions_with_care_team(user).get(pk=session_id)
