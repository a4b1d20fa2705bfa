"""The audit log in a real browser: an administrator finds what a clinician looked at and
downloads the search as CSV; axe-core checks the page."""

import csv
import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from alliance.audit.models import Action, AuditEvent
from tests.factories import PASSWORD
from tests.portal.browser_helpers import check_page, fits_the_width, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _clinician_opens_the_client_and_the_session(
    page: Page, base: str, clinic: SimpleNamespace
) -> None:
    """The clinician, in a browser of their own, opens the client's page and then the session."""
    context = page.context.browser.new_context()  # type: ignore[union-attr]
    theirs = context.new_page()
    theirs.goto(f"{base}/accounts/login/")
    theirs.get_by_label("User name").fill("clinician")
    theirs.get_by_label("Password").fill(PASSWORD)
    theirs.get_by_role("button", name="Log in").click()
    theirs.goto(f"{base}/episodes/{clinic.episode.pk}/")
    theirs.goto(f"{base}/sessions/{clinic.session.pk}/")
    context.close()


def test_an_administrator_searches_the_log_and_downloads_it(
    live_server: object, page: Page, clinic: SimpleNamespace
) -> None:
    base = str(live_server)
    _clinician_opens_the_client_and_the_session(page, base, clinic)
    problems = watch_console(page)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("administrator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Person (username)").fill("clinician")
    page.get_by_label("Client code").fill(clinic.episode.client.code)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="2 events")).to_be_visible()
    expect(page.get_by_role("row", name=f"session {clinic.session.pk}")).to_be_visible()
    check_page(page, "audit-search")
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download these events as CSV").click()
    download = waiting.value
    assert download.suggested_filename.startswith("audit-")
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(row["record_kind"], row["address"]) for row in rows] == [
        ("session", "127.0.0.1"),
        ("episode", "127.0.0.1"),
    ]
    assert AuditEvent.objects.filter(action=Action.EXPORT, actor=clinic.administrator).exists()
    assert problems == []


def test_the_audit_log_fits_a_phone_and_only_its_table_scrolls_sideways(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    """Review 17, point 1: the nine columns made the whole page 1,159 pixels wide at 360."""
    base = str(live_server)
    _clinician_opens_the_client_and_the_session(phone, base, clinic)
    phone.goto(f"{base}/accounts/login/")
    phone.get_by_label("User name").fill("administrator")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").tap()
    phone.wait_for_url(lambda url: "/accounts/login/" not in url)
    phone.goto(f"{base}/audit/?username=clinician&client_code={clinic.episode.client.code}")
    expect(phone.get_by_role("heading", name="2 events")).to_be_visible()
    assert fits_the_width(phone)
    region = phone.get_by_role("region", name="Audit events, newest first")
    assert region.evaluate("box => box.scrollWidth > box.clientWidth")  # the table scrolls
    region.focus()  # a keyboard user can scroll it too
    phone.keyboard.press("ArrowRight")
    # The browser scrolls smoothly, so the new position arrives a moment later.
    phone.wait_for_function("() => document.querySelector('.table-scroll').scrollLeft > 0")
    check_page(phone, "audit-phone")
