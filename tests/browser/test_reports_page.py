"""The report page in a real browser: a supervisor asks for their organisation's report, sees
the charts drawn, and a wrong range is refused in words; axe-core checks desktop and phone."""

import datetime as dt
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from alliance.care.models import Ending
from tests.clinic.builders import rated_episode
from tests.factories import PASSWORD
from tests.portal.browser_helpers import check_page, fits_the_width, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("supervisor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _ask(page: Page, base: str, start: str, end: str) -> None:
    page.goto(f"{base}/reports/")
    # Picked from lists, never typed (issue 12); the dates are the browser's date inputs.
    page.get_by_label("Organisation").select_option("Riverside Counselling")
    page.get_by_label("Team (optional)").select_option(label="The whole organisation")
    page.get_by_label("From", exact=True).fill(start)
    page.get_by_label("To (included)", exact=True).fill(end)
    page.get_by_role("button", name="Show the report").click()


def test_a_supervisor_reads_the_organisation_report(
    live_server: object, page: Page, phone: Page, clinic: SimpleNamespace, settings: object
) -> None:
    # The cast has two clients: show their figures (hiding small numbers is tried in
    # tests/reports/test_small_numbers.py).
    settings.ALLIANCE = {**settings.ALLIANCE, "REPORT_MIN_CLIENTS": 1}  # type: ignore[attr-defined]
    episode = rated_episode(clinic, [15, 22, 27], [35, 38, 39])
    episode.ended_on, episode.ending = dt.date(2026, 2, 1), Ending.PLANNED
    episode.save(update_fields=["ended_on", "ending"])
    base = str(live_server)
    problems = watch_console(page)
    _log_in(page, base)
    page.goto(f"{base}/reports/")
    check_page(page, "reports-form")
    _ask(page, base, "2026-01-01", "2026-12-31")
    expect(page.locator("figure.chart-drawn")).to_have_count(2)
    expect(page.get_by_role("row", name="Recovered (share) ORS 100% 1")).to_be_visible()
    check_page(page, "reports-organisation")
    _ask(page, base, "2026-03-01", "2026-02-01")
    expect(page.get_by_text("The end date must be on or after the start date.")).to_be_visible()
    check_page(page, "reports-backwards-range")
    assert problems == []
    _log_in(phone, base)
    _ask(phone, base, "2026-01-01", "2026-12-31")
    expect(phone.locator("figure.chart-drawn")).to_have_count(2)
    check_page(phone, "reports-organisation-phone")
    assert fits_the_width(phone)
