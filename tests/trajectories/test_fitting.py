"""Refitting the expected trajectories on a clinic's closed episodes, keeping and restoring fits,
and the refusal below the threshold (docs/trajectories.md)."""

from types import SimpleNamespace

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings

from alliance.feedback import selectors, services
from alliance.feedback.models import FitStatus, TrajectoryFit
from alliance.science.trajectories import TrajectoryModel
from tests.factories import make_episode, make_session
from tests.trajectories.builders import (
    TRUE_INTAKE_SLOPE,
    TRUE_SLOPE,
    TRUE_SLOPE_VARIANCE,
    closed_ors_episodes,
)

SMALL = {"TRAJECTORY_MIN_EPISODES": 40, "TRAJECTORY_MIN_RATINGS_PER_EPISODE": 3}


def _alliance_settings(**changes: object) -> dict[str, object]:
    from django.conf import settings

    return {**settings.ALLIANCE, **changes}


@pytest.fixture
def simulated(clinic: SimpleNamespace) -> SimpleNamespace:
    closed_ors_episodes(clinic, 320)
    return clinic


@pytest.fixture
def small(clinic: SimpleNamespace, settings: object) -> SimpleNamespace:
    """Fifty closed episodes and a threshold of forty: enough for the tests of bookkeeping."""
    settings.ALLIANCE = _alliance_settings(**SMALL)  # type: ignore[attr-defined]
    closed_ors_episodes(clinic, 50)
    return clinic


def refit(clinic: SimpleNamespace, measure: str = "ors") -> TrajectoryFit:
    fit = services.trajectory_refit_request(
        organisation=clinic.org, measure=measure, by=clinic.administrator
    )
    fit.refresh_from_db()
    return fit


def test_a_refit_recovers_the_simulated_clinics_growth_parameters(
    simulated: SimpleNamespace,
) -> None:
    fit = refit(simulated)
    assert fit.status == FitStatus.DONE, fit.message
    model = TrajectoryModel.from_json(fit.model_json)
    assert model.source == "local_fit"
    assert model.fitted_on is not None and model.fitted_on.n_episodes == 320
    assert fit.n_episodes == 320 and fit.n_ratings == model.fitted_on.n_ratings
    assert model.fixed_effects["log_session"] == pytest.approx(TRUE_SLOPE, abs=1.5)
    assert model.fixed_effects["intake:log_session"] == pytest.approx(TRUE_INTAKE_SLOPE, abs=0.07)
    assert model.fixed_effects["intake"] == pytest.approx(1.0, abs=0.1)
    assert model.random_cov[1][1] == pytest.approx(TRUE_SLOPE_VARIANCE, rel=0.5)


def test_a_finished_fit_is_a_candidate_until_an_administrator_puts_it_in_use(
    small: SimpleNamespace,
) -> None:
    fit = refit(small)
    assert not fit.is_active
    assert services.trajectory_model("ors", small.org).source == "provisional_default"
    services.trajectory_fit_activate(fit=fit)
    assert services.trajectory_model("ors", small.org).source == "local_fit"
    # Another organisation keeps the default.
    assert services.trajectory_model("ors").source == "provisional_default"


def test_restoring_an_earlier_fit_keeps_every_fit(small: SimpleNamespace) -> None:
    first = refit(small)
    services.trajectory_fit_activate(fit=first)
    closed_ors_episodes(small, 10, seed=11)
    second = refit(small)
    services.trajectory_fit_activate(fit=second)
    assert TrajectoryFit.objects.get(is_active=True).pk == second.pk
    services.trajectory_fit_activate(fit=first)
    assert TrajectoryFit.objects.get(is_active=True).pk == first.pk
    assert TrajectoryFit.objects.count() == 2
    local = services.trajectory_model("ors", small.org)
    assert local is not None and local.fitted_on is not None
    assert local.fitted_on.n_episodes == 50
    assert services.trajectory_default_restore(organisation=small.org, measure="ors") == 1
    assert services.trajectory_model("ors", small.org).source == "provisional_default"
    assert TrajectoryFit.objects.count() == 2


def test_a_refit_is_refused_below_the_threshold_saying_how_many_more_are_needed(
    clinic: SimpleNamespace,
) -> None:
    closed_ors_episodes(clinic, 25)
    with (
        override_settings(ALLIANCE=_alliance_settings(**SMALL)),
        pytest.raises(services.RefitRefused, match="15 more closed episodes"),
    ):
        refit(clinic)
    assert not TrajectoryFit.objects.exists()


def test_open_episodes_and_other_measures_do_not_count_towards_the_threshold(
    clinic: SimpleNamespace,
) -> None:
    closed_ors_episodes(clinic, 5)
    open_episode = make_episode(clinic.team_a, clinic.clinician)
    make_session(open_episode, 1)
    data = selectors.data_summary(clinic.org.pk, ["ors", "phq9"])
    assert data["ors"].n_episodes == 5
    assert data["phq9"].n_episodes == 0 and not data["phq9"].enough


def test_a_second_refit_is_refused_while_one_is_waiting(small: SimpleNamespace) -> None:
    TrajectoryFit.objects.create(organisation=small.org, measure="ors")
    with pytest.raises(services.RefitRefused, match="already waiting"):
        refit(small)


def test_running_a_finished_fit_again_changes_nothing(small: SimpleNamespace) -> None:
    fit = refit(small)
    again = services.trajectory_fit_run(fit_id=fit.pk)
    assert again.status == FitStatus.DONE and again.model_json == fit.model_json


def test_a_fit_that_fails_records_why(clinic: SimpleNamespace) -> None:
    fit = TrajectoryFit.objects.create(organisation=clinic.org, measure="ors")
    services.trajectory_fit_run(fit_id=fit.pk)
    fit.refresh_from_db()
    assert fit.status == FitStatus.FAILED
    assert "Not enough data" in fit.message
    with pytest.raises(services.RefitRefused):
        services.trajectory_fit_activate(fit=fit)


def test_the_database_allows_one_fit_in_use_per_organisation_and_measure(
    small: SimpleNamespace,
) -> None:
    fit = refit(small)
    services.trajectory_fit_activate(fit=fit)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrajectoryFit.objects.create(
            organisation=small.org,
            measure="ors",
            status=FitStatus.DONE,
            model_json=fit.model_json,
            is_active=True,
        )


def test_too_few_ratings_per_episode_is_named_as_the_reason(clinic: SimpleNamespace) -> None:
    data = selectors.DataSummary(
        n_episodes=400, n_ratings=1000, min_episodes=300, min_ratings_per_episode=3.0
    )
    assert not data.enough
    assert data.episodes_needed == 0 and data.ratings_needed == 200
    assert "200 more ratings" in services.refusal_message(data)
    assert "closed episodes" not in services.refusal_message(data)


def test_an_unforeseen_error_is_recorded_as_a_failed_fit(
    clinic: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(organisation_id: int, measure: str) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "local_model_fit", broken)
    fit = TrajectoryFit.objects.create(organisation=clinic.org, measure="ors")
    with pytest.raises(RuntimeError):
        services.trajectory_fit_run(fit_id=fit.pk)
    fit.refresh_from_db()
    assert fit.status == FitStatus.FAILED and "server log" in fit.message
