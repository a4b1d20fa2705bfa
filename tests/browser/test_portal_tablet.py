"""The tablet hand-off in a real browser: the clinician hands the tablet over from the session
page, the client answers the ORS by keyboard, the tablet stays locked until the clinician's
password, and the answer is on the session page."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from alliance.care.models import SessionStatus
from alliance.measures.models import Response
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD
from tests.portal.browser_helpers import check_page, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("clinician")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _hand_over(page: Page, base: str, clinic: SimpleNamespace) -> None:
    _log_in(page, base)
    page.goto(f"{base}/sessions/{clinic.session.pk}/")
    check_page(page, "portal-session-buttons", context=".portal-actions")
    page.get_by_role("button", name="Hand the tablet to the client (ORS)").click()
    expect(page.get_by_role("heading", name="Outcome Rating Scale")).to_be_visible()


def test_the_client_answers_the_ors_by_keyboard_and_the_clinician_takes_the_tablet_back(
    live_server: object, page: Page, clinic: SimpleNamespace
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    clinic.session.status = SessionStatus.SCHEDULED
    clinic.session.save(update_fields=["status"])
    problems = watch_console(page)
    _hand_over(page, base, clinic)
    sliders = page.get_by_role("slider")
    expect(sliders).to_have_count(4)
    expect(sliders.first).to_have_attribute("aria-valuetext", "not answered yet")
    check_page(page, "portal-tablet-form")

    # Tab to each line; End, Home, the arrows and PageUp/PageDown move the mark.
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")  # language switch: Nederlands
    page.keyboard.press("Tab")  # language switch: Deutsch
    page.keyboard.press("Tab")
    expect(sliders.nth(0)).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(sliders.nth(0)).to_have_attribute("aria-valuenow", "9.8")
    expect(sliders.nth(0)).to_have_attribute("aria-valuetext", "9.8 out of 10")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowRight")  # an untouched line starts in the middle
    page.keyboard.press("PageUp")
    page.keyboard.press("ArrowUp")
    expect(sliders.nth(1)).to_have_attribute("aria-valuenow", "6.1")
    page.keyboard.press("Tab")
    page.keyboard.press("Home")
    page.keyboard.press("PageUp")
    page.keyboard.press("PageUp")
    page.keyboard.press("PageDown")
    page.keyboard.press("ArrowDown")
    expect(sliders.nth(2)).to_have_attribute("aria-valuenow", "0.9")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowLeft")
    expect(sliders.nth(3)).to_have_attribute("aria-valuenow", "5.0")
    screenshot(page, "portal-tablet-form-answered")
    # After the lines, the optional word for the clinician (issue 19), then the button.
    page.keyboard.press("Tab")
    expect(page.locator(".words textarea, .words input").first).to_be_focused()
    words = page.locator(".words textarea, .words input").count()
    for _ in range(words):
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send my answers")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(page.get_by_text("Please hand the tablet back")).to_be_visible()
    check_page(page, "portal-tablet-thanks")
    response = Response.objects.get()
    assert response.items == {"ors_1": 9.8, "ors_2": 6.1, "ors_3": 0.9, "ors_4": 5.0}
    assert (response.method, response.rater) == ("tablet", "client")

    # The client cannot wander off into the clinician's pages.
    page.goto(f"{base}/caseload/")
    expect(page).to_have_url(f"{base}/rate/thanks/")
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()

    page.get_by_role("link", name="For the clinician: take the tablet back").click()
    page.get_by_label("Password").fill("a guess")
    page.get_by_role("button", name="Take the tablet back").click()
    expect(page.get_by_role("alert")).to_contain_text("That password is not right")
    check_page(page, "portal-tablet-return-refused")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Take the tablet back").click()
    expect(page).to_have_url(f"{base}/sessions/{clinic.session.pk}/")
    expect(page.get_by_text("9.8").first).to_be_visible()
    screenshot(page, "portal-tablet-back-with-the-clinician")
    assert problems == []
