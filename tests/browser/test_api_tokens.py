"""The API token page in a real browser: a clinician creates a token, copies it once, uses it
against the REST API, and revokes it; axe-core checks the page at desktop and phone width."""

from types import SimpleNamespace

import pytest
from django.test import Client as ApiClient
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from tests.portal.browser_helpers import check_page, fits_the_width, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("clinician")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _clients(secret: str) -> int:
    api = ApiClient(headers={"Authorization": f"Bearer {secret}"})
    return api.get("/api/v1/clients").status_code


def test_a_clinician_creates_uses_and_revokes_a_token(
    live_server: object, page: Page, phone: Page, clinic: SimpleNamespace
) -> None:
    base = str(live_server)
    problems = watch_console(page)
    _log_in(page, base)
    page.goto(f"{base}/api/tokens/")
    check_page(page, "api-tokens-empty")
    page.get_by_label("What it is for").fill("My analysis scripts")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Create the token").click()
    # A token needs the password typed again; then back to the page to create it.
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    check_page(page, "reauthenticate")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_label("What it is for").fill("My analysis scripts")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Create the token").click()
    secret = page.get_by_label("Token", exact=True).input_value()
    check_page(page, "api-tokens-new")
    assert _clients(secret) == 200
    page.get_by_role("button", name="Revoke My analysis scripts").click()
    expect(page.get_by_text("Token revoked: it no longer works.")).to_be_visible()
    check_page(page, "api-tokens-revoked")
    assert _clients(secret) == 401
    assert problems == []
    _log_in(phone, base)
    phone.goto(f"{base}/api/tokens/")
    check_page(phone, "api-tokens-phone")
    assert fits_the_width(phone)
