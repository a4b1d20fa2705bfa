"""Who may see and who may refit trajectory models: alliance.access decides, across the cast."""

from types import SimpleNamespace

import pytest

from alliance import access
from alliance.feedback import selectors

SEES = {
    "clinician": False,
    "colleague": False,
    "supervisor": True,
    "other_supervisor": True,
    "administrator": True,
    "outsider": False,
}
REFITS = {name: name == "administrator" for name in SEES}


@pytest.mark.parametrize("name", sorted(SEES))
def test_who_sees_trajectory_models(clinic: SimpleNamespace, name: str) -> None:
    seen = list(access.trajectory_organisations(getattr(clinic, name)))
    assert seen == ([clinic.org] if SEES[name] else [])


@pytest.mark.parametrize("name", sorted(REFITS))
def test_only_administrators_refit(clinic: SimpleNamespace, name: str) -> None:
    assert access.may_refit_trajectories(getattr(clinic, name), clinic.org) is REFITS[name]


def test_old_names_still_answer() -> None:
    assert selectors.trajectory_organisations is access.trajectory_organisations
    assert selectors.can_refit_trajectories is access.may_refit_trajectories
