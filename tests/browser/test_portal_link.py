"""A link on a 360-pixel phone: the client answers the SRS by touch, cannot send an untouched
line, sees their progress when it is shared, and a used or expired link is refused kindly."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from alliance.measures.models import Response
from alliance.measures.services import response_record
from alliance.portal.models import Invitation
from alliance.portal.services import invitation_create
from tests.browser.conftest import screenshot
from tests.factories import make_session
from tests.portal.browser_helpers import check_page, fits_the_width, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _link(base: str, clinic: SimpleNamespace, measures: tuple[str, ...] = ("srs",)) -> str:
    _invitation, token = invitation_create(
        session=clinic.session, measures=list(measures), channel="link", created_by=clinic.clinician
    )
    return f"{base}/rate/l/{token}/"


def _tap_line(phone: Page, index: int, fraction: float) -> None:
    slider = phone.locator(".slider").nth(index)
    slider.scroll_into_view_if_needed()
    outer, track = slider.bounding_box(), phone.locator(".slider-track").nth(index).bounding_box()
    assert outer is not None and track is not None
    x = track["x"] - outer["x"] + track["width"] * fraction
    slider.tap(position={"x": x, "y": outer["height"] / 2})


def test_the_client_answers_the_srs_by_touch_on_a_phone(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    problems = watch_console(phone)
    phone.goto(_link(live_server.url, clinic))  # type: ignore[attr-defined]
    expect(phone.get_by_role("heading", name="Session Rating Scale")).to_be_visible()
    assert fits_the_width(phone)
    check_page(phone, "portal-link-phone-form")
    for index, fraction in enumerate((0.95, 0.9, 1.0, 0.5)):
        _tap_line(phone, index, fraction)
    values = [
        float(phone.get_by_role("slider").nth(i).get_attribute("aria-valuenow") or "nan")
        for i in range(4)
    ]
    assert values[2] == 10.0 and 9.0 <= values[0] <= 10.0 and 4.5 <= values[3] <= 5.5
    screenshot(phone, "portal-link-phone-answered")
    phone.get_by_role("button", name="Send my answers").tap()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    assert fits_the_width(phone)
    check_page(phone, "portal-link-phone-thanks")
    response = Response.objects.get()
    assert (response.instrument, response.method) == ("srs", "link")
    assert [response.items[f"srs_{n}"] for n in range(1, 5)] == values
    assert problems == []


def test_an_untouched_line_cannot_be_sent(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    url = _link(live_server.url, clinic)  # type: ignore[attr-defined]
    phone.goto(url)
    for index in (0, 1, 3):
        _tap_line(phone, index, 0.8)
    phone.get_by_role("button", name="Send my answers").tap()
    summary = phone.get_by_role("alert")
    expect(summary).to_contain_text("Approach or method still needs an answer")
    expect(phone.get_by_role("slider", name="Approach or method")).to_be_focused()
    expect(phone).to_have_url(url)
    check_page(phone, "portal-link-untouched-line")
    assert Response.objects.count() == 0
    _tap_line(phone, 2, 0.7)
    expect(phone.locator("#q-srs_3 .field-error")).to_be_hidden()
    phone.get_by_role("button", name="Send my answers").tap()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    assert Response.objects.count() == 1


def test_a_used_and_an_expired_link_are_refused_kindly(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    used = _link(base, clinic)
    phone.goto(used)
    for index in range(4):
        _tap_line(phone, index, 0.9)
    phone.get_by_role("button", name="Send my answers").tap()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    answer = phone.goto(used)
    assert answer is not None and answer.status == 410
    expect(
        phone.get_by_role("heading", name="This form has already been filled in")
    ).to_be_visible()
    check_page(phone, "portal-link-used")

    expired = _link(base, clinic, ("ors",))
    now = timezone.now()
    Invitation.objects.filter(used_at__isnull=True).update(
        created_at=now - dt.timedelta(hours=73), expires_at=now - dt.timedelta(hours=1)
    )
    answer = phone.goto(expired)
    assert answer is not None and answer.status == 410
    expect(phone.get_by_role("heading", name="This form has closed")).to_be_visible()
    check_page(phone, "portal-link-expired")

    answer = phone.goto(f"{base}/rate/l/not-a-real-link/")
    assert answer is not None and answer.status == 404
    check_page(phone, "portal-link-unknown")


def test_the_client_sees_their_progress_chart_when_it_is_shared(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    from alliance.voice.models import TeamSharing

    TeamSharing.objects.create(team=clinic.episode.team, clients_may_see_progress=True)
    clinic.episode.share_progress_with_client = True
    clinic.episode.save(update_fields=["share_progress_with_client"])
    response_record(
        session=clinic.session, instrument_code="ors", values={f"ors_{n}": 4.0 for n in range(1, 5)}
    )
    clinic.session = make_session(clinic.episode, 2)
    problems = watch_console(phone)
    phone.goto(_link(live_server.url, clinic, ("ors",)))  # type: ignore[attr-defined]
    for index, fraction in enumerate((0.6, 0.7, 0.6, 0.8)):
        _tap_line(phone, index, fraction)
    phone.get_by_role("button", name="Send my answers").tap()
    expect(phone.get_by_text("Higher is better.")).to_be_visible()
    expect(phone.locator("figure.chart-drawn svg")).to_be_visible()
    expect(phone.get_by_role("table")).to_contain_text("16")
    assert fits_the_width(phone)
    check_page(phone, "portal-link-progress")
    assert problems == []


def test_without_scripts_the_lines_are_number_boxes_that_work(
    live_server: object, chromium: Browser, clinic: SimpleNamespace
) -> None:
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    page.goto(_link(live_server.url, clinic))  # type: ignore[attr-defined]
    for label, value in (
        ("Relationship", "9.5"),
        ("Goals and topics", "8"),
        ("Approach or method", "9.9"),
        ("Overall", "9.1"),
    ):
        page.get_by_label(label).fill(value)
    screenshot(page, "portal-link-without-scripts")
    # A full-page screenshot that moves the scroll position leaves headless chromium's clicks
    # hitting the old position on a page without scripts; a real scroll puts them back in step.
    page.mouse.wheel(0, -2000)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    assert Response.objects.get().items == {"srs_1": 9.5, "srs_2": 8.0, "srs_3": 9.9, "srs_4": 9.1}
    context.close()


def test_the_phq9_is_answered_with_radio_buttons_on_a_phone(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    phone.goto(_link(live_server.url, clinic, ("phq9",)))  # type: ignore[attr-defined]
    # Nine items, the difficulty question and the optional topics for today (issue 19).
    groups = phone.get_by_role("group")
    expect(groups).to_have_count(11)
    assert fits_the_width(phone)
    check_page(phone, "portal-link-phq9")
    for number in range(1, 10):
        phone.locator(f"#q-phq9_{number}").get_by_text("Several days").tap()
    phone.get_by_role("button", name="Send my answers").tap()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    response = Response.objects.get()
    assert response.total == 9.0 and response.risk_items == ["phq9_9"]
