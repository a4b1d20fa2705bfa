"""Agency reports: the scope of a report and its figures. Who may ask for which report is
decided in ``alliance.access`` (``may_report_on_organisation``, ``report_episodes``).

Every figure comes from a fixed number of queries whatever the size of the clinic: one read of
the episodes in range with their stored figures (``alliance.reports.stored``: each closed
episode's series, the one the alerts and the client page read, and a record of every session,
kept per episode until the episode's rows change), from which numpy counts the activity,
completion, missed-measurement and alliance sections (``alliance.reports.counts``) and the
outcome sections are worked out (``alliance.reports.outcomes``); the alerts are an SQL
aggregate. See docs/reports.md for every definition.
"""

import datetime as dt
from dataclasses import dataclass, replace

from django.db import router
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance import access
from alliance.accounts.models import Organisation, Team, User
from alliance.care.models import CareRole, CareTeamMember, Episode
from alliance.clinical_settings import clinical_settings
from alliance.feedback.models import Alert
from alliance.measures import catalogue
from alliance.measures.models import Response
from alliance.replica import replica_reads
from alliance.reports import counts
from alliance.reports.database import without_jit
from alliance.reports.figures import (  # the public names stay importable from here
    Figure,
    ReportError,
    ReportScope,
    closed_in_range,
    count,
    rate,
)
from alliance.reports.missed import missed_measurement
from alliance.reports.outcomes import outcome_figures
from alliance.reports.packed import StoredSessions
from alliance.reports.stored import EpisodeRow, episode_rows, stored_sessions

__all__ = [
    "Figure",
    "Report",
    "ReportError",
    "ReportScope",
    "closed_in_range",
    "outcome_measure_codes",
    "report_build",
    "report_scope",
]


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
    organisation). Otherwise ``alliance.access`` decides (``may_report_on_organisation``,
    ``report_episodes``): organisation reports for its administrators (every team, as
    aggregates only) and for supervisors (their own teams); team reports for the team's
    supervisors; clinician reports for the clinician and the supervisors of their teams.
    """
    if end < start:
        raise ReportError("date_to", _("The end date must be on or after the start date."))
    org = Organisation.objects.filter(name=organisation).first()
    if org is None or (viewer is not None and not access.may_report_on_organisation(viewer, org)):
        raise ReportError(
            "organisation", _("No organisation of that name that you may report on."), refused=True
        )
    found_team = _team(org, team)
    found_clinician = _clinician(org, clinician)
    episodes = _episodes(viewer, org, found_team, found_clinician)
    if measure:
        _check_measure(measure, episodes)
    return ReportScope(org, found_team, found_clinician, start, end, measure or None, episodes)


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
    if viewer is None:  # the command line, run by the server's operator: the whole organisation
        episodes: QuerySet[Episode] | None = Episode.objects.filter(team__organisation=org)
    else:
        episodes = access.report_episodes(viewer, org, team=team, clinician=clinician)
    if episodes is None:
        raise _refused(team, clinician)
    if team is not None:
        episodes = episodes.filter(team=team)
    if clinician is not None:
        episodes = episodes.filter(_primary(clinician))
    return episodes


def _refused(team: Team | None, clinician: User | None) -> ReportError:
    """A report the person may not ask for reads like a name that does not exist."""
    if clinician is not None:
        return ReportError(
            "clinician", _("No clinician of that name that you may report on."), refused=True
        )
    if team is not None:
        return ReportError("team", _("No team of that name that you may report on."), refused=True)
    return ReportError(
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
    On PostgreSQL in one transaction with the JIT compiler off (``database.without_jit``).
    """
    with replica_reads(), without_jit(router.db_for_read(Episode)):
        first, after = _day_bounds(scope)
        episodes = episode_rows(scope, first, after)
        sessions = stored_sessions(episodes)
        figures = _activity(
            counts.episode_counts(episodes), counts.session_counts(sessions, first, after)
        )
        if all(f.value in (None, 0) for f in figures if f.unit == "count"):
            raise ReportError(
                "date_from",
                _(
                    "Nothing happened in this range: no episode opened or closed and no "
                    "session. Try a wider range."
                ),
            )
        figures += _missed(scope, sessions) + _alliance(scope, episodes, sessions) + _alerts(scope)
        talking = scope.measure in (None, "phq9", "gad7")
        figures += outcome_figures(scope, episodes, talking_therapies=talking)
        clients = counts.clients_in_range(episodes, sessions, first, after)
        return Report(scope=scope, figures=_hide_few(figures, clients))


