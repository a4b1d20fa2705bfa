"""Reads for the supervision pages: a supervisor's team page and a clinician's development page.

Every read of clinical rows starts from ``alliance.access``. The one exception is the agency-wide
model behind the case-mix-adjusted outcome estimate: it needs the first and last outcome score of
every episode in the organisation (numbers only, no names) so that each clinician is compared with
the agency's average clinician; only the viewed clinician's own estimate leaves this module.

Each page reads a fixed number of queries however many clients, sessions or alerts there are.
"""

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, NamedTuple

import pandas as pd
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, Trim, TruncQuarter

from alliance import access
from alliance.accounts.models import Role, Team, User
from alliance.care.models import CareRole, CareTeamMember, Episode, Session
from alliance.clinical_settings import clinical_settings
from alliance.feedback.models import Alert, AlertState, Severity
from alliance.feedback.services import alert_settings
from alliance.measures.models import Rater, Response
from alliance.science.engagement import UNPLANNED_ENDINGS
from alliance.science.therapists import (
    ClinicianEffect,
    clinician_effects,
    distinguishable_groups,
)

__all__ = [
    "ALERTS_SHOWN",
    "EFFECT_MEASURE",
    "NOT_ON_TRACK_SESSIONS",
    "Development",
    "OutcomeEstimate",
    "Quarter",
    "TeamAlert",
    "TeamFilters",
    "TeamOverview",
    "clinician_development",
    "development_clinician",
    "outcome_estimate",
    "team_overview",
]

NOT_ON_TRACK_SESSIONS = 3
"""Consecutive measured sessions off track before a client shows in "not on track for several
sessions" (the ``sessions_off_track`` count the not-on-track rule stores in its evidence)."""

ALERTS_SHOWN = 100
"""Open alerts listed on the team page (most severe first, then the newest session); the page
says how many more there are."""

EFFECT_MEASURE = "ors"
"""The outcome measure the clinician estimate uses: scores on different measures cannot share one
model, and the ORS is the default outcome measure of every episode."""

ALLIANCE_MEASURE = "srs"
"""The alliance measure whose mean and cutoff share the development page reports."""

STAFF_ROLES = (Role.CLINICIAN, Role.PRESCRIBER, Role.SUPERVISOR)


def _primary(user: User) -> Exists:
    return Exists(
        CareTeamMember.objects.filter(
            episode=OuterRef("pk"), member=user, role=CareRole.PRIMARY_THERAPIST
        )
    )


def _primary_name() -> Subquery:
    """The primary therapist's full name (never the log-in name); empty when none is set."""
    rows = (
        CareTeamMember.objects.filter(episode=OuterRef("episode"), role=CareRole.PRIMARY_THERAPIST)
        .annotate(
            full_name=Trim(
                Concat(
                    "member__first_name",
                    Value(" "),
                    "member__last_name",
                    output_field=CharField(),
                )
            )
        )
        .order_by("pk")
    )
    return Subquery(rows.values("full_name")[:1], output_field=CharField())


def _severity_rank() -> Case:
    """Critical first, then high, medium and low (the order of ``Severity``)."""
    return Case(
        *(When(severity=code, then=Value(rank)) for rank, code in enumerate(Severity.values)),
        default=Value(len(Severity.values)),
        output_field=IntegerField(),
    )


# ---------------------------------------------------------------------------------- team page


@dataclass(frozen=True)
class TeamFilters:
    """What the supervisor narrowed the team page to (None: everything). Each value has been
    picked from what the supervisor may see (``alliance.clinic.forms.TeamFilterForm``)."""

    team: Team | None = None
    clinician: User | None = None
    kind: str | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.team, self.clinician, self.kind))


class TeamAlert(NamedTuple):
    """An open alert as the team page shows it, read as plain values (a busy team's hundreds
    of alerts as model instances, each with its episode, client, team and session, were most
    of the page: issue 16). ``episode.client.display_name``, ``episode.client.code``,
    ``episode.team.name``, ``session.number``, ``session.starts_at`` and ``evidence`` read as
    on an ``Alert``, so ``supervision/_alert_row.html`` writes either."""

    pk: int
    episode_id: int
    rule: str
    severity: str
    priority: int
    evidence_json: str
    primary: str | None
    display_name: str
    code: str
    team_name: str
    number: int | None
    starts_at: dt.datetime

    @property
    def evidence(self) -> dict[str, Any]:
        # Kept as the stored text: only the not-on-track rows read theirs.
        found = json.loads(self.evidence_json) if self.evidence_json else {}
        return found if isinstance(found, dict) else {}

    @property
    def episode(self) -> SimpleNamespace:
        client = SimpleNamespace(display_name=self.display_name, code=self.code)
        return SimpleNamespace(client=client, team=SimpleNamespace(name=self.team_name))

    @property
    def session(self) -> SimpleNamespace:
        return SimpleNamespace(number=self.number, starts_at=self.starts_at)

    def get_severity_display(self) -> str:
        return str(dict(Severity.choices).get(self.severity, self.severity))


