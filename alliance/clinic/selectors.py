"""Reads for the clinician's pages. Every query starts from ``alliance.access``.

Each page reads a fixed number of queries however many clients or sessions there are: related
rows come with ``select_related``/``prefetch_related``, and the caseload reads each episode's
summary (``feedback.models.EpisodeSummary``: latest scores, open alerts, sessions held and
booked, need order), kept up to date by the writes, instead of working it out per request.
"""

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

from django.db.models import F, Prefetch, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from alliance import access
from alliance.accounts.models import User
from alliance.care.models import CareTeamMember, Episode, GoalRating, Session
from alliance.care.selectors import read_as_visible
from alliance.charts import Sparkline, data_domain, sparkline
from alliance.clinic.appointment_selectors import AppointmentSummary, sessions_with_care_team
from alliance.clinic.progress import GoalScore
from alliance.feedback.models import Alert, Severity, last_held, next_booked
from alliance.feedback.services import thresholds
from alliance.feedback.summaries import (
    SPARKLINE_SESSIONS,
    episode_summaries_refresh,
    recent_scores,
)
from alliance.measures import catalogue
from alliance.measures.models import Response

__all__ = [
    "ALERTS_PER_ROW",
    "SPARKLINE_SESSIONS",
    "AlertGroup",
    "CaseloadRow",
    "OpenAlert",
    "Trend",
    "care_team_episode",
    "caseload",
    "caseload_rows",
    "episode_detail",
    "goal_scores",
    "recent_scores",
    "session_detail",
]


def caseload(user: User) -> QuerySet[Episode]:
    """The user's active episodes (where they are on the care team), most in need first, with
    each one's summary (``EpisodeSummary``): the open alert with the lowest ``priority`` (risk
    answers, then reliable deterioration, then not on track, then alliance alerts, then missed
    sessions: ``alliance.science.signals.caseload_priority``) decides, then the most recent
    session of that alert (recency), then the oldest episode. The order is the summary's
    (``need_priority``, ``need_session_at``), kept up to date by the writes, not worked out
    here."""
    return (
        access.visible_episodes(user)
        .filter(ended_on__isnull=True, care_team__member=user)
        .select_related("client", "team", "summary")
        # Clients without open alerts come last, whatever the database's default for NULLs.
        .order_by(
            F("summary__need_priority").asc(nulls_last=True),
            F("summary__need_session_at").desc(nulls_last=True),
            "started_on",
            "pk",
        )
    )


@dataclass(frozen=True)
class Trend:
    """A measure's latest scores on one caseload row: the small chart and the newest value."""

    measure: str
    values: Sequence[float]
    line: Sparkline
    cutoff: float | None = None

    @property
    def latest(self) -> float:
        return self.values[-1]


@dataclass(frozen=True)
class OpenAlert:
    rule: str
    severity: str
    session: int
    since: int = 0


@dataclass(frozen=True)
class AlertGroup:
    """One rule's open alerts on a caseload row: the rule once, with the sessions it fired at."""

    rule: str
    severity: str
    severity_label: str
    sessions: Sequence[int]
    since: int = 0


