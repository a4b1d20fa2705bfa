"""Once a local fit is put in use, the not-on-track alert and the client's chart follow it, and
the chart says it was fitted on this clinic's episodes."""

import dataclasses
from types import SimpleNamespace

import pytest

from alliance.clinic import progress
from alliance.clinic.selectors import episode_detail
from alliance.feedback import services
from alliance.feedback.models import Alert, FitStatus, TrajectoryFit
from alliance.science.trajectories import FittedOn, TrajectoryModel, default_model
from tests.clinic.builders import rated_episode


def steep_local_model() -> TrajectoryModel:
    """A clinic whose clients improve much faster than the provisional default expects."""
    default = default_model("ors")
    return dataclasses.replace(
        default,
        fixed_effects={**default.fixed_effects, "log_session": 20.0},
        source="local_fit",
        citation="Fitted on this clinic's closed episodes.",
        fitted_on=FittedOn(n_episodes=412, n_ratings=2300, first_rating=None, last_rating=None),
    )


def put_in_use(clinic: SimpleNamespace, model: TrajectoryModel) -> TrajectoryFit:
    fit = TrajectoryFit.objects.create(
        organisation=clinic.org,
        measure="ors",
        status=FitStatus.DONE,
        model_json=model.to_json(),
        n_episodes=412,
        n_ratings=2300,
    )
    return services.trajectory_fit_activate(fit=fit)


def test_the_not_on_track_alert_uses_the_local_model_after_activation(
    clinic: SimpleNamespace,
) -> None:
    episode = rated_episode(clinic, [20.0, 24.0, 24.0])
    assert not Alert.objects.filter(episode=episode, rule="not_on_track").exists()
    local = steep_local_model()
    put_in_use(clinic, local)
    services.alerts_refresh([episode])
    alert = Alert.objects.filter(episode=episode, rule="not_on_track").first()
    assert alert is not None
    edge = local.expected_path(intake=20.0, sessions=[alert.session.number]).lower[0]
    assert alert.evidence["expected_boundary"] == pytest.approx(float(edge))


def test_the_chart_draws_the_local_band_and_names_its_provenance(clinic: SimpleNamespace) -> None:
    episode = rated_episode(clinic, [20.0, 24.0, 24.0])
    local = steep_local_model()
    put_in_use(clinic, local)
    figure = progress.outcome_figure(episode_detail(clinic.clinician, episode.pk))
    band = next(x for x in figure.spec["layer"] if x.get("name") == "band")["data"]["values"]
    path = local.expected_path(intake=20.0, sessions=[1, 2, 3, 4])
    assert [row["expected"] for row in band] == pytest.approx(path.expected.tolist())
    assert "fitted on this clinic's 412 closed episodes" in " ".join(figure.notes)


def test_going_back_to_the_default_withdraws_the_local_alert(clinic: SimpleNamespace) -> None:
    episode = rated_episode(clinic, [20.0, 24.0, 24.0])
    put_in_use(clinic, steep_local_model())
    services.alerts_refresh([episode])
    services.trajectory_default_restore(organisation=clinic.org, measure="ors")
    services.alerts_refresh([episode])
    assert not Alert.objects.filter(episode=episode, rule="not_on_track").exists()