def report_min_clients() -> int:
    """The fewest clients a figure may rest on to be shown (``ALLIANCE_REPORT_MIN_CLIENTS``)."""
    return clinical_settings().report_min_clients


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


def _activity(episodes: counts.EpisodeCounts, sessions: counts.SessionCounts) -> list[Figure]:
    return [
        count(
            "activity",
            "episodes_opened",
            _("Episodes opened"),
            episodes.opened,
            clients=episodes.opened_clients,
        ),
        count(
            "activity",
            "episodes_closed",
            _("Episodes closed"),
            episodes.closed,
            clients=episodes.closed_clients,
        ),
        count(
            "activity",
            "sessions_scheduled",
            _("Sessions booked"),
            sessions.booked,
            clients=sessions.booked_clients,
        ),
        count(
            "activity",
            "sessions_attended",
            _("Sessions attended"),
            sessions.attended,
            clients=sessions.attended_clients,
        ),
        rate(
            "activity",
            "sessions_missed_rate",
            _("Sessions missed (no-show or cancelled)"),
            sessions.missed,
            sessions.booked,
            clients=sessions.booked_clients,
        ),
        rate(
            "activity",
            "dropout_rate",
            _("Dropout (client ended or stopped coming)"),
            episodes.dropout,
            episodes.closed,
            clients=episodes.closed_clients,
        ),
        rate(
            "activity",
            "ghosting_rate",
            _("Ghosting (stopped coming without a word)"),
            episodes.ghosted,
            episodes.closed,
            clients=episodes.closed_clients,
        ),
        rate(
            "completion",
            "outcome_completion",
            _("Attended sessions with the client's outcome measure"),
            sessions.with_outcome,
            sessions.attended,
            clients=sessions.attended_clients,
        ),
        rate(
            "completion",
            "alliance_completion",
            _("Attended sessions with the client's alliance measure"),
            sessions.with_alliance,
            sessions.attended,
            clients=sessions.attended_clients,
        ),
    ]


def _missed(scope: ReportScope, sessions: StoredSessions) -> list[Figure]:
    """Missed measurement, its own figure and never a score (``alliance.reports.missed``)."""
    counted = missed_measurement(sessions, *_day_bounds(scope))
    return [
        rate(
            "completion",
            "missed_measurement_rate",
            _("Measures due at attended sessions and not given (missed measurement)"),
            counted.missed,
            counted.due,
            clients=counted.attended_clients,
        ),
        count(
            "completion",
            "sessions_with_missed_measurement",
            _("Attended sessions with a measure due and not given"),
            counted.sessions,
            clients=counted.clients,
        ),
    ]


def _alliance(
    scope: ReportScope, episodes: list[EpisodeRow], sessions: StoredSessions
) -> list[Figure]:
    return [
        Figure(
            "alliance",
            "alliance_mean",
            _("Average client alliance score"),
            mean.mean,
            mean.n,
            "mean",
            mean.measure,
            mean.clients,
        )
        for mean in counts.alliance_means(episodes, sessions, *_day_bounds(scope))
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
        rate(
            "alerts",
            "alerts_acknowledged",
            _("Alerts acknowledged"),
            counts["acknowledged"],
            counts["raised"],
            clients=counts["clients"],
        )
    ]
