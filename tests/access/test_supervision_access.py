"""Who sees the team page and whose development page each person may open: alliance.access
decides (``may_see_team_page``, ``development_clinicians``), tried as each of the seven roles."""

from types import SimpleNamespace

import pytest

from alliance import access
from tests.access.people import only, person
from tests.access.roles import ROLES

TEAM_PAGE = only("supervisor", "other_supervisor")
# Log-in names of the people whose development page the role may open: their own, and the
# people of the teams they supervise (team A: the clinician and the colleague).
DEVELOPMENT = {
    "anonymous": set(),
    "clinician": {"clinician"},
    "colleague": {"colleague"},
    "supervisor": {"supervisor", "clinician", "colleague"},
    "other_supervisor": {"othersupervisor"},
    "administrator": {"administrator"},
    "outsider": {"outsider"},
}


@pytest.mark.parametrize("role", ROLES)
def test_only_supervisors_see_a_team_page(clinic: SimpleNamespace, role: str) -> None:
    assert access.may_see_team_page(person(clinic, role)) is TEAM_PAGE[role]  # type: ignore[arg-type]


@pytest.mark.parametrize("role", ROLES)
def test_whose_development_page_each_may_open(clinic: SimpleNamespace, role: str) -> None:
    people = access.development_clinicians(person(clinic, role))  # type: ignore[arg-type]
    assert set(people.values_list("username", flat=True)) == DEVELOPMENT[role]


def test_nobody_opens_the_page_of_someone_no_longer_active(clinic: SimpleNamespace) -> None:
    clinic.clinician.is_active = False
    clinic.clinician.save(update_fields=["is_active"])
    assert not access.development_clinicians(clinic.supervisor).filter(pk=clinic.clinician.pk)
