"""Appointments in a real browser, on a 360 px phone and on a desktop: booking from the client
page, the booking listed, the day view with what is due, "this booked session is starting",
cancelling with a reason; every page passes axe and fits the width (issue 11, point 4)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alliance.care import appointments
from alliance.care.models import Session, SessionStatus
from tests.factories import PASSWORD
from tests.portal.browser_helpers import check_page, fits_the_width, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _week(clinic: SimpleNamespace, page: Page, base: str, width: str) -> None:
    problems = watch_console(page)
    appointments.appointment_book(
        episode=clinic.episode,
        by=clinic.clinician,
        starts_at=timezone.now() + dt.timedelta(minutes=15),
        duration_minutes=30,
    )
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("clinician")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("columnheader", name="Appointments")).to_be_attached()
    check_page(page, f"appointments-caseload-{width}")
    assert fits_the_width(page)

    page.goto(f"{base}/episodes/{clinic.episode.pk}/")
    day = timezone.localdate() + dt.timedelta(days=7)
    booking = page.get_by_role("group", name="Book")
    booking.get_by_label("Date").fill(f"{day:%Y-%m-%d}")
    booking.get_by_label("Time").fill("16:30")
    booking.get_by_label("How").select_option("video")
    booking.get_by_label("Repeat").select_option("weekly")
    booking.get_by_label("Number of sessions").fill("3")
    booking.get_by_role("button", name="Book").click()
    expect(page.get_by_role("status")).to_contain_text("3 sessions booked")
    expect(page.locator(".appointment-list")).to_contain_text("16:30")
    check_page(page, f"appointments-episode-{width}")
    assert fits_the_width(page)

    page.get_by_role("link", name="Cancel session 5").click()
    page.get_by_label("The client").check()
    page.get_by_label("Reason").fill("Away that week")
    check_page(page, f"appointments-cancel-{width}")
    assert fits_the_width(page)
    page.get_by_role("button", name="Cancel the session").click()
    expect(page.get_by_role("status")).to_contain_text("Session cancelled")

    page.get_by_role("link", name="Today").click()
    row = page.get_by_role("row", name=clinic.episode.client.display_name)
    expect(row).to_contain_text("ORS")
    expect(row).to_contain_text("SRS")
    check_page(page, f"appointments-today-{width}")
    assert fits_the_width(page)
    row.get_by_role("button", name="Session 2 is starting").click()
    expect(page.get_by_role("heading", level=1, name="Session 2")).to_be_visible()
    assert problems == []
    statuses = list(
        Session.objects.filter(episode=clinic.episode)
        .order_by("starts_at")
        .values_list("status", "number")
    )
    assert statuses == [
        (SessionStatus.ATTENDED, 1),
        (SessionStatus.ATTENDED, 2),
        (SessionStatus.SCHEDULED, 3),
        (SessionStatus.SCHEDULED, 4),
        (SessionStatus.CANCELLED, None),
    ]


def test_a_clinicians_week_on_a_phone(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    _week(clinic, phone, live_server.url, "phone")  # type: ignore[attr-defined]


def test_a_clinicians_week_on_a_desktop(
    live_server: object, page: Page, clinic: SimpleNamespace
) -> None:
    _week(clinic, page, live_server.url, "desktop")  # type: ignore[attr-defined]
