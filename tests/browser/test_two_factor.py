"""A clinician sets up two-factor log-in from the page in a real browser, then logs in with a
code from the (simulated) authenticator app."""

from base64 import b32decode
from types import SimpleNamespace

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from tests.portal.browser_helpers import check_page, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _app_code(secret: str, later: int = 0) -> str:
    """What an authenticator app shows for the key typed from the page."""
    key = b32decode("".join(secret.split()))
    return f"{totp(key, drift=later):06d}"


def _log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("clinician")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_clinician_sets_up_two_factor_and_logs_in_with_a_code(
    live_server: object, page: Page, clinic: SimpleNamespace
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    problems = watch_console(page)
    _log_in(page, base)
    page.get_by_role("link", name="Two-factor").click()
    expect(page.get_by_role("heading", name="Set up two-factor log-in")).to_be_visible()
    expect(page.locator("figure.qr-code svg")).to_be_visible()
    check_page(page, "security-two-factor-set-up")

    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code from your app").fill(_app_code(secret))
    page.get_by_role("button", name="Turn on two-factor log-in").click()
    expect(page.get_by_role("heading", name="Keep your backup codes")).to_be_visible()
    expect(page.locator(".backup-codes li")).to_have_count(10)
    check_page(page, "security-two-factor-backup-codes")

    page.get_by_role("button", name="Log out Clinician").click()
    _log_in(page, base)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    check_page(page, "security-two-factor-code")
    page.get_by_label("Code").fill(_app_code(secret, later=1))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    assert problems == []
