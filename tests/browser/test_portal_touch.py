"""A real-phone-like finger on the client's form, in chromium at 360 px: touch events sent
through the DevTools protocol (Input.dispatchTouchEvent) go through the browser's own gesture
handling, so a flick up from a line scrolls the page as on a phone. Only what the client meant
sets a line: a tap, a mostly sideways drag, or the keyboard; a scroll that starts on a line
leaves it unanswered. The error summary goes once the line it names is answered."""

from types import SimpleNamespace
from typing import Any

import pytest
from playwright.sync_api import CDPSession, Page, expect

from alliance.measures.models import Response
from alliance.portal.services import invitation_create
from tests.browser.conftest import screenshot
from tests.portal.browser_helpers import check_page, fits_the_width, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Finger:
    """One finger on the screen, as a phone's touch screen reports it."""

    def __init__(self, phone: Page) -> None:
        self.phone = phone
        self.cdp: CDPSession = phone.context.new_cdp_session(phone)

    def _send(self, kind: str, points: list[dict[str, Any]]) -> None:
        self.cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    def gesture(self, start: tuple[float, float], end: tuple[float, float], steps: int) -> None:
        """Touch at ``start``, move in ``steps`` even steps to ``end``, lift."""
        (x0, y0), (x1, y1) = start, end
        self._send("touchStart", [{"x": x0, "y": y0, "id": 1}])
        for step in range(1, steps + 1):
            share = step / steps
            self._send(
                "touchMove", [{"x": x0 + (x1 - x0) * share, "y": y0 + (y1 - y0) * share, "id": 1}]
            )
            self.phone.wait_for_timeout(16)  # about one frame, as a real finger reports
        self._send("touchEnd", [])
        self.phone.wait_for_timeout(100)

    def tap(self, at: tuple[float, float]) -> None:
        self.gesture(at, at, 0)


def _link(base: str, clinic: SimpleNamespace, measure: str = "srs") -> str:
    _invitation, token = invitation_create(
        session=clinic.session, measures=[measure], channel="link", created_by=clinic.clinician
    )
    return f"{base}/rate/l/{token}/"


def _on_line(phone: Page, index: int, fraction: float) -> tuple[float, float]:
    """A point on line ``index``, ``fraction`` of the way along its track, in the viewport."""
    phone.locator(".slider").nth(index).scroll_into_view_if_needed()
    track = phone.locator(".slider-track").nth(index).bounding_box()
    assert track is not None
    return track["x"] + track["width"] * fraction, track["y"] + track["height"] / 2


def _scrolled(phone: Page) -> float:
    return float(phone.evaluate("window.scrollY"))


def _flick(phone: Page, finger: Finger, index: int, fraction: float, wobble: float) -> float:
    """Flick from a point on a line, up (or down when the page is scrolled to its end); returns
    how far the page scrolled."""
    phone.locator(".slider").nth(index).evaluate("line => line.scrollIntoView({block: 'center'})")
    x, y = _on_line(phone, index, fraction)
    room = phone.evaluate("document.documentElement.scrollHeight - innerHeight - scrollY")
    distance = -220 if room > 100 else 220
    before = _scrolled(phone)
    finger.gesture((x, y), (x + wobble, y + distance), steps=8)
    return abs(_scrolled(phone) - before)


def _value(phone: Page, index: int) -> str | None:
    return phone.get_by_role("slider").nth(index).get_attribute("aria-valuetext")


