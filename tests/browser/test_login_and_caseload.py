"""A clinician logs in with a real browser and finds their client on the caseload."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.factories import PASSWORD
from tests.portal.browser_helpers import check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_clinician_logs_in_and_opens_a_client_from_the_caseload(
    live_server: object, page: Page, clinic: SimpleNamespace
) -> None:
    _log_in(page, live_server.url, "clinician")  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    screenshot(page, "platform-caseload")
    page.get_by_role("link", name=clinic.episode.client.display_name).click()
    expect(page.get_by_role("heading", name="Care team")).to_be_visible()
    screenshot(page, "platform-episode")


def test_the_login_page_passes_axe(live_server: object, page: Page) -> None:
    page.goto(f"{live_server.url}/accounts/login/")  # type: ignore[attr-defined]
    check_page(page, "platform-login")


def test_a_wrong_password_gets_a_plain_message(
    live_server: object, page: Page, clinic: SimpleNamespace
) -> None:
    _log_in(page, live_server.url, "clinician", "not-the-password")  # type: ignore[attr-defined]
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    check_page(page, "platform-login-refused")


def test_a_colleague_off_the_care_team_cannot_open_the_client(
    live_server: object, page: Page, clinic: SimpleNamespace
) -> None:
    _log_in(page, live_server.url, "colleague")  # type: ignore[attr-defined]
    response = page.goto(f"{live_server.url}/episodes/{clinic.episode.pk}/")  # type: ignore[attr-defined]
    assert response is not None and response.status == 404
