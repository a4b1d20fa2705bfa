"""Episodes in a real browser (issue 11, point 2): a clinician adds a client, opens their
episode with a care team and a measurement plan, changes the plan and ends the episode, on a
360 px phone and on a desktop; every page passes axe and fits the width."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from alliance.care import plans
from alliance.care.models import Episode
from tests.factories import PASSWORD
from tests.portal.browser_helpers import check_page, fits_the_width, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _story(page: Page, base: str, width: str) -> None:
    problems = watch_console(page)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("clinician")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="New client").click()
    page.get_by_label("Pseudonymous code").fill("RH1984")
    page.get_by_label("Display name").fill("Robin Hart")
    page.get_by_label("Birth year").fill("1984")
    page.get_by_role("button", name="Add the client").click()

    # Intake leads to opening the episode: team, setting, care team and plan.
    expect(page.get_by_role("heading", name="Open an episode")).to_be_visible()
    page.locator("#choose_setting").select_option("couple")
    page.get_by_role("button", name="Show this team's staff and default plan").click()
    expect(page.get_by_text("Adults North · Couple")).to_be_visible()
    expect(page.get_by_label("Primary therapist")).not_to_have_value("")
    page.get_by_label("Use Patient Health Questionnaire (PHQ-9)").check()
    phq9 = page.get_by_role("group", name="Patient Health Questionnaire (PHQ-9) (phq9)")
    phq9.get_by_label("At intake").check()
    phq9.get_by_label("Repeated").select_option("sessions")
    phq9.get_by_label("Every N (sessions or weeks)").fill("4")
    check_page(page, f"episode-open-{width}")
    assert fits_the_width(page)
    button = page.get_by_role("button", name="Open the episode")
    button.press("Enter")  # from the keyboard, as on a phone's "Go"

    expect(page.get_by_role("status")).to_contain_text("The episode is open")
    expect(page.get_by_text("At intake, every 4 sessions")).to_be_visible()
    check_page(page, f"episode-page-{width}")
    assert fits_the_width(page)

    # A zero interval is refused (here by the browser: the server's refusal is in
    # tests/care/test_episode_views.py); every 5 sessions is saved.
    page.get_by_role("link", name="Change the measurement plan").click()
    phq9 = page.get_by_role("group", name="Patient Health Questionnaire (PHQ-9) (phq9)")
    interval = phq9.get_by_label("Every N (sessions or weeks)")
    interval.fill("0")
    page.get_by_role("button", name="Save the plan").click()
    assert interval.evaluate("e => e.validity.valid") is False
    check_page(page, f"episode-plan-{width}")
    assert fits_the_width(page)
    interval.fill("5")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_role("status")).to_contain_text("Measurement plan saved")
    expect(page.get_by_text("At intake, every 5 sessions")).to_be_visible()

    page.get_by_role("link", name="End the episode").click()
    page.get_by_label("Planned ending").check()
    check_page(page, f"episode-end-{width}")
    assert fits_the_width(page)
    page.get_by_role("button", name="End the episode").click()
    expect(page.get_by_role("status")).to_contain_text("The episode is ended")
    expect(page.get_by_role("link", name="Open a new episode for this client")).to_be_visible()
    assert problems == []
    episode = Episode.objects.get(client__code="RH1984")
    assert episode.ending == "planned" and episode.setting == "couple"
    codes = [item.instrument for item in plans.episode_plan(episode)]
    assert "phq9" in codes and episode.plan.get(instrument="phq9").interval == 5


def test_the_episode_story_on_a_phone(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    _story(phone, live_server.url, "phone")  # type: ignore[attr-defined]


def test_the_episode_story_on_a_desktop(
    live_server: object, page: Page, clinic: SimpleNamespace
) -> None:
    _story(page, live_server.url, "desktop")  # type: ignore[attr-defined]
