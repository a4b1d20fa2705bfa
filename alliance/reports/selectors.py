"""Agency reports: who may ask for which report, and the figures, aggregated in the database.

Every figure comes from a fixed number of aggregate queries whatever the size of the clinic:
counts and means are SQL aggregates, and each episode's first and last client score come from
one query with correlated subqueries (one row per episode, never one per rating). Only the
per-episode rows go to numpy, for the change classes and effect sizes of the science core.
See docs/reports.md for every definition.
"""

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np
from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.access import administered_organisations, supervised_teams, visible_episodes
from alliance.accounts.models import Membership, Organisation, Team, User
from alliance.care.models import CareRole, CareTeamMember, Ending, Episode, Session, SessionStatus
from alliance.feedback.models import Alert
from alliance.feedback.services import alert_settings, thresholds, trajectory_model
from alliance.measures import catalogue
from alliance.measures.models import Rater, Response
from alliance.replica import replica_reads
from alliance.reports import split
from alliance.reports.labels import CHANGE_LABELS
from alliance.reports.missed import missed_measurement
from alliance.science.change import CHANGE_CLASSES, classify_changes, talking_therapies_outcomes
from alliance.science.effects import pre_post_effect, severity_adjusted_effect
from alliance.science.engagement import UNPLANNED_ENDINGS

__all__ = [
    "Figure",
    "Report",
    "ReportError",
    "ReportScope",
    "outcome_measure_codes",
    "report_build",
    "report_scope",
]


def _alliance_split_at() -> float:
    """Mean client alliance above which an episode counts as a good alliance: the site's SRS
    concern cutoff, the same one the low-alliance alert uses."""
    return alert_settings().alliance_cutoff


