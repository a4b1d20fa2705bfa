"""A date or time picked in a browser whose picker follows another language (Debian's chromium
draws "mm/dd/yyyy" and "--:-- --") is written beside it in words in the page's language, so a
German clinician never misreads 12/07 (issue 17)."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("language", "day", "booking"),
    [("de", "Montag, 7. Dezember 2026", "Buchen"), ("nl", "maandag 7 december 2026", "Plannen")],
)
def test_the_chosen_day_and_time_are_written_in_the_pages_language(
    live_server: object, page: Page, clinic: SimpleNamespace, language: str, day: str, booking: str
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    clinic.clinician.language = language
    clinic.clinician.save(update_fields=["language"])
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill("clinician")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.goto(f"{base}/episodes/{clinic.episode.pk}/")
    page.locator("#book-day").fill("2026-12-07")
    page.locator("#book-time").fill("14:30")
    words = page.locator(".date-words")
    expect(words.nth(0)).to_have_text(day)
    expect(words.nth(1)).to_have_text("14:30")
    expect(page.get_by_role("group", name=booking)).to_be_visible()
