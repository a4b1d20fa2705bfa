"""The clinician's side of the session loop in a real browser: the caseload, the client page
with its charts drawn under the strict Content-Security-Policy, acknowledging an alert with
htmx, and the session page; axe-core checks every page."""

from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import ConsoleMessage, Page, expect

from alliance.feedback.models import Alert
from alliance.measures.models import Rater, Response
from tests.browser.conftest import screenshot
from tests.clinic.builders import rated_episode
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A client who started low, fell below the expected band at session 3 and then improved
# reliably; the alliance dipped at session 2.
# Still below the expected path at the last session, so the not-on-track alert stays open (a
# later score back on track resolves it: the alert lifecycle of issue 12).
OUTCOME = [14.0, 15.0, 13.0, 12.0, 11.0]
ALLIANCE = [38.0, 34.0, 36.0, 39.0, 40.0]


def _log_in(page: Page, base: str, username: str = "clinician") -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _console_problems(page: Page) -> list[str]:
    problems: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            problems.append(message.text)

    page.on("console", keep)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def _serious_violations(page: Page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']]})"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def test_the_clinician_sees_the_charts_and_acknowledges_an_alert_in_one_click(
    live_server: object, page: Page, clinic: SimpleNamespace
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    episode = rated_episode(clinic, OUTCOME, ALLIANCE)
    problems = _console_problems(page)
    _log_in(page, base)
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    assert _serious_violations(page) == []
    screenshot(page, "clinic-caseload")

    with page.expect_response(f"{base}/episodes/{episode.pk}/") as answer:
        page.get_by_role("link", name=episode.client.display_name).click()
    assert "script-src 'self'" in answer.value.headers["content-security-policy"]
    expect(page.locator("figure.chart-drawn")).to_have_count(3)
    expect(page.locator("#figure-chart-outcome svg")).to_be_visible()
    # Hovering a score shows its tooltip, styled by our stylesheet (no injected <style>).
    point = page.locator("#figure-chart-outcome g.mark-symbol path[fill='#1f5fbf']").last
    point.scroll_into_view_if_needed()
    box = point.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#vg-tooltip-element.visible")).to_contain_text("11.0")
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert problems == []
    assert _serious_violations(page) == []
    screenshot(page, "clinic-episode")

    alert = Alert.objects.open().filter(episode=episode, rule="not_on_track").get()
    card = page.locator(f"#alert-{alert.pk}")
    page.evaluate("window.notReloaded = true")
    card.get_by_label("Note (optional)").fill("Discussed with the client")
    card.get_by_role("button", name="Acknowledge").click()
    expect(card).to_contain_text("Acknowledged by Clinician")
    expect(card).to_contain_text("Discussed with the client")
    assert page.evaluate("window.notReloaded") is True  # swapped by htmx, not a new page
    # Focus moves to the swapped card, so a screen reader reads out the acknowledgement.
    expect(card).to_be_focused()
    alert.refresh_from_db()
    assert alert.acknowledged_by == clinic.clinician
    assert alert.acknowledgement_note == "Discussed with the client"
    screenshot(page, "clinic-acknowledged")


def test_the_clinician_starts_a_session_and_records_attendance_and_an_own_rating(
    live_server: object, page: Page, clinic: SimpleNamespace
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    episode = rated_episode(clinic, [18.0], [33.0])
    problems = _console_problems(page)
    _log_in(page, base)
    page.goto(f"{base}/episodes/{episode.pk}/")
    page.get_by_role("button", name="Start session 2").click()
    # Nothing is booked today: starting an unbooked session asks once more (issue 11).
    page.get_by_role("button", name="Yes, start session 2 now").click()
    expect(page.get_by_role("heading", name="Session 2")).to_be_visible()
    expect(page.get_by_label("Attended")).to_be_checked()
    assert _serious_violations(page) == []
    screenshot(page, "clinic-session")

    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_role("status")).to_contain_text("Attendance saved.")
    for label, value in (
        ("Relationship", "9.5"),
        ("Goals and topics", "9"),
        ("Approach or method", "9.2"),
        ("Overall", "9.3"),
    ):
        page.get_by_label(label, exact=False).first.fill(value)
    page.get_by_role("button", name="Save my rating").click()
    expect(page.get_by_text("You rated this session 37.0 on the SRS.")).to_be_visible()
    own = Response.objects.get(session__episode=episode, rater=Rater.CLINICIAN)
    assert (own.session.number, own.total, own.rater_user) == (2, 37.0, clinic.clinician)
    assert problems == []
    assert _serious_violations(page) == []
    screenshot(page, "clinic-session-rated")


def test_the_caseload_and_the_client_page_work_on_a_phone_and_print(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    calm = rated_episode(clinic, [26.0, 28.0, 30.0], [39.0, 39.5, 40.0])
    off_track = rated_episode(clinic, [20.0, 14.0, 15.0], [38.0, 35.0, 36.5])
    _log_in(phone, base)
    rows = phone.locator("table.caseload tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text(off_track.client.display_name)
    # Without open alerts, clients follow in the order their episodes started.
    expect(rows.nth(1)).to_contain_text(clinic.episode.client.display_name)
    expect(rows.last).to_contain_text(calm.client.display_name)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert _serious_violations(phone) == []
    screenshot(phone, "clinic-caseload-phone")

    phone.get_by_role("link", name=off_track.client.display_name).click()
    expect(phone.locator("figure.chart-drawn")).to_have_count(3)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert _serious_violations(phone) == []
    screenshot(phone, "clinic-episode-phone")

    phone.emulate_media(media="print")
    expect(phone.locator("#figure-chart-outcome svg")).to_be_visible()
    expect(phone.get_by_role("button", name="Start session 4")).to_be_hidden()
    screenshot(phone, "clinic-episode-print")
