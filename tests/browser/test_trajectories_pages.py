"""An administrator refits the ORS expected trajectory in a real browser, reads the preview and
puts the candidate in use; a supervisor reads the pages on a phone. Axe finds nothing serious."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from alliance.feedback.models import FitStatus, TrajectoryFit
from tests.browser.test_login_and_caseload import _log_in
from tests.factories import PASSWORD
from tests.portal.browser_helpers import check_page, fits_the_width, watch_console
from tests.trajectories.builders import closed_ors_episodes
from tests.trajectories.test_local_model_in_use import steep_local_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_refits_previews_and_puts_the_fit_in_use(
    live_server: object, page: Page, clinic: SimpleNamespace, settings: object
) -> None:
    settings.ALLIANCE = {**settings.ALLIANCE, "TRAJECTORY_MIN_EPISODES": 60}  # type: ignore[attr-defined]
    closed_ors_episodes(clinic, 80)
    problems = watch_console(page)
    _log_in(page, live_server.url, "administrator")  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/trajectories/")  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", name="Expected trajectories")).to_be_visible()
    check_page(page, "trajectories-index")
    page.locator('a[href="/trajectories/ors/"]').click()
    page.get_by_role("button", name="Refit on the closed episodes").click()
    expect(page.get_by_role("heading", name="How the expected paths would change")).to_be_visible()
    expect(page.locator("figure.chart-drawn")).to_have_count(1)
    check_page(page, "trajectories-preview")
    page.get_by_role("button", name="Put the candidate in use").click()
    # Putting a model in use needs the password again; then the button once more.
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("button", name="Put the candidate in use").click()
    expect(page.get_by_text("Fitted on this clinic's 80 closed episodes")).to_be_visible()
    check_page(page, "trajectories-in-use")
    assert problems == []


def test_a_supervisor_reads_why_a_local_fit_is_not_possible_yet_on_a_phone(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    closed_ors_episodes(clinic, 12)
    _log_in(phone, live_server.url, "supervisor")  # type: ignore[attr-defined]
    phone.goto(f"{live_server.url}/trajectories/ors/")  # type: ignore[attr-defined]
    expect(phone.get_by_text("288 more closed episodes")).to_be_visible()
    expect(phone.get_by_text("Only an administrator can refit")).to_be_visible()
    check_page(phone, "trajectories-not-enough-phone")
    assert fits_the_width(phone)


def test_a_supervisor_reads_the_preview_of_a_candidate_on_a_phone(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    TrajectoryFit.objects.create(
        organisation=clinic.org,
        measure="ors",
        status=FitStatus.DONE,
        model_json=steep_local_model().to_json(),
        n_episodes=412,
        n_ratings=2300,
    )
    problems = watch_console(phone)
    _log_in(phone, live_server.url, "supervisor")  # type: ignore[attr-defined]
    phone.goto(f"{live_server.url}/trajectories/ors/")  # type: ignore[attr-defined]
    expect(phone.locator("figure.chart-drawn")).to_have_count(1)
    expect(phone.get_by_role("button", name="Put the candidate in use")).to_have_count(0)
    check_page(phone, "trajectories-preview-phone")
    assert fits_the_width(phone)
    assert problems == []