@dataclass(frozen=True)
class CaseloadRow:
    """One client on the caseload, read as plain values with the episode's summary (building a
    thousand episodes, clients, teams and summaries as model instances was a third of the
    page's time, issue 16). Its recent scores, alerts grouped by rule (most urgent first;
    ``more`` counts the rules not shown) and appointments are worked out when first read, so a
    caseload row whose HTML is already drawn (``caseload_table``) costs nothing more."""

    episode_id: int
    client_id: int
    team_id: int
    client_name: str
    client_code: str
    team_name: str
    outcome_measure: str
    alliance_measure: str
    age_group: str
    # The summary's scores and open alerts as stored (JSON text): what a drawn row is kept by.
    scores_json: str
    alerts_json: str
    open_count: int
    held_at: Sequence[str]
    booked_at: Sequence[str]
    sessions_attended: int
    now: dt.datetime
    outcome_cutoff: float | None = None
    alliance_cutoff: float | None = None

    @cached_property
    def episode(self) -> Episode:
        """The row's episode, without a query: its id, client, team and measures."""
        return Episode(
            pk=self.episode_id,
            client_id=self.client_id,
            team_id=self.team_id,
            outcome_measure=self.outcome_measure,
            alliance_measure=self.alliance_measure,
        )

    @cached_property
    def _scores(self) -> Mapping[str, list[float]]:
        return json.loads(self.scores_json) if self.scores_json else {}

    @cached_property
    def outcome(self) -> Trend | None:
        return _trend(self._scores, self.outcome_measure, self.outcome_cutoff)

    @cached_property
    def alliance(self) -> Trend | None:
        return _trend(self._scores, self.alliance_measure, self.alliance_cutoff)

    @cached_property
    def _groups(self) -> list[AlertGroup]:
        stored = json.loads(self.alerts_json) if self.alerts_json else []
        return _alert_groups([OpenAlert(*alert) for alert in stored])

    @property
    def alerts(self) -> Sequence[AlertGroup]:
        return self._groups[:ALERTS_PER_ROW]

    @property
    def more(self) -> int:
        return max(len(self._groups) - ALERTS_PER_ROW, 0)

    @cached_property
    def appointments(self) -> AppointmentSummary:
        """Last session held and next booked at the page's moment, and sessions so far."""
        return AppointmentSummary(
            last_held(self.held_at, self.now),
            next_booked(self.booked_at, self.now),
            self.sessions_attended,
        )


ALERTS_PER_ROW = 3
"""Rules shown on a caseload row; the client page lists every alert."""


def _alert_groups(alerts: Sequence[OpenAlert]) -> list[AlertGroup]:
    """Open alerts (already most urgent first) grouped by rule, keeping that order."""
    grouped: dict[str, list[OpenAlert]] = {}
    for alert in alerts:
        grouped.setdefault(alert.rule, []).append(alert)
    return [
        AlertGroup(
            rule,
            same[0].severity,
            str(Severity(same[0].severity).label),
            sorted(a.session for a in same),
            min(a.since or a.session for a in same),
        )
        for rule, same in grouped.items()
    ]


def _trend(scores: Mapping[str, list[float]], code: str, cutoff: float | None) -> Trend | None:
    values = scores.get(code)
    if not values:
        return None
    # Scaled to the scores and the cutoff, not the whole scale, so a 3-point drop shows.
    instrument = catalogue.instrument(code)
    low, high = data_domain(
        values, scale=(instrument.scoring.min, instrument.scoring.max), reference=[cutoff]
    )
    return Trend(code, values, sparkline(values, low=low, high=high, cutoff=cutoff), cutoff)


def _caseload_values(user: User) -> list[dict[str, Any]]:
    """The caseload's rows as plain values named as ``CaseloadRow`` names them, with each
    episode's summary; an episode written without one (a bulk import, a test's factory) gets it
    now, so the page is right even then (two queries more, that once)."""

    def read() -> list[dict[str, Any]]:
        values = caseload(user).values(
            "client_id",
            "team_id",
            "outcome_measure",
            "alliance_measure",
            episode_id=F("pk"),
            client_name=F("client__display_name"),
            client_code=F("client__code"),
            team_name=F("team__name"),
            age_group=F("client__age_group"),
            scores_json=Cast("summary__recent_scores", TextField()),
            alerts_json=Cast("summary__open_alerts", TextField()),
            open_count=F("summary__open_alert_count"),
            held_at=F("summary__held_at"),
            booked_at=F("summary__booked_at"),
            sessions_attended=F("summary__sessions_attended"),
        )
        return list(cast(Iterable[dict[str, Any]], values))

    rows = read()
    missing = [row["episode_id"] for row in rows if row["open_count"] is None]  # no summary
    if missing:
        episode_summaries_refresh(missing)
        rows = read()
    return rows