@dataclass(frozen=True)
class TeamOverview:
    """What a supervisor sees across their teams. ``risk_answers`` are every unacknowledged
    risk answer of the teams, never filtered away; the other lists follow ``filters``."""

    teams: Sequence[Team]
    open_alerts: Sequence[TeamAlert]
    open_count: int
    not_on_track: Sequence[TeamAlert]
    undiscussed_low_alliance: Sequence[TeamAlert]
    clinicians: Sequence[User]
    risk_answers: Sequence[TeamAlert] = ()
    filters: TeamFilters = TeamFilters()


_SHOWN = {
    "pk": "pk",
    "episode_id": "episode_id",
    "rule": "rule",
    "severity": "severity",
    "priority": "priority",
    "evidence_json": "evidence_json",
    "primary": "primary",
    "display_name": "episode__client__display_name",
    "code": "episode__client__code",
    "team_name": "episode__team__name",
    "number": "session__number",
    "starts_at": "session__starts_at",
}
"""What the team page shows of an alert, its episode's client and team and its session."""


def _team_alerts(user: User, teams: QuerySet[Team]) -> QuerySet[Alert]:
    """Open alerts of the teams (state open: not superseded, resolved, snoozed or acknowledged;
    a risk answer stays open until a person acknowledges it), most severe first, then the
    newest session."""
    return (
        access.visible_alerts(user)
        .filter(episode__team__in=teams, state=AlertState.OPEN)
        .annotate(primary=_primary_name(), severity_rank=_severity_rank())
        .order_by("severity_rank", "-session__starts_at", "priority", "pk")
    )


def _as_shown(alerts: QuerySet[Alert]) -> list[TeamAlert]:
    """The alerts as plain values, in their order: one query."""
    rows = alerts.annotate(evidence_json=Cast("evidence", TextField()))
    return [TeamAlert(*row) for row in rows.values_list(*_SHOWN.values())]


def _filtered(alerts: QuerySet[Alert], filters: TeamFilters) -> QuerySet[Alert]:
    if filters.team is not None:
        alerts = alerts.filter(episode__team=filters.team)
    if filters.clinician is not None:
        on_care_team = CareTeamMember.objects.filter(
            episode=OuterRef("episode"), member=filters.clinician
        )
        alerts = alerts.filter(Exists(on_care_team))
    if filters.kind is not None:
        alerts = alerts.filter(rule=filters.kind)
    return alerts


def _off_track_for_several(alert: TeamAlert) -> bool:
    if alert.rule != "not_on_track":
        return False
    run = alert.evidence.get("sessions_off_track")
    return isinstance(run, int | float) and run >= NOT_ON_TRACK_SESSIONS


def _longest_runs(alerts: Sequence[TeamAlert]) -> list[TeamAlert]:
    """Each episode's open not-on-track alert of its latest session (the longest run), longest
    runs first, then by episode."""
    runs = sorted(
        filter(_off_track_for_several, alerts),
        key=lambda a: (a.episode_id, -(a.session.number or 0)),
    )
    latest: dict[int, TeamAlert] = {}
    for alert in runs:
        latest.setdefault(alert.episode_id, alert)
    return sorted(latest.values(), key=lambda a: -int(a.evidence["sessions_off_track"]))


def team_overview(user: User, filters: TeamFilters | None = None) -> TeamOverview:
    """The supervisor's teams: every unacknowledged risk answer first (whatever the filters),
    then every open alert (most severe first, then the newest session), the clients off track
    for ``NOT_ON_TRACK_SESSIONS`` sessions or more, the low-alliance alerts nobody has
    acknowledged yet, and the team's clinicians; all but the risk answers narrowed by
    ``filters``. Three queries however large the teams (four when filtered): the open alerts
    are read once, as plain values, and each list is drawn from them."""
    filters = filters or TeamFilters()
    teams = access.supervised_teams(user).select_related("organisation").order_by("name")
    everything = _team_alerts(user, teams)
    alerts = _as_shown(_filtered(everything, filters))
    risk_answers = (
        _as_shown(everything.filter(rule="risk_answer"))
        if filters.active
        else [alert for alert in alerts if alert.rule == "risk_answer"]
    )
    clinicians = access.supervised_clinicians(user).order_by("first_name", "last_name", "pk")
    return TeamOverview(
        teams=list(teams),
        open_alerts=alerts[:ALERTS_SHOWN],
        open_count=len(alerts),
        not_on_track=_longest_runs(alerts),
        undiscussed_low_alliance=[alert for alert in alerts if alert.rule == "low_alliance"],
        clinicians=list(clinicians),
        risk_answers=risk_answers,
        filters=filters,
    )


