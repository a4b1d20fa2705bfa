"""The trajectory refit takes its per-episode sums from a SQL GROUP BY, never loading the
ratings into Python, and gives the in-memory fit (issue 16, point 6). Runs on SQLite and, with
DATABASE_URL=postgres://..., on PostgreSQL."""

import uuid
from types import SimpleNamespace

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.care.models import Session
from alliance.feedback import selectors, services
from alliance.measures.models import Method, Rater, Response
from alliance.science.growth import fit_growth_from_statistics
from alliance.science.trajectories import fit_trajectory
from tests.clinic.builders import ors
from tests.trajectories.builders import closed_ors_episodes

SMALL = {"TRAJECTORY_MIN_EPISODES": 40, "TRAJECTORY_MIN_RATINGS_PER_EPISODE": 3}


@pytest.fixture
def awkward(clinic: SimpleNamespace, settings: object) -> SimpleNamespace:
    """Closed episodes with what the in-memory path has to handle: a session rated twice (the
    later rating counts), episodes whose first rating is at session 2, an episode with only its
    intake, an open episode and another team's closed ones (same organisation, both count)."""
    from django.conf import settings as live

    settings.ALLIANCE = {**live.ALLIANCE, **SMALL}  # type: ignore[attr-defined]
    episodes = closed_ors_episodes(clinic, 90, seed=11)
    closed_ors_episodes(clinic, 30, team=clinic.team_b, seed=12)
    rng = np.random.default_rng(3)
    again = Session.objects.filter(episode__in=episodes[:15], number__in=[2, 3])
    Response.objects.bulk_create(
        Response(
            session=session,
            instrument="ors",
            rater=Rater.CLIENT,
            method=Method.TABLET,
            items=ors(score),
            total=score,
            answered_at=session.starts_at,
            idempotency_key=uuid.uuid4(),
        )
        for session in again
        for score in [round(float(rng.uniform(5, 35)), 1)]
    )
    Response.objects.filter(session__episode__in=episodes[15:25], session__number=1).delete()
    Response.objects.filter(session__episode=episodes[25], session__number__gt=1).delete()
    open_episode = episodes[26]
    open_episode.ended_on, open_episode.ending = None, ""
    open_episode.save(update_fields=["ended_on", "ending"])
    return clinic


def test_the_sums_from_the_database_give_the_in_memory_fit(awkward: SimpleNamespace) -> None:
    ratings = selectors.closed_episode_ratings(awkward.org.pk, "ors")
    in_memory = fit_trajectory(ratings, group="episode", session="session", score="score")
    closed = selectors.closed_episode_statistics(awkward.org.pk, "ors")
    in_database = fit_growth_from_statistics(closed.statistics)

    assert in_database.n_groups == in_memory.n_groups
    assert in_database.n_obs == in_memory.n_obs
    assert abs(in_database.reml_loglik - in_memory.reml_loglik) < 1e-8
    for name, value in in_memory.fixed_effects.items():
        assert in_database.fixed_effects[name] == pytest.approx(value, rel=1e-7, abs=1e-9)
    np.testing.assert_allclose(in_database.random_cov, in_memory.random_cov, rtol=1e-6)
    assert closed.n_episodes == ratings["episode"].nunique()
    assert closed.n_ratings == len(ratings)
    assert closed.first_answered == ratings["answered_at"].min()
    assert closed.last_answered == ratings["answered_at"].max()


def test_the_sums_are_one_grouped_query_returning_a_row_per_episode(
    awkward: SimpleNamespace,
) -> None:
    with CaptureQueriesContext(connection) as queries:
        closed = selectors.closed_episode_statistics(awkward.org.pk, "ors")
    assert len(queries) == 2
    assert "GROUP BY l.episode" in queries[0]["sql"]
    ratings = selectors.closed_episode_ratings(awkward.org.pk, "ors")
    later = ratings[ratings.duplicated("episode", keep="first")]
    assert closed.statistics.n_groups == later["episode"].nunique()
    assert closed.statistics.n_obs == len(later)


def test_the_refit_never_loads_the_ratings(
    awkward: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ratings = selectors.closed_episode_ratings(awkward.org.pk, "ors")
    expected = fit_trajectory(ratings, group="episode")

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("the refit loaded the ratings")

    monkeypatch.setattr(selectors, "closed_episode_ratings", refused)
    monkeypatch.setattr(Response, "from_db", classmethod(refused))
    model, _data = services.local_model_fit(awkward.org.pk, "ors")
    assert model.fixed_effects["log_session"] == pytest.approx(
        expected.fixed_effects["log_session"], rel=1e-7
    )
    assert model.fitted_on is not None
    assert model.fitted_on.n_episodes == ratings["episode"].nunique()
    assert model.fitted_on.n_ratings == len(ratings)  # one per session, as in memory


def test_an_organisation_without_closed_ratings_gives_no_episodes(
    clinic: SimpleNamespace,
) -> None:
    closed = selectors.closed_episode_statistics(clinic.org.pk, "ors")
    assert closed.statistics.n_groups == 0
    assert closed.n_ratings == 0 and closed.first_answered is None
