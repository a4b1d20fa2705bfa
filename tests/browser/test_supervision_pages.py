"""A supervisor opens the team page, then a clinician's development page, in a real browser;
both pass axe and fit a 360 px phone."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_and_caseload import _log_in
from tests.clinic.builders import rated_episode
from tests.portal.browser_helpers import check_page, fits_the_width, watch_console
from tests.supervision.builders import rated_episodes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _team_with_history(clinic: SimpleNamespace) -> None:
    rated_episode(clinic, [20.0, 16.0, 14.0, 12.0, 10.0], [38, 34, 38, 38, 38])
    intakes = [12.0, 15.0, 18.0, 21.0, 24.0, 14.0, 17.0, 20.0, 23.0, 13.0, 16.0, 19.0]
    # Closed episodes: clinician estimates leave open ones out by default (issue 18).
    own = [(i, i + 9.0) for i in intakes]
    rated_episodes(clinic.team_a, clinic.clinician, own, ending="planned")
    rated_episodes(clinic.team_a, clinic.clinician, [(15.0, 18.0)] * 2, ending="ghosted")
    for peer, shift in ((clinic.colleague, 3.0), (clinic.other_supervisor, 5.0)):
        peers = [(i, i + shift) for i in intakes]
        rated_episodes(clinic.team_a, peer, peers, alliance=35.0, ending="planned")


def test_a_supervisor_reviews_the_team_and_a_clinicians_development(
    live_server: object, page: Page, clinic: SimpleNamespace
) -> None:
    _team_with_history(clinic)
    problems = watch_console(page)
    _log_in(page, live_server.url, "supervisor")  # type: ignore[attr-defined]
    page.get_by_role("link", name="Team", exact=True).click()
    expect(page.get_by_role("heading", name="Not on track for several sessions")).to_be_visible()
    check_page(page, "supervision-team")
    page.get_by_role("link", name="Clinician: development").click()
    expect(page.get_by_role("heading", name="Clinician: development")).to_be_visible()
    expect(
        page.get_by_text("the interval includes it").or_(page.get_by_text("whole interval"))
    ).to_be_visible()
    expect(page.locator("figure.chart-drawn")).to_have_count(1)
    expect(page.locator("#figure-estimate svg")).to_be_visible()
    check_page(page, "supervision-development")
    assert problems == []


def test_a_clinician_reads_their_own_development_page_on_a_phone(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    _team_with_history(clinic)
    _log_in(phone, live_server.url, "clinician")  # type: ignore[attr-defined]
    phone.get_by_role("link", name="Your development").click()
    expect(phone.get_by_role("heading", name="Your development")).to_be_visible()
    expect(phone.locator("figure.chart-drawn")).to_have_count(1)
    check_page(phone, "supervision-development-phone")
    assert fits_the_width(phone)
