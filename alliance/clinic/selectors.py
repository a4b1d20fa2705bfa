"""Reads for the clinician's pages. Every query starts from ``alliance.access``.

Each page reads a fixed number of queries however many clients or sessions there are: related
rows come with ``select_related``/``prefetch_related``, and the caseload's recent scores for all
rows come in one windowed query.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import F, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber

from alliance import access
from alliance.accounts.models import User
from alliance.care.models import CareTeamMember, Episode, GoalRating, Session
from alliance.clinic.appointment_selectors import AppointmentSummary, caseload_appointments
from alliance.clinic.charts import Sparkline, data_domain, sparkline
from alliance.clinic.progress import GoalScore
from alliance.feedback.models import Alert, AlertState, Severity
from alliance.feedback.services import thresholds
from alliance.measures import catalogue
from alliance.measures.models import Rater, Response

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
    "open_alerts",
    "recent_scores",
    "session_detail",
]

SPARKLINE_SESSIONS = 8
"""How many of the latest scores a caseload row's small chart shows."""


def caseload(user: User) -> QuerySet[Episode]:
    """The user's active episodes (where they are on the care team), most in need first: the
    open alert with the lowest ``priority`` (risk answers, then reliable deterioration, then not
    on track, then alliance alerts, then missed sessions:
    ``alliance.science.signals.caseload_priority``) decides, then the most recent session of
    that alert (recency), then the oldest episode."""
    open_alerts = Q(alerts__state=AlertState.OPEN)
    most_needed = (
        Alert.objects.open()
        .filter(episode=OuterRef("pk"))
        .order_by("priority", "-session__number", "pk")
    )
    return (
        access.visible_episodes(user)
        .filter(ended_on__isnull=True, care_team__member=user)
        .select_related("client", "team")
        .annotate(
            top_priority=Min("alerts__priority", filter=open_alerts),
            # Recency within one kind of need: the most recent session of the top alert first.
            top_session_at=Subquery(most_needed.values("session__starts_at")[:1]),
        )
        # Clients without open alerts come last, whatever the database's default for NULLs.
        .order_by(
            F("top_priority").asc(nulls_last=True),
            F("top_session_at").desc(nulls_last=True),
            "started_on",
            "pk",
        )
    )


def open_alerts(episodes: Sequence[Episode]) -> dict[int, list["OpenAlert"]]:
    """Every open alert of these episodes in one query, most urgent first, as light tuples: a
    caseload row needs the rule, severity and session, not the evidence."""
    rows = (
        Alert.objects.open()
        .filter(episode_id__in=[e.pk for e in episodes])
        .order_by("priority", "-session__number", "pk")
        .values_list("episode_id", "rule", "severity", "session__number", "since_session")
    )
    found: dict[int, list[OpenAlert]] = defaultdict(list)
    for episode_id, rule, severity, session, since in rows:
        found[episode_id].append(OpenAlert(rule, severity, session, since or session))
    return found


def recent_scores(
    episodes: Sequence[Episode], last: int = SPARKLINE_SESSIONS
) -> dict[tuple[int, str], list[float]]:
    """The client's latest ``last`` totals per episode and measure, oldest first, for every
    episode in one query (a window function ranks each episode's scores newest first)."""
    ranked = (
        Response.objects.filter(
            session__episode_id__in=[e.pk for e in episodes],
            rater=Rater.CLIENT,
            about_member__isnull=True,
        )
        .annotate(
            recency=Window(
                RowNumber(),
                partition_by=[F("session__episode_id"), F("instrument")],
                order_by=[F("session__number").desc(), F("pk").desc()],
            )
        )
        .filter(recency__lte=last)
        .order_by("session__episode_id", "instrument", "session__number", "pk")
        .values_list("session__episode_id", "instrument", "total")
    )
    scores: dict[tuple[int, str], list[float]] = defaultdict(list)
    for episode_id, instrument, total in ranked:
        scores[(episode_id, instrument)].append(total)
    return scores


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
    """One client on the caseload: the episode, its recent scores and its open alerts grouped by
    rule, most urgent first; ``more`` counts the rules not shown on the row."""

    episode: Episode
    outcome: Trend | None
    alliance: Trend | None
    open_count: int = 0
    alerts: Sequence[AlertGroup] = ()
    more: int = 0
    appointments: AppointmentSummary = field(default_factory=AppointmentSummary)


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


def _trend(scores: dict[tuple[int, str], list[float]], episode: Episode, code: str) -> Trend | None:
    values = scores.get((episode.pk, code))
    if not values:
        return None
    # Scaled to the scores and the cutoff, not the whole scale, so a 3-point drop shows.
    instrument = catalogue.instrument(code)
    cutoff = thresholds(code, episode.client.age_group).cutoff
    low, high = data_domain(
        values, scale=(instrument.scoring.min, instrument.scoring.max), reference=[cutoff]
    )
    return Trend(code, values, sparkline(values, low=low, high=high, cutoff=cutoff), cutoff)


def caseload_rows(user: User) -> list[CaseloadRow]:
    """The caseload with each row's recent scores, open alerts and appointments (last, next,
    sessions so far): four queries in all."""
    episodes = list(caseload(user))
    scores, alerts = recent_scores(episodes), open_alerts(episodes)
    booked = caseload_appointments(episodes)
    rows = []
    for episode in episodes:
        groups = _alert_groups(alerts.get(episode.pk, []))
        rows.append(
            CaseloadRow(
                episode,
                _trend(scores, episode, episode.outcome_measure),
                _trend(scores, episode, episode.alliance_measure),
                len(alerts.get(episode.pk, [])),
                groups[:ALERTS_PER_ROW],
                max(len(groups) - ALERTS_PER_ROW, 0),
                booked.get(episode.pk, AppointmentSummary()),
            )
        )
    return rows


def episode_detail(user: User, episode_id: int) -> Episode:
    """One episode the user may see, with its care team, sessions, responses and alerts loaded
    in a fixed number of queries. Raises Episode.DoesNotExist when it is not visible."""
    return (
        access.visible_episodes(user)
        .select_related("client", "team", "baseline")
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


def goal_scores(user: User, episode: Episode) -> list[GoalScore]:
    """Every goal-based outcome rating of the episode's goals (active and closed), for the
    goals chart: one query, goals in the order they were set, sessions in order."""
    rows = (
        GoalRating.objects.filter(
            goal__episode=episode, goal__episode__in=access.visible_episodes(user)
        )
        .order_by("goal_id", "session__number")
        .values_list("goal_id", "goal__text", "session__number", "session__starts_at", "rating")
    )
    return [
        GoalScore(goal, text, number, f"{starts:%Y-%m-%d}", float(rating))
        for goal, text, number, starts, rating in rows
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
    responses and the alerts raised at this session. Raises Session.DoesNotExist otherwise."""
    return (
        access.visible_sessions(user)
        .select_related("episode__client", "episode__team")
        .prefetch_related(
            "attended_by",
            Prefetch(
                "episode__care_team", queryset=CareTeamMember.objects.select_related("member")
            ),
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
