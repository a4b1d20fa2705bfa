"""Intake in a real browser: a clinician adds a client from the caseload, on a 360 px phone and
on a desktop, and finds them on the caseload with no episode yet; the pages pass axe."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from alliance.care.models import Client
from tests.factories import PASSWORD
from tests.portal.browser_helpers import check_page, fits_the_width, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _add_a_client(page: Page, base: str, width: str) -> None:
    problems = watch_console(page)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("clinician")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="New client").click()
    expect(page.get_by_role("heading", name="New client")).to_be_visible()
    expect(page.get_by_label("Pseudonymous code")).not_to_have_value("")
    check_page(page, f"intake-form-{width}")
    assert fits_the_width(page)
    page.get_by_label("Pseudonymous code").fill("RH1984")
    page.get_by_label("Display name").fill("Robin Hart")
    page.get_by_label("Birth year").fill("1984")
    page.get_by_label("E-mail", exact=True).fill("robin@example.org")
    page.get_by_label("Consents to e-mail").check()
    page.get_by_label("Consent given on").fill("2026-01-05")
    page.get_by_label("Preferred language").select_option("nl")
    page.get_by_role("button", name="Add the client").click()
    # Intake leads on to opening the episode (issue 11, point 2); the caseload lists them.
    expect(page.get_by_role("heading", name="Open an episode")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Robin Hart (RH1984) is added")
    page.get_by_role("link", name="Caseload", exact=True).click()
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    row = page.get_by_role("row", name="Robin Hart")
    expect(row).to_contain_text("No episode yet")
    check_page(page, f"intake-caseload-{width}")
    assert fits_the_width(page)
    assert problems == []
    assert Client.objects.get(code="RH1984").created_by.username == "clinician"  # type: ignore[union-attr]


def test_a_clinician_adds_a_client_on_a_phone(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    _add_a_client(phone, live_server.url, "phone")  # type: ignore[attr-defined]


def test_a_clinician_adds_a_client_on_a_desktop(
    live_server: object, page: Page, clinic: SimpleNamespace
) -> None:
    _add_a_client(page, live_server.url, "desktop")  # type: ignore[attr-defined]


def test_a_likely_duplicate_is_pointed_out_in_the_browser(
    live_server: object, page: Page, clinic: SimpleNamespace
) -> None:
    Client.objects.create(
        organisation=clinic.org,
        code="OLD1",
        display_name="Robin Hart",
        birth_year=1984,
        age_group="adult",
    )
    base = live_server.url  # type: ignore[attr-defined]
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("clinician")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{base}/care/clients/new/")
    page.get_by_label("Display name").fill("Robin Hart")
    page.get_by_label("Birth year").fill("1984")
    page.get_by_role("button", name="Add the client").click()
    expect(page.get_by_role("alert").first).to_contain_text("OLD1")
    check_page(page, "intake-likely-duplicate")
    page.get_by_label("I checked").check()
    page.get_by_role("button", name="Add the client").click()
    expect(page.get_by_role("heading", name="Open an episode")).to_be_visible()
    assert Client.objects.filter(display_name="Robin Hart").count() == 2
