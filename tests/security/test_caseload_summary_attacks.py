"""Attacks on the caseload table built in Python (``alliance.clinic.caseload_table``) from the
episodes' stored summaries: hostile client names, codes and team names come out escaped, and a
clinician sees the summary rows of their own care team's episodes only."""

from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse

from alliance.care.models import CareRole, CareTeamMember
from alliance.feedback.summaries import episode_summaries_refresh
from alliance.measures.services import response_record
from tests.factories import PASSWORD, make_client, make_episode, make_session

pytestmark = pytest.mark.django_db

HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


def _caseload(username: str) -> str:
    browser = Browser()
    assert browser.login(username=username, password=PASSWORD)
    page = browser.get(reverse("clinic:caseload"))
    assert page.status_code == 200
    return page.content.decode()


def test_hostile_names_codes_and_team_names_are_escaped(clinic: SimpleNamespace) -> None:
    client = clinic.episode.client
    client.display_name, client.code = HOSTILE, "C1<b>x</b>"
    client.save(update_fields=["display_name", "code"])
    clinic.team_a.name = HOSTILE
    clinic.team_a.save(update_fields=["name"])
    response_record(
        session=clinic.session,
        instrument_code="ors",
        values={"ors_1": 1, "ors_2": 1, "ors_3": 1, "ors_4": 1},
    )
    episode_summaries_refresh([clinic.episode])
    html = _caseload("clinician")
    assert "<img src=x" not in html and "<script>alert(2)" not in html
    assert "<b>x</b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "C1&lt;b&gt;x&lt;/b&gt;" in html


def test_a_clinician_sees_no_summary_row_of_an_episode_off_their_care_team(
    clinic: SimpleNamespace,
) -> None:
    # The colleague's own client, in the same team; the clinician is not on its care team.
    theirs = make_episode(clinic.team_a, clinic.colleague, client=make_client(clinic.org))
    theirs.client.display_name = "Colleagues Client"
    theirs.client.save(update_fields=["display_name"])
    make_session(theirs, 1)
    episode_summaries_refresh([theirs])
    html = _caseload("clinician")
    assert "Colleagues Client" not in html and theirs.client.code not in html
    assert clinic.episode.client.display_name in html
    # Once on the care team, the row is there.
    CareTeamMember.objects.create(
        episode=theirs, member=clinic.clinician, role=CareRole.TEAM_MEMBER
    )
    assert "Colleagues Client" in _caseload("clinician")
