"""Reading the expected-trajectory models: the one in use, the data a local fit rests on, the
fits kept, and who may see them (docs/trajectories.md).

Every function runs a fixed number of queries, whatever the number of episodes or fits.
"""

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connections
from django.db.models import Count, F, Max, Min, QuerySet

from alliance import access
from alliance.accounts.models import Organisation
from alliance.clinical_settings import clinical_settings
from alliance.feedback.models import FitStatus, TrajectoryFit
from alliance.measures.models import Rater, Response
from alliance.science.growth import GrowthStatistics
from alliance.science.trajectories import INTAKE, TIME, TrajectoryModel, enough_for_local_fit

__all__ = [
    "TRAJECTORY_MEASURES",
    "ClosedEpisodeStatistics",
    "DataSummary",
    "MeasureTrajectory",
    "active_models",
    "can_refit_trajectories",
    "closed_episode_ratings",
    "closed_episode_statistics",
    "data_summary",
    "measure_trajectories",
    "trajectory_organisations",
]

# The measures with a provisional default model (alliance.science.trajectories.default_model).
TRAJECTORY_MEASURES = ("ors", "phq9", "gad7")


# Who may see or refit trajectory models is decided in alliance.access; the names stay here
# for their callers.
trajectory_organisations = access.trajectory_organisations
can_refit_trajectories = access.may_refit_trajectories


def _closed_ratings(organisation_id: int, measures: Iterable[str]) -> QuerySet[Response]:
    # The client's own rating of the episode's outcome measure, in episodes that have ended.
    return Response.objects.filter(
        session__episode__team__organisation_id=organisation_id,
        session__episode__ended_on__isnull=False,
        session__episode__outcome_measure__in=list(measures),
        rater=Rater.CLIENT,
        about_member__isnull=True,
    )


def closed_episode_ratings(organisation_id: int, measure: str) -> pd.DataFrame:
    """Every client rating of ``measure`` in the organisation's closed episodes, in one query:
    columns ``episode``, ``session``, ``log_session`` (ln session number), ``score``,
    ``intake`` (the episode's first score) and ``answered_at``."""
    rows = (
        _closed_ratings(organisation_id, [measure])
        .filter(instrument=measure)
        .values_list("session__episode_id", "session__number", "total", "answered_at")
        .order_by("session__episode_id", "session__number", "pk")
    )
    frame = pd.DataFrame(list(rows), columns=["episode", "session", "score", "answered_at"])
    frame = frame.drop_duplicates(["episode", "session"], keep="last")
    frame["score"] = frame["score"].astype(float)
    frame[TIME] = [math.log(n) for n in frame["session"]]
    frame[INTAKE] = frame.groupby("episode")["score"].transform("first")
    return frame.reset_index(drop=True)


def _kept_ratings(organisation_id: int, measure: str) -> QuerySet[Response]:
    # One rating per session, the last one recorded (as closed_episode_ratings keeps it).
    base = _closed_ratings(organisation_id, [measure]).filter(instrument=measure)
    latest = base.order_by().values("session_id").annotate(last=Max("pk")).values("last")
    return base.filter(pk__in=latest)


# The per-episode sums of the trajectory model, computed where the ratings are (issue 16, point
# 6). ``kept`` is the organisation's closed-episode ratings of the measure, one per session; the
# episode's first rated session is its intake, a covariate, and the later ones are the outcome at
# t = ln(session number) (alliance.science.trajectories.fit_trajectory). Times, scores and
# intakes are centred on their means (over ratings for t and y, over episodes for the intake)
# before summing, as alliance.science.growth.growth_sufficient_statistics does, so the sums keep
# their digits. Standard SQL: it runs unchanged on PostgreSQL and on SQLite (where Django
# provides LN).
TRAJECTORY_SUMS_SQL = """
WITH kept AS ({kept}),
firsts AS (
    SELECT episode, MIN(number) AS first_number FROM kept GROUP BY episode
),
later AS (
    SELECT k.episode,
           LN(CAST(k.number AS DOUBLE PRECISION)) AS t,
           CAST(k.score AS DOUBLE PRECISION) AS y,
           CAST(i.score AS DOUBLE PRECISION) AS intake
    FROM kept k
    JOIN firsts f ON f.episode = k.episode
    JOIN kept i ON i.episode = f.episode AND i.number = f.first_number
    WHERE k.number > f.first_number
),
offsets AS (
    SELECT AVG(t) AS t0, AVG(y) AS y0 FROM later
),
intake_offset AS (
    SELECT AVG(intake) AS c0
    FROM (SELECT episode, MIN(intake) AS intake FROM later GROUP BY episode) AS per_episode
)
SELECT l.episode,
       COUNT(*),
       SUM(l.t - o.t0),
       SUM((l.t - o.t0) * (l.t - o.t0)),
       SUM(l.y - o.y0),
       SUM((l.t - o.t0) * (l.y - o.y0)),
       SUM((l.y - o.y0) * (l.y - o.y0)),
       MIN(l.intake) - MIN(c.c0),
       MIN(o.t0), MIN(o.y0), MIN(c.c0)
FROM later l CROSS JOIN offsets o CROSS JOIN intake_offset c
GROUP BY l.episode
ORDER BY l.episode
"""


@dataclass(frozen=True, eq=False)
class ClosedEpisodeStatistics:
    """What a local trajectory fit needs of the closed episodes, without their ratings."""

    statistics: GrowthStatistics
    n_episodes: int
    n_ratings: int
    first_answered: dt.datetime | None
    last_answered: dt.datetime | None