# -------------------------------------------------------------------------- development page


def development_clinician(viewer: User, clinician_id: int) -> User:
    """The clinician whose development page ``viewer`` may open
    (``access.development_clinicians``: their own, or a member of a team the viewer
    supervises). Raises User.DoesNotExist otherwise."""
    return access.development_clinicians(viewer).get(pk=clinician_id)


@dataclass(frozen=True)
class Quarter:
    """One calendar quarter of a clinician's work."""

    start: dt.date
    sessions: int
    alliance_ratings: int
    mean_alliance: float | None
    at_or_below_cutoff: float | None
    endings: int
    unplanned_endings: int

    @property
    def label(self) -> str:
        return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class OutcomeEstimate:
    """The clinician's case-mix-adjusted outcome compared with the agency's average clinician.

    ``effect`` is None when there is no model (too few episodes or clinicians in the agency);
    ``category`` is ``above``, ``within``, ``below`` or ``hidden`` (caseload under the minimum).
    """

    effect: ClinicianEffect | None
    category: str
    episodes: int
    min_caseload: int
    agency_episodes: int
    agency_clinicians: int
    level: float

    @property
    def shown(self) -> bool:
        return self.effect is not None and self.category != "hidden"

    @property
    def higher(self) -> bool:
        """Whether the clients' final scores came out higher than the average clinician's."""
        return self.effect is not None and self.effect.estimate >= 0

    @property
    def distance(self) -> float | None:
        return abs(self.effect.estimate) if self.effect is not None else None


@dataclass(frozen=True)
class Development:
    """Everything on a clinician's development page."""

    clinician: User
    active_episodes: int
    ended_episodes: int
    open_alerts: int
    acknowledged_alerts: int
    alliance_ratings: int
    mean_alliance: float | None
    at_or_below_cutoff: float | None
    unplanned_endings: int
    alliance_cutoff: float
    estimate: OutcomeEstimate
    quarters: Sequence[Quarter]

    @property
    def unplanned_share(self) -> float | None:
        return self.unplanned_endings / self.ended_episodes if self.ended_episodes else None


def _episodes(viewer: User, clinician: User) -> QuerySet[Episode]:
    return access.visible_episodes(viewer).filter(_primary(clinician))


def _alliance_ratings(episodes: QuerySet[Episode]) -> QuerySet[Response]:
    return Response.objects.filter(
        session__episode__in=episodes,
        instrument=ALLIANCE_MEASURE,
        rater=Rater.CLIENT,
        about_member__isnull=True,
    )


def _quarters(episodes: QuerySet[Episode], cutoff: float) -> list[Quarter]:
    """Per calendar quarter: attended sessions, client alliance ratings (count, mean and share
    at or below the cutoff) and episode endings; three aggregate queries."""
    sessions = {
        _as_date(quarter): n
        for quarter, n in Session.objects.filter(episode__in=episodes, status="attended")
        .annotate(quarter=TruncQuarter("starts_at"))
        .values("quarter")
        .annotate(n=Count("pk"))
        .values_list("quarter", "n")
    }
    ratings = {
        _as_date(row["quarter"]): row
        for row in _alliance_ratings(episodes)
        .annotate(quarter=TruncQuarter("session__starts_at"))
        .values("quarter")
        .annotate(n=Count("pk"), mean=Avg("total"), low=Count("pk", filter=Q(total__lte=cutoff)))
    }
    # Endings are dates, sessions are times: every key becomes the quarter's first day.
    endings = {
        _as_date(row["quarter"]): row
        for row in episodes.filter(ended_on__isnull=False)
        .annotate(quarter=TruncQuarter("ended_on"))
        .values("quarter")
        .annotate(n=Count("pk"), unplanned=Count("pk", filter=Q(ending__in=UNPLANNED_ENDINGS)))
    }
    starts = sorted({*sessions, *ratings, *endings})
    return [_quarter(start, sessions, ratings, endings) for start in starts]


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _quarter(
    start: dt.date,
    sessions: dict[dt.date, int],
    ratings: Mapping[dt.date, Mapping[str, Any]],
    endings: Mapping[dt.date, Mapping[str, Any]],
) -> Quarter:
    rated = ratings.get(start, {"n": 0, "mean": None, "low": 0})
    ended = endings.get(start, {"n": 0, "unplanned": 0})
    n = int(rated["n"])
    return Quarter(
        start=start,
        sessions=sessions.get(start, 0),
        alliance_ratings=n,
        mean_alliance=rated["mean"],
        at_or_below_cutoff=rated["low"] / n if n else None,
        endings=ended["n"],
        unplanned_endings=ended["unplanned"],
    )


