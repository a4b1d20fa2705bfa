"""Who sees and who records a client's clinical rows: alliance.access decides, tried as each of
the seven roles on the standing client (team A, the clinician its primary therapist)."""

from types import SimpleNamespace

import pytest

from alliance import access
from tests.access.people import only, person
from tests.access.roles import ROLES

SEES = only("clinician", "supervisor")
RECORDS = only("clinician")
CHANGES_THE_EPISODE = only("clinician", "supervisor")


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_client_and_their_episode(clinic: SimpleNamespace, role: str) -> None:
    user = person(clinic, role)
    assert list(access.visible_episodes(user)) == ([clinic.episode] if SEES[role] else [])  # type: ignore[arg-type]
    assert list(access.visible_clients(user)) == ([clinic.episode.client] if SEES[role] else [])  # type: ignore[arg-type]
    assert list(access.visible_sessions(user)) == ([clinic.session] if SEES[role] else [])  # type: ignore[arg-type]
    assert access.can_see_episode(user, clinic.episode) is SEES[role]  # type: ignore[arg-type]


@pytest.mark.parametrize("role", ROLES)
def test_only_the_care_team_records_and_reads_the_client_s_words(
    clinic: SimpleNamespace, role: str
) -> None:
    user, episode = person(clinic, role), clinic.episode
    assert access.is_on_care_team(user, episode) is RECORDS[role]  # type: ignore[arg-type]
    assert access.may_correct(user, episode) is RECORDS[role]  # type: ignore[arg-type]
    assert access.may_read_client_words(user, episode) is RECORDS[role]  # type: ignore[arg-type]


@pytest.mark.parametrize("role", ROLES)
def test_the_care_team_and_the_supervisor_change_the_episode(
    clinic: SimpleNamespace, role: str
) -> None:
    changes = access.may_change_episode(person(clinic, role), clinic.episode)  # type: ignore[arg-type]
    assert changes is CHANGES_THE_EPISODE[role]


def test_an_administrator_sees_the_client_when_the_organisation_allows_it(
    clinic: SimpleNamespace,
) -> None:
    clinic.org.admin_sees_clinical_data = True
    clinic.org.save(update_fields=["admin_sees_clinical_data"])
    assert list(access.visible_episodes(clinic.administrator)) == [clinic.episode]
    assert access.is_on_care_team(clinic.administrator, clinic.episode) is False