class ReportError(ValueError):
    """A report that cannot be made, with the form field it is about and a plain message.
    ``refused`` is true when the person may not see it (answered like an unknown name)."""

    def __init__(self, field_name: str, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message
        self.refused = refused


@dataclass(frozen=True)
class ReportScope:
    """What a report covers: episodes of an organisation, a team or a clinician, a date range."""

    organisation: Organisation
    team: Team | None
    clinician: User | None
    start: dt.date
    end: dt.date
    measure: str | None
    episodes: QuerySet[Episode] = field(repr=False, compare=False)

    @property
    def title(self) -> str:
        who = str(self.organisation.name)
        if self.team is not None:
            who = f"{who} · {self.team.name}"
        if self.clinician is not None:
            name = str(self.clinician.get_full_name() or self.clinician.username)
            who = f"{who} · {name}"
        return who


@dataclass(frozen=True)
class Figure:
    """One reported number and the n it rests on; ``value`` is None when n is 0.

    ``clients`` is how many clients the figure rests on, where counted; otherwise its n counts
    episodes, each of one client. ``hidden`` means it rests on fewer clients than
    ``ALLIANCE_REPORT_MIN_CLIENTS``: value and n are then None and never shown (``_hide_few``).
    """

    section: str
    key: str
    label: str
    value: float | None
    n: int | None
    unit: str  # count, rate, mean or effect
    measure: str = ""
    clients: int | None = None
    hidden: bool = False


@dataclass(frozen=True)
class Report:
    scope: ReportScope
    figures: list[Figure]

    def section(self, name: str) -> list[Figure]:
        return [f for f in self.figures if f.section == name]


def outcome_measure_codes() -> list[str]:
    return sorted(code for code, i in catalogue.instruments().items() if i.kind == "outcome")


def report_scope(
    *,
    viewer: User | None,
    organisation: str,
    team: str = "",
    clinician: str = "",
    start: dt.date,
    end: dt.date,
    measure: str = "",
) -> ReportScope:
    """Resolve names to records and the episodes the report covers, or raise ReportError.

    ``viewer`` None is the command line (the operator of the server sees the whole
    organisation). Otherwise: organisation reports for its administrators (every team, as
    aggregates only) and for supervisors (their own teams); team reports for the team's
    supervisors; clinician reports for the clinician and the supervisors of their teams.
    """
    if end < start:
        raise ReportError("date_to", _("The end date must be on or after the start date."))
    org = Organisation.objects.filter(name=organisation).first()
    if org is None or (viewer is not None and not _in_organisation(viewer, org)):
        raise ReportError(
            "organisation", _("No organisation of that name that you may report on."), refused=True
        )
    found_team = _team(org, team)
    found_clinician = _clinician(org, clinician)
    episodes = _episodes(viewer, org, found_team, found_clinician)
    if measure:
        _check_measure(measure, episodes)
    return ReportScope(org, found_team, found_clinician, start, end, measure or None, episodes)


def _in_organisation(viewer: User, org: Organisation) -> bool:
    return Membership.objects.filter(user=viewer, organisation=org).exists()


def _team(org: Organisation, name: str) -> Team | None:
    if not name:
        return None
    found = Team.objects.filter(organisation=org, name=name).first()
    if found is None:
        raise ReportError("team", _("No team of that name that you may report on."), refused=True)
    return found


def _clinician(org: Organisation, username: str) -> User | None:
    if not username:
        return None
    found = User.objects.filter(username=username, memberships__organisation=org).first()
    if found is None:
        raise ReportError(
            "clinician", _("No clinician of that name that you may report on."), refused=True
        )
    return found


def _primary(clinician: User) -> Exists:
    return Exists(
        CareTeamMember.objects.filter(
            episode=OuterRef("pk"), member=clinician, role=CareRole.PRIMARY_THERAPIST
        )
    )


def _episodes(
    viewer: User | None, org: Organisation, team: Team | None, clinician: User | None
) -> QuerySet[Episode]:
    episodes = Episode.objects.filter(team__organisation=org)
    if viewer is not None:
        episodes = _allowed(viewer, org, team, clinician, episodes)
    if team is not None:
        episodes = episodes.filter(team=team)
    if clinician is not None:
        episodes = episodes.filter(_primary(clinician))
    return episodes


def _allowed(
    viewer: User,
    org: Organisation,
    team: Team | None,
    clinician: User | None,
    episodes: QuerySet[Episode],
) -> QuerySet[Episode]:
    supervised = supervised_teams(viewer).filter(organisation=org)
    if clinician is not None:
        if clinician == viewer:
            return visible_episodes(viewer).filter(pk__in=episodes.values("pk"))
        if Membership.objects.filter(user=clinician, team__in=supervised).exists():
            return visible_episodes(viewer).filter(
                team__in=supervised, pk__in=episodes.values("pk")
            )
        raise ReportError(
            "clinician", _("No clinician of that name that you may report on."), refused=True
        )
    if team is not None:
        if not supervised.filter(pk=team.pk).exists():
            raise ReportError(
                "team", _("No team of that name that you may report on."), refused=True
            )
        return visible_episodes(viewer).filter(team=team)
    if administered_organisations(viewer).filter(pk=org.pk).exists():
        # Aggregates over the whole organisation: no client is named on a report.
        return episodes
    if supervised.exists():
        return visible_episodes(viewer).filter(team__in=supervised)
    raise ReportError(
        "organisation", _("No organisation of that name that you may report on."), refused=True
    )


def _check_measure(measure: str, episodes: QuerySet[Episode]) -> None:
    known = outcome_measure_codes()
    if measure not in known:
        raise ReportError(
            "measure",
            _("Unknown outcome measure %(code)s; choose one of: %(known)s.")
            % {"code": measure, "known": ", ".join(known)},
        )
    used_as_outcome = episodes.filter(outcome_measure=measure).exists()
    used_at_all = Response.objects.filter(session__episode__in=episodes, instrument=measure)
    if not used_as_outcome and not used_at_all.exists():
        raise ReportError(
            "measure",
            _("Nobody in this report used %(code)s, so there is nothing to show for it.")
            % {"code": measure},
        )


def _day_bounds(scope: ReportScope) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    first = dt.datetime.combine(scope.start, dt.time.min, tzinfo=zone)
    after = dt.datetime.combine(scope.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return first, after


def report_build(scope: ReportScope) -> Report:
    """Every figure of the report, in a fixed number of queries.

    Raises ReportError when nothing happened in the range (no episode opened or closed and no
    session), so no figure is ever computed from nothing. Reads from the replica when there is
    one (``DATABASE_REPLICA_URL``, alliance/replica.py); the scope was checked on the primary.
    """
    with replica_reads():
        figures = _activity(scope)
        if all(f.value in (None, 0) for f in figures if f.unit == "count"):
            raise ReportError(
                "date_from",
                _(
                    "Nothing happened in this range: no episode opened or closed and no "
                    "session. Try a wider range."
                ),
            )
        figures += _missed(scope) + _alliance(scope) + _alerts(scope)
        figures += _outcomes(scope)
        if scope.measure in (None, "phq9", "gad7"):
            figures += _talking_therapies(scope)
        return Report(scope=scope, figures=_hide_few(figures, _clients_in_range(scope)))


def report_min_clients() -> int:
    """The fewest clients a figure may rest on to be shown (``ALLIANCE_REPORT_MIN_CLIENTS``)."""
    return int(settings.ALLIANCE["REPORT_MIN_CLIENTS"])


def _clients_in_range(scope: ReportScope) -> int:
    """Clients with an episode opened or closed, or a session, in the range: no figure of the
    report rests on more."""
    first, after = _day_bounds(scope)
    active = (
        Q(started_on__gte=scope.start, started_on__lte=scope.end)
        | _closed(scope)
        | Q(sessions__starts_at__gte=first, sessions__starts_at__lt=after)
    )
    return scope.episodes.filter(active).values("client").distinct().count()


def _hide_few(figures: list[Figure], clients_in_range: int) -> list[Figure]:
    """Small numbers are not shown: a figure resting on fewer clients than the setting (an
    organisation's report for one day may be about one client) keeps neither value nor n; one
    resting on none shows "none" as before.
    Where a figure's clients were not counted, its n (episodes, sessions, ratings or alerts,
    each of one client) bounds them."""
    minimum = report_min_clients()
    shown = []
    for figure in figures:
        behind = figure.clients if figure.clients is not None else figure.n or 0
        if 0 < min(behind, clients_in_range) < minimum:
            figure = replace(figure, value=None, n=None, clients=None, hidden=True)
        shown.append(figure)
    return shown


def _rate(
    section: str,
    key: str,
    label: str,
    part: int,
    whole: int,
    measure: str = "",
    clients: int | None = None,
) -> Figure:
    value = part / whole if whole else None
    return Figure(section, key, label, value, whole, "rate", measure, clients)


def _count(
    section: str, key: str, label: str, value: int, measure: str = "", clients: int | None = None
) -> Figure:
    return Figure(section, key, label, value, value, "count", measure, clients)


def _closed(scope: ReportScope) -> Q:
    return Q(ended_on__gte=scope.start, ended_on__lte=scope.end)


def _activity(scope: ReportScope) -> list[Figure]:
    first, after = _day_bounds(scope)
    closed = _closed(scope)
    episodes = scope.episodes.aggregate(
        opened=Count("pk", filter=Q(started_on__gte=scope.start, started_on__lte=scope.end)),
        closed=Count("pk", filter=closed),
        dropout=Count("pk", filter=closed & Q(ending__in=UNPLANNED_ENDINGS)),
        ghosted=Count("pk", filter=closed & Q(ending=Ending.GHOSTED)),
        opened_clients=Count(
            "client",
            distinct=True,
            filter=Q(started_on__gte=scope.start, started_on__lte=scope.end),
        ),
        closed_clients=Count("client", distinct=True, filter=closed),
    )
    sessions = _session_counts(scope, first, after)
    return [
        _count(
            "activity",
            "episodes_opened",
            _("Episodes opened"),
            episodes["opened"],
            clients=episodes["opened_clients"],
        ),
        _count(
            "activity",
            "episodes_closed",
            _("Episodes closed"),
            episodes["closed"],
            clients=episodes["closed_clients"],
        ),
        _count(
            "activity",
            "sessions_scheduled",
            _("Sessions booked"),
            sessions["booked"],
            clients=sessions["booked_clients"],
        ),
        _count(
            "activity",
            "sessions_attended",
            _("Sessions attended"),
            sessions["attended"],
            clients=sessions["attended_clients"],
        ),
        _rate(
            "activity",
            "sessions_missed_rate",
            _("Sessions missed (no-show or cancelled)"),
            sessions["missed"],
            sessions["booked"],
            clients=sessions["booked_clients"],
        ),
        _rate(
            "activity",
            "dropout_rate",
            _("Dropout (client ended or stopped coming)"),
            episodes["dropout"],
            episodes["closed"],
            clients=episodes["closed_clients"],
        ),
        _rate(
            "activity",
            "ghosting_rate",
            _("Ghosting (stopped coming without a word)"),
            episodes["ghosted"],
            episodes["closed"],
            clients=episodes["closed_clients"],
        ),
        _rate(
            "completion",
            "outcome_completion",
            _("Attended sessions with the client's outcome measure"),
            sessions["with_outcome"],
            sessions["attended"],
            clients=sessions["attended_clients"],
        ),
        _rate(
            "completion",
            "alliance_completion",
            _("Attended sessions with the client's alliance measure"),
            sessions["with_alliance"],
            sessions["attended"],
            clients=sessions["attended_clients"],
        ),
    ]


def _missed(scope: ReportScope) -> list[Figure]:
    """Missed measurement, its own figure and never a score (``alliance.reports.missed``)."""
    first, after = _day_bounds(scope)
    counts = missed_measurement(scope.episodes, first, after)
    return [
        _rate(
            "completion",
            "missed_measurement_rate",
            _("Measures due at attended sessions and not given (missed measurement)"),
            counts.missed,
            counts.due,
            clients=counts.attended_clients,
        ),
        _count(
            "completion",
            "sessions_with_missed_measurement",
            _("Attended sessions with a measure due and not given"),
            counts.sessions,
            clients=counts.clients,
        ),
    ]


def _client_rating(measure_field: str) -> Exists:
    return Exists(
        Response.objects.filter(
            session=OuterRef("pk"), rater=Rater.CLIENT, instrument=OuterRef(measure_field)
        )
    )


def _session_counts(scope: ReportScope, first: dt.datetime, after: dt.datetime) -> dict[str, int]:
    sessions = Session.objects.filter(
        episode__in=scope.episodes, starts_at__gte=first, starts_at__lt=after
    ).annotate(
        has_outcome=_client_rating("episode__outcome_measure"),
        has_alliance=_client_rating("episode__alliance_measure"),
    )
    attended = Q(status=SessionStatus.ATTENDED)
    return sessions.aggregate(
        booked=Count("pk"),
        attended=Count("pk", filter=attended),
        missed=Count("pk", filter=Q(status__in=[SessionStatus.NO_SHOW, SessionStatus.CANCELLED])),
        with_outcome=Count("pk", filter=attended & Q(has_outcome=True)),
        with_alliance=Count("pk", filter=attended & Q(has_alliance=True)),
        booked_clients=Count("episode__client", distinct=True),
        attended_clients=Count("episode__client", distinct=True, filter=attended),
    )


def _alliance(scope: ReportScope) -> list[Figure]:
    first, after = _day_bounds(scope)
    rows = (
        Response.objects.filter(
            session__episode__in=scope.episodes,
            session__starts_at__gte=first,
            session__starts_at__lt=after,
            rater=Rater.CLIENT,
            instrument=F("session__episode__alliance_measure"),
        )
        .values("instrument")
        .annotate(
            n=Count("pk"),
            mean=Avg("total"),
            clients=Count("session__episode__client", distinct=True),
        )
        .order_by("instrument")
    )
    return [
        Figure(
            "alliance",
            "alliance_mean",
            _("Average client alliance score"),
            row["mean"],
            row["n"],
            "mean",
            row["instrument"],
            row["clients"],
        )
        for row in rows
    ]


def _alerts(scope: ReportScope) -> list[Figure]:
    first, after = _day_bounds(scope)
    counts = Alert.objects.filter(
        episode__in=scope.episodes, session__starts_at__gte=first, session__starts_at__lt=after
    ).aggregate(
        raised=Count("pk"),
        acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
        clients=Count("episode__client", distinct=True),
    )
    return [
        _rate(
            "alerts",
            "alerts_acknowledged",
            _("Alerts acknowledged"),
            counts["acknowledged"],
            counts["raised"],
            clients=counts["clients"],
        )
    ]


def _ratings(measure: OuterRef | str, ascending: bool = True) -> QuerySet[Response]:
    order = ("session__number", "answered_at", "pk")
    return Response.objects.filter(
        session__episode=OuterRef("pk"), rater=Rater.CLIENT, instrument=measure
    ).order_by(*(order if ascending else [f"-{o}" for o in order]))


def _count_of(ratings: QuerySet[Response]) -> Subquery:
    counted = ratings.order_by().values("session__episode").annotate(c=Count("pk")).values("c")
    return Subquery(counted, output_field=IntegerField())


def _outcome_rows(scope: ReportScope) -> list[tuple[str, str, float, float, int, float | None]]:
    # One measure asked for: every closed episode rated twice on it (PHQ-9 or GAD-7 are often
    # rated beside the ORS); otherwise each episode's own outcome measure.
    measure: OuterRef | str = scope.measure or OuterRef("outcome_measure")
    alliance = (
        _ratings(OuterRef("alliance_measure"))
        .order_by()
        .values("session__episode")
        .annotate(a=Avg("total"))
        .values("a")
    )
    episodes = scope.episodes.filter(_closed(scope))
    rows = (
        episodes.annotate(
            measure_code=Value(scope.measure) if scope.measure else F("outcome_measure"),
            n_rated=_count_of(_ratings(measure)),
            first=Subquery(_ratings(measure).values("total")[:1], output_field=FloatField()),
            last=Subquery(_ratings(measure, False).values("total")[:1], output_field=FloatField()),
            last_session=Subquery(
                _ratings(measure, False).values("session__number")[:1],
                output_field=IntegerField(),
            ),
            alliance_mean=Subquery(alliance, output_field=FloatField()),
            clinician=Subquery(
                CareTeamMember.objects.filter(
                    episode=OuterRef("pk"), role=CareRole.PRIMARY_THERAPIST
                ).values("member_id")[:1]
            ),
        )
        .filter(n_rated__gte=2)
        # A fixed order by natural keys: floating-point sums then come out the same to the last
        # bit on every run, and after a restore (docs/transfer.md).
        .order_by("client__code", "started_on", "pk")
        .values_list(
            "measure_code",
            "client__age_group",
            "first",
            "last",
            "last_session",
            "alliance_mean",
            "clinician",
        )
    )
    return list(rows)


def _outcomes(scope: ReportScope) -> list[Figure]:
    rows = _outcome_rows(scope)
    measures = sorted({row[0] for row in rows} | ({scope.measure} if scope.measure else set()))
    figures: list[Figure] = []
    classified_all: list[tuple[int, float | None, float]] = []
    for measure in measures:
        mine = [row for row in rows if row[0] == measure]
        figures += _measure_figures(measure, mine, classified_all)
    return figures + _alliance_split(classified_all) + _clinician_split(rows, measures)


def _clinician_split(rows: list, measures: list[str]) -> list[Figure]:  # type: ignore[type-arg]
    """Baldwin, Wampold & Imel's split of the alliance-outcome link, per outcome measure."""
    figures = []
    split_rows = [(r[0], r[2], r[3], r[5], r[6]) for r in rows]
    for measure in measures:
        frame = split.split_frame(split_rows, measure)
        within, between = split.clinician_split(frame)
        for key, value in (("alliance_within", within), ("alliance_between", between)):
            label = str(split.LABELS[key])
            figures.append(Figure("split", key, label, value, len(frame), "effect", measure))
    return figures


def _classify(
    measure: str, rows: list[tuple[str, str, float, float, int, float | None]]
) -> np.ndarray:
    instrument = catalogue.instrument(measure)
    codes = np.full(len(rows), -1, dtype=np.int8)
    ages = np.array([row[1] for row in rows], dtype=object)
    first = np.array([row[2] for row in rows], dtype=np.float64)
    last = np.array([row[3] for row in rows], dtype=np.float64)
    for age in sorted(set(ages.tolist())):
        found = thresholds(instrument.code, age)  # the instrument file, the site's override
        if found.reliable_change is None:
            continue  # no published value for this age group: left unclassified
        mask = ages == age
        codes[mask] = classify_changes(
            first[mask],
            last[mask],
            cutoff=found.cutoff,
            reliable_change=found.reliable_change,
            higher_is_better=instrument.higher_is_better,
        )
    return codes


def _measure_figures(
    measure: str,
    rows: list[tuple[str, str, float, float, int, float | None]],
    classified_all: list[tuple[int, float | None, float]],
) -> list[Figure]:
    instrument = catalogue.instrument(measure)
    codes = _classify(measure, rows)
    classified = int((codes >= 0).sum())
    figures = [
        _count(
            "outcomes",
            "episodes_with_change",
            _("Closed episodes rated twice or more"),
            len(rows),
            measure,
        )
    ]
    for index, change in enumerate(CHANGE_CLASSES):
        part = int((codes == index).sum())
        label = str(CHANGE_LABELS[change.value])
        figures.append(Figure("outcomes", change.value, label, part, classified, "count", measure))
        figures.append(_rate("outcomes", f"{change.value}_rate", label, part, classified, measure))
    first = np.array([row[2] for row in rows], dtype=np.float64)
    last = np.array([row[3] for row in rows], dtype=np.float64)
    better = instrument.higher_is_better
    direction = 1.0 if better else -1.0
    for code, row in zip(codes.tolist(), rows, strict=True):
        if code >= 0:
            classified_all.append((code, row[5], direction * (row[3] - row[2])))
    pre_post = pre_post_effect(first, last, higher_is_better=better)
    figures.append(
        Figure(
            "effects",
            "pre_post_d",
            _("Pre-post effect size (d)"),
            pre_post.d,
            pre_post.n,
            "effect",
            measure,
        )
    )
    figures.append(_severity_figure(measure, rows, first, last, better))
    return figures


def _severity_figure(
    measure: str,
    rows: list[tuple[str, str, float, float, int, float | None]],
    first: np.ndarray,
    last: np.ndarray,
    better: bool,
) -> Figure:
    label = _("Severity-adjusted effect (against the expected path)")
    model = trajectory_model(measure)
    if model is None or not rows:
        return Figure("effects", "severity_adjusted", label, None, 0, "effect", measure)
    sessions = np.array([row[4] for row in rows], dtype=np.int64)
    numbers = np.unique(sessions)
    path = model.expected_path(intake=first, sessions=numbers)
    expected = path.expected[np.arange(len(rows)), np.searchsorted(numbers, sessions)]
    effect = severity_adjusted_effect(first, last, expected, higher_is_better=better)
    n = effect.n
    return Figure("effects", "severity_adjusted", label, effect.effect, n, "effect", measure)


def _alliance_split(classified: list[tuple[int, float | None, float]]) -> list[Figure]:
    improved_codes = (0, 1)  # recovered or reliably improved
    cut = _alliance_split_at()
    figures = []
    for key, label, keep in (
        ("good", _("Alliance above %(cut)s") % {"cut": f"{cut:g}"}, lambda a: a > cut),
        ("low", _("Alliance %(cut)s or below") % {"cut": f"{cut:g}"}, lambda a: a <= cut),
    ):
        group = [(c, change) for c, a, change in classified if a is not None and keep(a)]
        part = sum(1 for c, _change in group if c in improved_codes)
        figures.append(_rate("split", f"improved_rate_{key}", label, part, len(group)))
        mean = float(np.mean([change for _c, change in group])) if group else None
        figures.append(
            Figure(
                "split",
                f"mean_change_{key}",
                _("Mean improvement, %(group)s") % {"group": label.lower()},
                mean,
                len(group),
                "mean",
            )
        )
    return figures


def _talking_therapies(scope: ReportScope) -> list[Figure]:
    subs = {}
    for code in ("phq9", "gad7"):
        subs[f"{code}_n"] = _count_of(_ratings(code))
        subs[f"{code}_first"] = Subquery(
            _ratings(code).values("total")[:1], output_field=FloatField()
        )
        subs[f"{code}_last"] = Subquery(
            _ratings(code, False).values("total")[:1], output_field=FloatField()
        )
    attended = Session.objects.filter(episode=OuterRef("pk"), status=SessionStatus.ATTENDED)
    subs["attended"] = _count_of_sessions(attended)
    rows = list(
        scope.episodes.filter(_closed(scope))
        .annotate(**subs)
        .filter(phq9_n__gte=2, gad7_n__gte=2)
        .values_list("phq9_first", "phq9_last", "gad7_first", "gad7_last", "attended")
    )
    return _talking_therapies_figures(rows)


def _count_of_sessions(sessions: QuerySet[Session]) -> Subquery:
    counted = sessions.order_by().values("episode").annotate(c=Count("pk")).values("c")
    return Subquery(counted, output_field=IntegerField())


def _talking_therapies_figures(rows: list[tuple[float, float, float, float, int]]) -> list[Figure]:
    section = "talking_therapies"
    if not rows:
        return [
            _count(section, "tt_episodes", _("Closed episodes rated twice on PHQ-9 and GAD-7"), 0)
        ]
    table = np.array(rows, dtype=np.float64)
    out = talking_therapies_outcomes(
        phq9_first=table[:, 0],
        phq9_last=table[:, 1],
        gad7_first=table[:, 2],
        gad7_last=table[:, 3],
        treatment_sessions=np.nan_to_num(table[:, 4]).astype(int),
    )
    finished = out.finished_course if out.finished_course is not None else np.ones(len(rows), bool)
    cases = int((out.caseness & finished).sum())
    counted = int(finished.sum())
    return [
        _count(
            section, "tt_episodes", _("Closed episodes rated twice on PHQ-9 and GAD-7"), len(rows)
        ),
        _rate(
            section,
            "tt_recovery",
            _("Recovery (cases who finished a course)"),
            int(out.recovered.sum()),
            cases,
        ),
        _rate(
            section,
            "tt_reliable_recovery",
            _("Reliable recovery"),
            int(out.reliable_recovery.sum()),
            cases,
        ),
        _rate(
            section,
            "tt_reliable_improvement",
            _("Reliable improvement"),
            int(out.reliable_improvement.sum()),
            counted,
        ),
        _rate(
            section,
            "tt_reliable_deterioration",
            _("Reliable deterioration"),
            int(out.reliable_deterioration.sum()),
            counted,
        ),
    ]
