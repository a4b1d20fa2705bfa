"""The admin shows alliance work read-only and only where the administrator may see the episode;
reflections are never there."""

from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse

from alliance.care.models import CareRole
from alliance.care.services import goal_add, rupture_record
from tests.factories import PASSWORD


@pytest.fixture
def admin_browser(clinic: SimpleNamespace) -> Browser:
    goal_add(episode=clinic.episode, text="Walk the dog daily", agreed=True, by=clinic.clinician)
    rupture_record(
        session=clinic.session,
        markers=["denial"],
        noticed_by="supervisor",
        strategies=[],
        resolution="not_resolved",
        by=clinic.supervisor,
    )
    browser = Browser()
    browser.login(username="administrator", password=PASSWORD)
    return browser


@pytest.mark.parametrize(
    ("model", "plural"), [("goal", "goals"), ("task", "tasks"), ("rupture", "ruptures")]
)
def test_an_administrator_off_the_care_team_sees_no_alliance_work(
    admin_browser: Browser, model: str, plural: str
) -> None:
    page = admin_browser.get(reverse(f"admin:care_{model}_changelist")).content.decode()
    assert f"0 {plural}" in page and "Walk the dog" not in page


def test_an_administrator_on_the_care_team_sees_the_goal_but_cannot_change_it(
    clinic: SimpleNamespace, admin_browser: Browser
) -> None:
    clinic.episode.care_team.create(member=clinic.administrator, role=CareRole.TEAM_MEMBER)
    listing = admin_browser.get(reverse("admin:care_goal_changelist")).content.decode()
    assert "Walk the dog daily" in listing
    goal = clinic.episode.goals.get()
    page = admin_browser.get(reverse("admin:care_goal_change", args=[goal.pk])).content.decode()
    assert 'name="_save"' not in page
    assert admin_browser.get(reverse("admin:care_goal_add")).status_code == 403


def test_there_is_no_admin_page_for_reflections() -> None:
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        reverse("admin:care_reflection_changelist")
