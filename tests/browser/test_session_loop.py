"""The whole session loop as one story, in a real browser: the clinician logs in, starts a
session, hands the tablet over; the client answers the ORS with the mouse; the clinician takes the
tablet back with their password, sees the chart and the new alert, and acknowledges it."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from alliance.feedback.models import Alert
from alliance.measures.services import response_record
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, make_session
from tests.portal.browser_helpers import check_page, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _earlier_sessions(clinic: SimpleNamespace) -> None:
    """Three sessions going well: intake 24, then 26 and 27.2 on the ORS, good alliance."""
    for number, line in ((1, 6.0), (2, 6.5), (3, 6.8)):
        session = clinic.session if number == 1 else make_session(clinic.episode, number)
        response_record(
            session=session, instrument_code="ors", values={f"ors_{n}": line for n in range(1, 5)}
        )
        response_record(
            session=session, instrument_code="srs", values={f"srs_{n}": 9.5 for n in range(1, 5)}
        )


def _click_line_at(page: Page, index: int, fraction: float) -> None:
    track = page.get_by_role("slider").nth(index)
    box = track.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * fraction, box["y"] + box["height"] / 2)


def test_the_whole_session_loop(live_server: object, page: Page, clinic: SimpleNamespace) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    _earlier_sessions(clinic)
    problems = watch_console(page)

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("clinician")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name=clinic.episode.client.display_name).click()
    page.get_by_role("button", name="Start session 4").click()
    # Nothing is booked today: starting an unbooked session asks once more (issue 11).
    page.get_by_role("button", name="Yes, start session 4 now").click()
    expect(page.get_by_role("heading", level=1, name="Session 4")).to_be_visible()
    page.get_by_role("button", name="Hand the tablet to the client (ORS)").click()

    # The client's turn: a much worse week, marked on each line with the mouse.
    sliders = page.get_by_role("slider")
    expect(sliders).to_have_count(4)
    for index in range(4):
        _click_line_at(page, index, 0.2)
    for index in range(4):
        expect(sliders.nth(index)).not_to_have_attribute("aria-valuetext", "not answered yet")
    check_page(page, "loop-1-client-form")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()

    # Back to the clinician, with their password.
    page.get_by_role("link", name="For the clinician: take the tablet back").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Take the tablet back").click()
    expect(page.get_by_role("heading", level=1, name="Session 4")).to_be_visible()

    page.goto(f"{base}/episodes/{clinic.episode.pk}/")
    expect(page.locator("figure.chart-drawn").first).to_be_visible()
    alert = Alert.objects.get(episode=clinic.episode, session__number=4, rule="not_on_track")
    card = page.locator(f"#alert-{alert.pk}")
    expect(card).to_contain_text("Not on track")
    check_page(page, "loop-2-clinician-sees-the-alert")
    card.get_by_label("Note (optional)").fill("Talked about the hard week; changing the plan")
    card.get_by_role("button", name="Acknowledge").click()
    expect(card).to_contain_text("Acknowledged by Clinician")
    screenshot(page, "loop-3-acknowledged")
    alert.refresh_from_db()
    assert alert.acknowledgement_note == "Talked about the hard week; changing the plan"
    assert problems == []
