"""Who may ask for which report, and which episodes it rests on: alliance.access decides
(``may_report_on_organisation``, ``report_episodes``), tried as each of the seven roles.
None means refused (the page answers 404); a list is the episodes the report may rest on."""

from types import SimpleNamespace

import pytest

from alliance import access
from tests.access.people import only, person
from tests.access.roles import ROLES

ASKS = only("clinician", "colleague", "supervisor", "other_supervisor", "administrator")

# "episode": the standing client's episode (team A); "none": an empty report (nothing seen).
ORGANISATION = dict.fromkeys(ROLES) | {
    "supervisor": "episode",
    "other_supervisor": "none",
    "administrator": "episode",
}
TEAM_A = dict.fromkeys(ROLES) | {"supervisor": "episode"}
CLINICIAN = dict.fromkeys(ROLES) | {"clinician": "episode", "supervisor": "episode"}


def _answer(cast: SimpleNamespace, role: str, **scope: object) -> str | None:
    episodes = access.report_episodes(person(cast, role), cast.org, **scope)  # type: ignore[arg-type]
    if episodes is None:
        return None
    return "episode" if list(episodes) == [cast.episode] else "none" if not episodes else "?"


@pytest.mark.parametrize("role", ROLES)
def test_who_may_ask_for_a_report_on_the_organisation(clinic: SimpleNamespace, role: str) -> None:
    asks = access.may_report_on_organisation(person(clinic, role), clinic.org)  # type: ignore[arg-type]
    assert asks is ASKS[role]


@pytest.mark.parametrize("role", ROLES)
def test_the_organisation_report_rests_on(clinic: SimpleNamespace, role: str) -> None:
    assert _answer(clinic, role) == ORGANISATION[role]


@pytest.mark.parametrize("role", ROLES)
def test_a_team_report_is_for_the_team_s_supervisors(clinic: SimpleNamespace, role: str) -> None:
    assert _answer(clinic, role, team=clinic.team_a) == TEAM_A[role]


@pytest.mark.parametrize("role", ROLES)
def test_a_clinician_report_is_for_them_and_their_supervisor(
    clinic: SimpleNamespace, role: str
) -> None:
    assert _answer(clinic, role, clinician=clinic.clinician) == CLINICIAN[role]


def test_an_administrator_reports_on_no_other_organisation(clinic: SimpleNamespace) -> None:
    other = type(clinic.org).objects.create(name="Elsewhere")
    assert access.may_report_on_organisation(clinic.administrator, other) is False
    assert access.report_episodes(clinic.administrator, other) is None