def test_a_flick_up_from_a_line_scrolls_the_page_and_leaves_the_line_unanswered(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    problems = watch_console(phone)
    phone.goto(_link(live_server.url, clinic))  # type: ignore[attr-defined]
    assert phone.viewport_size == {"width": 360, "height": 740}
    assert fits_the_width(phone)
    finger = Finger(phone)
    for index in range(4):
        for fraction, wobble in ((0.3, 0), (0.6, 14), (0.85, -9)):
            # Straight, and with a little sideways wobble, as a thumb flicks.
            moved = _flick(phone, finger, index, fraction, wobble)
            assert moved > 50, f"line {index + 1}: the page did not scroll ({moved} px)"
            assert _value(phone, index) == "not answered yet", f"a scroll set line {index + 1}"
    expect(phone.locator(".question.line.answered")).to_have_count(0)
    screenshot(phone, "portal-touch-after-flicks")
    assert problems == []


def test_a_tap_and_a_sideways_drag_set_a_line_and_the_keyboard_still_moves_it(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    problems = watch_console(phone)
    phone.goto(_link(live_server.url, clinic))  # type: ignore[attr-defined]
    finger = Finger(phone)
    finger.tap(_on_line(phone, 0, 0.8))
    assert _value(phone, 0) == "8.0 out of 10"
    # A drag that wanders a little up or down while going sideways still counts.
    x, y = _on_line(phone, 1, 0.2)
    width = phone.locator(".slider-track").nth(1).bounding_box()["width"]  # type: ignore[index]
    finger.gesture((x, y), (x + width * 0.5, y + 12), steps=10)
    assert _value(phone, 1) == "7.0 out of 10"
    # A tap that shifts a few pixels as the finger lifts is still a tap.
    x, y = _on_line(phone, 2, 0.45)
    finger.gesture((x, y), (x + 3, y - 4), steps=2)
    assert _value(phone, 2) in ("4.5 out of 10", "4.6 out of 10")
    slider = phone.get_by_role("slider").nth(2)
    expect(slider).to_be_focused()
    phone.keyboard.press("PageUp")
    phone.keyboard.press("ArrowLeft")
    assert _value(phone, 2) in ("5.4 out of 10", "5.5 out of 10")
    phone.get_by_role("slider").nth(3).focus()
    phone.keyboard.press("End")
    assert _value(phone, 3) == "10.0 out of 10"
    screenshot(phone, "portal-touch-answered")
    phone.get_by_role("button", name="Send my answers").tap()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    response = Response.objects.get()
    assert response.items["srs_1"] == 8.0 and response.items["srs_2"] == 7.0
    assert response.items["srs_4"] == 10.0
    assert problems == []


def test_the_error_summary_goes_once_the_line_it_names_is_answered(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    problems = watch_console(phone)
    url = _link(live_server.url, clinic)  # type: ignore[attr-defined]
    phone.goto(url)
    finger = Finger(phone)
    for index in (0, 1):
        finger.tap(_on_line(phone, index, 0.9))
    phone.get_by_role("button", name="Send my answers").tap()
    summary = phone.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_have_count(2)
    check_page(phone, "portal-touch-error-summary")
    finger.tap(_on_line(phone, 2, 0.7))
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(summary).to_contain_text("Overall")
    expect(summary).to_be_visible()
    finger.tap(_on_line(phone, 3, 0.7))
    expect(summary).to_be_hidden()
    expect(phone.locator(".question.has-error")).to_have_count(0)
    assert problems == []


def test_the_servers_error_summary_goes_too_once_the_line_is_answered(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    url = _link(live_server.url, clinic)  # type: ignore[attr-defined]
    phone.goto(url)
    finger = Finger(phone)
    for index in (0, 1, 2):
        finger.tap(_on_line(phone, index, 0.9))
    # Sent past the page's own check (as by a browser without the script's submit handler):
    # the server refuses it and names the line.
    with phone.expect_navigation():
        phone.evaluate("document.getElementById('measure-form').submit()")
    summary = phone.locator("#error-summary")
    expect(summary).to_contain_text("Overall still needs an answer")
    expect(summary).to_be_focused()
    check_page(phone, "portal-touch-server-error-summary")
    finger.tap(_on_line(phone, 3, 0.5))
    expect(summary).to_be_hidden()
    phone.get_by_role("button", name="Send my answers").tap()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    assert Response.objects.get().items["srs_4"] == 5.0


def test_the_error_summary_goes_once_the_question_it_names_is_answered_on_the_phq9(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    problems = watch_console(phone)
    phone.goto(_link(live_server.url, clinic, "phq9"))  # type: ignore[attr-defined]
    for number in range(1, 9):
        phone.locator(f"#q-phq9_{number}").get_by_text("Not at all").tap()
    phone.get_by_role("button", name="Send my answers").tap()
    summary = phone.locator("#error-summary")
    expect(summary).to_contain_text("Question 9 still needs an answer")
    check_page(phone, "portal-touch-phq9-error-summary")
    phone.locator("#q-phq9_9").get_by_text("Not at all").tap()
    expect(summary).to_be_hidden()
    expect(phone.locator(".question.has-error")).to_have_count(0)
    assert problems == []