def caseload_rows(user: User) -> list[CaseloadRow]:
    """The caseload with each row's recent scores, open alerts and appointments (last, next,
    sessions so far), all read from the episodes' summaries: one query however many clients
    (three when some episode had no summary yet)."""
    now = timezone.now()
    cutoffs: dict[tuple[str, str], float | None] = {}  # a caseload has a few measures and ages

    def cutoff(code: str, age_group: str) -> float | None:
        if (code, age_group) not in cutoffs:
            cutoffs[(code, age_group)] = thresholds(code, age_group).cutoff
        return cutoffs[(code, age_group)]

    return [
        CaseloadRow(
            **values,
            now=now,
            outcome_cutoff=cutoff(values["outcome_measure"], values["age_group"]),
            alliance_cutoff=cutoff(values["alliance_measure"], values["age_group"]),
        )
        for values in _caseload_values(user)
    ]


def episode_detail(user: User, episode_id: int) -> Episode:
    """One episode the user may see, with its care team, sessions, responses and alerts loaded
    in a fixed number of queries. Raises Episode.DoesNotExist when it is not visible."""
    found = (
        access.visible_episodes(user)
        .select_related("client__organisation", "team", "baseline")
        .prefetch_related(
            Prefetch("care_team", queryset=CareTeamMember.objects.select_related("member")),
            Prefetch(
                "sessions",
                queryset=Session.objects.order_by("starts_at", "pk").prefetch_related(
                    "attended_by",
                    Prefetch(
                        "responses",
                        queryset=Response.objects.select_related(
                            "rater_user", "about_member"
                        ).order_by("pk"),
                    ),
                ),
            ),
            Prefetch(
                "alerts",
                queryset=Alert.objects.select_related("session", "acknowledged_by").order_by(
                    F("acknowledged_at").desc(nulls_first=True), "priority", "-session__number"
                ),
            ),
        )
        .get(pk=episode_id)
    )
    return read_as_visible(user, found)


def goal_scores(user: User, episode: Episode) -> list[GoalScore]:
    """Every goal-based outcome rating of the episode's goals (active and closed), for the
    goals chart: one query, goals in the order they were set, sessions in order (two when
    the episode was not read through ``access``); none of an episode the user does not see."""
    if not access.can_see_episode(user, episode):
        return []
    rows = (
        GoalRating.objects.filter(goal__episode=episode)
        .order_by("goal_id", "session__number")
        .values_list("goal_id", "goal__text", "session__number", "session__starts_at", "rating")
    )
    return [
        GoalScore(goal, text, number, f"{starts:%Y-%m-%d}", float(rating))
        for goal, text, number, starts, rating in rows
        # A rating is made in a session that took place, which has a number (a session with
        # records cannot be cancelled or withdrawn).
        if number is not None
    ]


def care_team_episode(user: User, episode_id: int) -> Episode:
    """An episode the user may see, with its care team loaded (to check who may write)."""
    return (
        access.visible_episodes(user)
        .select_related("client")
        .prefetch_related(
            Prefetch("care_team", queryset=CareTeamMember.objects.select_related("member"))
        )
        .get(pk=episode_id)
    )


def session_detail(user: User, session_id: int) -> Session:
    """One session the user may see, with the episode's care team, the staff present, the
    responses and the alerts raised at this session, the goal ratings made in it and the
    episode's measurement plan (the measures due, the paper entry and the portal's invitation
    each read them: one query each instead of one per reader). Raises Session.DoesNotExist
    otherwise."""
    found = (
        sessions_with_care_team(user)
        .prefetch_related(
            "goal_ratings",
            "episode__plan",
            Prefetch(
                "responses",
                queryset=Response.objects.select_related("rater_user", "about_member").order_by(
                    "pk"
                ),
            ),
            Prefetch(
                "alerts",
                queryset=Alert.objects.select_related("acknowledged_by").order_by(
                    F("acknowledged_at").desc(nulls_first=True), "priority"
                ),
            ),
        )
        .get(pk=session_id)
    )
    read_as_visible(user, found.episode)
    return found