def closed_episode_statistics(organisation_id: int, measure: str) -> ClosedEpisodeStatistics:
    """The per-episode sufficient statistics of the trajectory model from one SQL ``GROUP BY``
    (:data:`TRAJECTORY_SUMS_SQL`), and the ratings' counts and dates from one aggregate: two
    queries, whose results are one row per episode and one row; no rating reaches Python.

    ``statistics`` fitted with :func:`alliance.science.growth.fit_growth_from_statistics` gives
    the fit :func:`alliance.science.trajectories.fit_trajectory` gives on
    :func:`closed_episode_ratings` (a test checks the log-likelihood to 1e-8 on SQLite and
    PostgreSQL). The queries run on the database the router reads ratings from.
    """
    kept = _kept_ratings(organisation_id, measure)
    columns = kept.values(
        episode=F("session__episode_id"), number=F("session__number"), score=F("total")
    ).order_by()
    database = columns.db
    kept_sql, params = columns.query.get_compiler(using=database).as_sql()
    with connections[database].cursor() as cursor:
        cursor.execute(TRAJECTORY_SUMS_SQL.format(kept=kept_sql), params)
        rows = cursor.fetchall()
    counts = kept.order_by().aggregate(
        ratings=Count("pk"),
        episodes=Count("session__episode", distinct=True),
        first=Min("answered_at"),
        last=Max("answered_at"),
    )
    sums = np.array([row[1:8] for row in rows], dtype=np.float64).reshape(len(rows), 7)
    offsets = tuple(float(v) for v in rows[0][8:]) if rows else ()
    statistics = GrowthStatistics(
        group="episode",
        time=TIME,
        outcome="score",
        covariates=(INTAKE,),
        count=sums[:, 0],
        sum_time=sums[:, 1],
        sum_time_sq=sums[:, 2],
        sum_outcome=sums[:, 3],
        sum_time_outcome=sums[:, 4],
        sum_outcome_sq=sums[:, 5],
        covariate_values=sums[:, 6:7],
        offsets=offsets,
    )
    return ClosedEpisodeStatistics(
        statistics=statistics,
        n_episodes=counts["episodes"],
        n_ratings=counts["ratings"],
        first_answered=counts["first"],
        last_answered=counts["last"],
    )


@dataclass(frozen=True)
class DataSummary:
    """The closed episodes a local fit would rest on, and whether they are enough."""

    n_episodes: int
    n_ratings: int
    min_episodes: int
    min_ratings_per_episode: float

    @property
    def enough(self) -> bool:
        return enough_for_local_fit(
            self.n_episodes,
            self.n_ratings,
            min_episodes=self.min_episodes,
            min_ratings_per_episode=self.min_ratings_per_episode,
        )

    @property
    def episodes_needed(self) -> int:
        return max(0, self.min_episodes - self.n_episodes)

    @property
    def ratings_needed(self) -> int:
        """More ratings the present episodes need to reach the average per episode."""
        wanted = math.ceil(self.min_ratings_per_episode * self.n_episodes)
        return max(0, wanted - self.n_ratings)


def _summary(n_episodes: int, n_ratings: int) -> DataSummary:
    return DataSummary(
        n_episodes=n_episodes,
        n_ratings=n_ratings,
        min_episodes=clinical_settings().trajectory_min_episodes,
        min_ratings_per_episode=clinical_settings().trajectory_min_ratings_per_episode,
    )


def data_summary(organisation_id: int, measures: Sequence[str]) -> dict[str, DataSummary]:
    """Closed episodes and ratings per measure, in one grouped query."""
    counts = {
        row["instrument"]: (row["episodes"], row["ratings"])
        for row in _closed_ratings(organisation_id, measures)
        .filter(instrument__in=measures)
        .values("instrument")
        .annotate(episodes=Count("session__episode", distinct=True), ratings=Count("pk"))
        .order_by()
    }
    # A rating in an episode whose outcome measure is another one is left out by _closed_ratings.
    return {measure: _summary(*counts.get(measure, (0, 0))) for measure in measures}


def active_models(organisation_ids: Iterable[int]) -> dict[tuple[int, str], TrajectoryModel]:
    """The local models in use, keyed by (organisation id, measure), in one query."""
    rows = TrajectoryFit.objects.filter(
        organisation_id__in=list(organisation_ids), is_active=True
    ).values_list("organisation_id", "measure", "model_json")
    return {(org, measure): TrajectoryModel.from_json(text) for org, measure, text in rows}


@dataclass(frozen=True)
class MeasureTrajectory:
    """Everything the trajectories page shows for one measure of one organisation."""

    measure: str
    data: DataSummary
    active: TrajectoryFit | None
    fits: Sequence[TrajectoryFit]

    @property
    def latest(self) -> TrajectoryFit | None:
        return self.fits[0] if self.fits else None

    @property
    def candidate(self) -> TrajectoryFit | None:
        """The newest finished fit that is not in use and is newer than the one in use."""
        for fit in self.fits:
            if fit.is_active:
                return None
            if fit.status == FitStatus.DONE:
                return fit
        return None

    @property
    def in_progress(self) -> bool:
        return any(not fit.is_finished for fit in self.fits)


def measure_trajectories(
    organisation: Organisation, measures: Sequence[str] = TRAJECTORY_MEASURES
) -> list[MeasureTrajectory]:
    """Per measure: the data, the fit in use (None: the provisional default) and every fit
    kept, newest first. Two queries."""
    data = data_summary(organisation.pk, measures)
    fits: dict[str, list[TrajectoryFit]] = defaultdict(list)
    query = TrajectoryFit.objects.filter(organisation=organisation, measure__in=measures)
    for fit in query.select_related("requested_by").order_by("-requested_at", "-pk"):
        fits[fit.measure].append(fit)
    return [
        MeasureTrajectory(
            measure=measure,
            data=data[measure],
            active=next((f for f in fits[measure] if f.is_active), None),
            fits=fits[measure],
        )
        for measure in measures
    ]