def _agency_outcomes(clinician: User, *, closed_only: bool = True) -> pd.DataFrame:
    """One row per episode of the agency with two or more client outcome ratings: the primary
    therapist, the first (intake) and the last score; only closed episodes unless
    ``closed_only`` is off (an open episode's last score is not an outcome yet). One query."""
    scores = Response.objects.filter(
        session__episode=OuterRef("pk"),
        instrument=EFFECT_MEASURE,
        rater=Rater.CLIENT,
        about_member__isnull=True,
    )
    primary = CareTeamMember.objects.filter(episode=OuterRef("pk"), role=CareRole.PRIMARY_THERAPIST)
    episodes = access.episodes_for_agency_statistics(clinician)
    if closed_only:
        episodes = episodes.filter(ended_on__isnull=False)
    rows = (
        episodes.annotate(
            clinician=Subquery(primary.values("member_id")[:1]),
            ratings=Subquery(
                scores.order_by().values("session__episode").annotate(n=Count("pk")).values("n")
            ),
            intake=Subquery(scores.order_by("session__number", "pk").values("total")[:1]),
            final=Subquery(scores.order_by("-session__number", "-pk").values("total")[:1]),
        )
        .filter(ratings__gte=2, clinician__isnull=False)
        .values_list("clinician", "intake", "final")
    )
    return pd.DataFrame(list(rows), columns=["clinician", "intake", "final"], dtype=float)


def outcome_estimate(
    clinician: User,
    *,
    min_caseload: int,
    level: float | None = None,
    closed_only: bool | None = None,
) -> OutcomeEstimate:
    """The clinician's final outcome adjusted for intake, relative to the agency's clinicians
    (``alliance.science.therapists``), with their plain-words group. Never a ranking: only this
    clinician's estimate is returned. ``level`` and ``closed_only`` default to the site's
    settings ``ALLIANCE_INTERVAL_LEVEL`` and ``ALLIANCE_CLINICIAN_CLOSED_EPISODES_ONLY``."""
    if level is None:
        level = clinical_settings().interval_level
    if closed_only is None:
        closed_only = clinical_settings().clinician_closed_episodes_only
    frame = _agency_outcomes(clinician, closed_only=closed_only)
    own = int((frame["clinician"] == clinician.pk).sum())
    frame["clinician"] = frame["clinician"].astype(int)
    n_clinicians = frame["clinician"].nunique()
    empty = OutcomeEstimate(None, "hidden", own, min_caseload, len(frame), n_clinicians, level)
    if own == 0 or n_clinicians < 2:
        return empty
    try:
        effects = clinician_effects(
            frame,
            clinician="clinician",
            outcome="final",
            covariates=("intake",),
            min_caseload=min_caseload,
            level=level,
        )
    except ValueError:  # e.g. every intake the same: no case-mix model can be fitted
        return empty
    effect = next(e for e in effects.clinicians if e.clinician == clinician.pk)
    groups = distinguishable_groups(effects)
    category = next(
        name
        for name in ("above", "within", "below", "hidden")
        if clinician.pk in getattr(groups, name)
    )
    return OutcomeEstimate(
        effect, category, own, min_caseload, effects.n_episodes, effects.n_clinicians, level
    )


def clinician_development(viewer: User, clinician: User) -> Development:
    """The clinician's development page as ``viewer`` may see it: only the episodes the viewer
    may see where the clinician is the primary therapist. A fixed number of queries."""
    episodes = _episodes(viewer, clinician)
    cutoff = alert_settings().alliance_cutoff
    counts = episodes.aggregate(
        active=Count("pk", filter=Q(ended_on__isnull=True)),
        ended=Count("pk", filter=Q(ended_on__isnull=False)),
        unplanned=Count("pk", filter=Q(ending__in=UNPLANNED_ENDINGS)),
    )
    alerts = Alert.objects.filter(episode__in=episodes).aggregate(
        open=Count("pk", filter=Q(state=AlertState.OPEN)),
        acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
    )
    ratings = _alliance_ratings(episodes).aggregate(
        n=Count("pk"), mean=Avg("total"), low=Count("pk", filter=Q(total__lte=cutoff))
    )
    return Development(
        clinician=clinician,
        active_episodes=counts["active"],
        ended_episodes=counts["ended"],
        open_alerts=alerts["open"],
        acknowledged_alerts=alerts["acknowledged"],
        alliance_ratings=ratings["n"],
        mean_alliance=ratings["mean"],
        at_or_below_cutoff=ratings["low"] / ratings["n"] if ratings["n"] else None,
        unplanned_endings=counts["unplanned"],
        alliance_cutoff=cutoff,
        estimate=outcome_estimate(clinician, min_caseload=clinical_settings().min_caseload),
        quarters=_quarters(episodes, cutoff),
    )
