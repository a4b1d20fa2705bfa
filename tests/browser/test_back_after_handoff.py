"""The Back button after a tablet hand-off, in a real browser (issue 13, point 2): the client
holding the tablet presses Back again and again and sees only their own form, never the session
page, the client's page or the caseload with other clients' names. Tried with Chromium's
back-forward cache off (Playwright's default) and on (as on a real tablet)."""

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, Page, expect

from alliance.care.models import SessionStatus
from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, screenshot
from tests.factories import PASSWORD, make_client, make_episode
from tests.portal.browser_helpers import watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FORM_HEADING = "Outcome Rating Scale"


@pytest.fixture
def chromium_with_back_forward_cache(chromium: Browser) -> Iterator[Browser]:
    """Debian's chromium as a tablet runs it: Playwright switches the back-forward cache off by
    default, which would hide a page restored from memory."""
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM,
        args=CHROMIUM_FLAGS,
        ignore_default_args=["--disable-back-forward-cache"],
    )
    yield browser
    browser.close()


@pytest.fixture
def caseload(clinic: SimpleNamespace) -> SimpleNamespace:
    """The clinician's client, named, and two more clients of theirs on the caseload."""
    clinic.session.status = SessionStatus.SCHEDULED
    clinic.session.save(update_fields=["status"])
    client = clinic.episode.client
    client.display_name = "Robin Ashdown"
    client.save(update_fields=["display_name"])
    others = [make_client(clinic.org, name=name) for name in ("Morgan Fairley", "Alex Brightwater")]
    for other in others:
        make_episode(clinic.team_a, clinic.clinician, client=other)
    clinic.names = [client.display_name] + [other.display_name for other in others]
    return clinic


def _staff_pages_then_hand_over(page: Page, base: str, clinic: SimpleNamespace) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("clinician")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{base}/caseload/")
    for name in clinic.names:
        expect(page.get_by_text(name).first).to_be_visible()
    page.goto(f"{base}/episodes/{clinic.episode.pk}/")
    expect(page.get_by_text(clinic.names[0]).first).to_be_visible()
    page.goto(f"{base}/sessions/{clinic.session.pk}/")
    page.get_by_role("button", name="Hand the tablet to the client (ORS)").click()
    expect(page.get_by_role("heading", name=FORM_HEADING)).to_be_visible()
    expect(page).to_have_url(f"{base}/rate/tablet/")


def _only_the_client_form(page: Page, base: str, clinic: SimpleNamespace) -> None:
    expect(page.get_by_role("heading", name=FORM_HEADING)).to_be_visible()
    expect(page).to_have_url(f"{base}/rate/tablet/")
    text = page.locator("body").inner_text()
    for name in clinic.names:
        assert name not in text
    assert "Caseload" not in text and "Hand the tablet" not in text


def _press_back_until_the_start(page: Page, base: str, clinic: SimpleNamespace, name: str) -> int:
    """Back as often as the history allows; after each press only the client's form shows."""
    presses = 0
    for presses in range(1, 8):
        page.go_back(wait_until="load")
        screenshot(page, f"{name}-back-{presses}")
        if page.url == "about:blank":  # before the log-in page: nothing left to go back to
            break
        _only_the_client_form(page, base, clinic)
    return presses


def test_back_after_a_hand_off_shows_only_the_client_form(
    live_server: object, page: Page, caseload: SimpleNamespace
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    problems = watch_console(page)
    _staff_pages_then_hand_over(page, base, caseload)
    assert _press_back_until_the_start(page, base, caseload, "handoff-back") >= 3
    assert problems == []


def test_back_after_a_hand_off_shows_only_the_client_form_with_the_back_forward_cache(
    live_server: object, chromium_with_back_forward_cache: Browser, caseload: SimpleNamespace
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    context = chromium_with_back_forward_cache.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = watch_console(page)
    try:
        _staff_pages_then_hand_over(page, base, caseload)
        assert _press_back_until_the_start(page, base, caseload, "handoff-back-bfcache") >= 3
    finally:
        context.close()
    assert problems == []


def test_the_hand_off_replaces_the_session_page_in_the_history(
    live_server: object, page: Page, caseload: SimpleNamespace
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    _staff_pages_then_hand_over(page, base, caseload)
    # The client's form took the session page's place: one step back is the client's page
    # (asked of the server again, so answered with the form), not the session page.
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.go_back(wait_until="load")
    assert requested[0] == f"{base}/episodes/{caseload.episode.pk}/"
    _only_the_client_form(page, base, caseload)


RESTORED = "window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: %s}))"


def test_a_page_restored_from_the_back_forward_cache_is_asked_of_the_server_again(
    live_server: object, page: Page, db: None
) -> None:
    # Chromium keeps no page with an error status or Cache-Control: no-store in its
    # back-forward cache, so no page of ours comes back from it today; should a browser ever
    # restore one, history.js reloads it. Told "restored from the cache", the page reloads;
    # told "loaded", it does not.
    base = live_server.url  # type: ignore[attr-defined]
    page.goto(f"{base}/accounts/login/")
    page.evaluate("window.allianceMarker = 'kept in memory'")
    page.evaluate(RESTORED % "false")
    page.wait_for_timeout(300)
    assert page.evaluate("window.allianceMarker") == "kept in memory"
    with page.expect_navigation(url=f"{base}/accounts/login/"):
        page.evaluate(RESTORED % "true")
    page.wait_for_load_state("load")
    assert page.evaluate("window.allianceMarker === undefined")
