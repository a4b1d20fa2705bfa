"""The waiting-room kiosk in a real browser: the clinician makes a code, a client types it and
answers the ORS with the mouse, in Dutch; wrong codes are refused kindly."""

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from alliance.measures.models import Response
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD
from tests.portal.browser_helpers import check_page, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _make_code(page: Page, base: str, clinic: SimpleNamespace) -> str:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("clinician")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{base}/sessions/{clinic.session.pk}/")
    page.get_by_role("button", name="Make a kiosk code (ORS)").click()
    code = page.locator(".kiosk-code-shown").inner_text()
    check_page(page, "portal-kiosk-code-for-the-clinician")
    return code


def _click_line(page: Page, index: int, fraction: float) -> None:
    page.locator(".slider").nth(index).scroll_into_view_if_needed()
    box = page.locator(".slider-track").nth(index).bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * fraction, box["y"] + box["height"] / 2)


def test_a_client_types_the_code_and_answers_the_ors_with_the_mouse_in_dutch(
    live_server: object, page: Page, clinic: SimpleNamespace
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    code = _make_code(page, base, clinic)
    assert re.fullmatch(r"[A-Z0-9]{3} [A-Z0-9]{3}", code)
    kiosk = page.context.browser.new_context(viewport={"width": 1024, "height": 768})  # type: ignore[union-attr]
    screen = kiosk.new_page()
    problems = watch_console(screen)
    screen.goto(f"{base}/rate/kiosk/")
    screen.get_by_role("button", name="Nederlands").click()
    expect(screen.get_by_role("heading", name="Welkom")).to_be_visible()
    check_page(screen, "portal-kiosk-welcome-nl")
    screen.get_by_label("Uw code").fill(code.lower())
    screen.get_by_role("button", name="Beginnen").click()
    expect(screen.get_by_role("slider", name="Individueel")).to_be_visible()
    expect(screen.get_by_text("0 = Laag").first).to_be_visible()
    check_page(screen, "portal-kiosk-form-nl")
    for index, fraction in enumerate((0.25, 0.5, 0.75, 1.0)):
        _click_line(screen, index, fraction)
    # A drag moves the mark too.
    screen.locator(".slider").nth(0).scroll_into_view_if_needed()
    box = screen.locator(".slider-track").nth(0).bounding_box()
    assert box is not None
    screen.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + 5)
    screen.mouse.down()
    screen.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + 5, steps=5)
    screen.mouse.up()
    expect(screen.get_by_role("slider", name="Individueel")).to_have_attribute(
        "aria-valuenow", "4.0"
    )
    expect(screen.get_by_role("slider", name="Individueel")).to_have_attribute(
        "aria-valuetext", "4,0 van de 10"
    )
    screenshot(screen, "portal-kiosk-form-nl-answered")
    screen.get_by_role("button", name="Verstuur mijn antwoorden").click()
    expect(screen.get_by_role("heading", name="Dank u wel")).to_be_visible()
    check_page(screen, "portal-kiosk-thanks-nl")
    response = Response.objects.get()
    assert response.method == "kiosk"
    assert response.items == {"ors_1": 4.0, "ors_2": 5.0, "ors_3": 7.5, "ors_4": 10.0}
    screen.get_by_role("button", name="Klaar").click()
    expect(screen.get_by_label("Uw code")).to_be_visible()
    assert problems == []
    kiosk.close()


def test_a_wrong_code_is_refused_kindly(
    live_server: object, page: Page, clinic: SimpleNamespace
) -> None:
    page.goto(f"{live_server.url}/rate/kiosk/")  # type: ignore[attr-defined]
    page.get_by_label("Your code").fill("AAA AAA")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("alert")).to_contain_text("That code does not work")
    check_page(page, "portal-kiosk-wrong-code")
