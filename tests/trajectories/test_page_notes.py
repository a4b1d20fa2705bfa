"""The trajectory page says when a fit is singular and when a clinic's own path differs from the
provisional default by more than its interval (issue 18)."""

import dataclasses
from types import SimpleNamespace

import numpy as np
from django.test import override_settings
from django.urls import reverse

from alliance.feedback import services
from alliance.feedback.models import FitStatus, TrajectoryFit
from alliance.science.trajectories import TrajectoryModel, default_model
from tests.trajectories.test_local_model_in_use import steep_local_model
from tests.trajectories.test_views import browser_for


def stored(clinic: SimpleNamespace, model: TrajectoryModel, *, active: bool) -> TrajectoryFit:
    fit = TrajectoryFit.objects.create(
        organisation=clinic.org,
        measure="ors",
        status=FitStatus.DONE,
        model_json=model.to_json(),
        n_episodes=412,
        n_ratings=2300,
    )
    return services.trajectory_fit_activate(fit=fit) if active else fit


def page(clinic: SimpleNamespace) -> str:
    browser = browser_for(clinic, "administrator")
    return browser.get(reverse("trajectories:measure", args=["ors"])).content.decode()


def close_to_default() -> TrajectoryModel:
    """A local fit equal to the default, with an uncertain mean: it departs nowhere."""
    default = default_model("ors")
    return dataclasses.replace(
        default,
        source="local_fit",
        fixed_effects_cov=np.diag([1.0, 1.0, 1e-3, 1e-3]),
        citation="Fitted on this clinic's closed episodes.",
    )


def test_a_singular_fit_in_use_is_marked_on_the_page(clinic: SimpleNamespace) -> None:
    stored(clinic, dataclasses.replace(steep_local_model(), singular=True), active=True)
    assert 'id="in-use-singular"' in page(clinic)


def test_a_singular_candidate_is_marked_in_the_preview(clinic: SimpleNamespace) -> None:
    stored(clinic, dataclasses.replace(steep_local_model(), singular=True), active=False)
    body = page(clinic)
    assert 'id="candidate-singular"' in body and 'id="in-use-singular"' not in body


def test_a_fit_inside_the_parameter_space_is_not_marked(clinic: SimpleNamespace) -> None:
    stored(clinic, steep_local_model(), active=True)
    assert "singular" not in page(clinic)


def test_the_page_says_when_the_clinics_path_departs_from_the_default(
    clinic: SimpleNamespace,
) -> None:
    stored(clinic, steep_local_model(), active=True)
    body = page(clinic)
    assert 'id="in-use-departs"' in body
    assert "by more than its 95% interval at 9 of the 9 intakes and sessions" in body


def test_the_departure_uses_the_sites_interval_level(clinic: SimpleNamespace, settings) -> None:  # type: ignore[no-untyped-def]
    stored(clinic, steep_local_model(), active=True)
    with override_settings(ALLIANCE={**settings.ALLIANCE, "INTERVAL_LEVEL": 0.99}):
        assert "by more than its 99% interval" in page(clinic)


def test_a_path_within_its_interval_of_the_default_is_not_flagged(
    clinic: SimpleNamespace,
) -> None:
    stored(clinic, close_to_default(), active=True)
    body = page(clinic)
    assert 'id="in-use-departs"' not in body


def test_the_default_itself_is_never_flagged(clinic: SimpleNamespace) -> None:
    assert 'id="in-use-departs"' not in page(clinic)
