"""The caseload, the client's page, the session page and the ORS form, rendered by a real
browser in Dutch and in German: no English sentence of the catalogue is left on the page.

A sentence is a catalogue message of more than three words with no placeholder, whose
translation differs from it (a name such as "NHS Talking Therapies" may stay as it is)."""

import re
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page

from alliance.measures.services import response_record
from alliance.portal.services import invitation_create
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD
from tests.translations.catalogue import read

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCALE = Path(__file__).resolve().parents[2] / "alliance" / "locale"
_PLACEHOLDER = re.compile(r"%\(|%[sd]|\{")


@cache
def english_sentences(language: str) -> frozenset[str]:
    found = set()
    for entry in read(LOCALE / language / "LC_MESSAGES" / "django.po"):
        text = re.sub(r"<[^>]+>", "", entry.msgid)
        if len(text.split()) <= 3 or _PLACEHOLDER.search(text) or entry.plural:
            continue
        if text not in entry.translations():
            found.add(text)
    return frozenset(found)


def _english_left(page: Page, language: str) -> list[str]:
    text = " ".join(page.inner_text("body").split())
    return sorted(s for s in english_sentences(language) if s in text)


def _vegas_english(page: Page) -> list[str]:
    """Vega's own English descriptions of a drawn chart's axes and marks (aria-label)."""
    page.wait_for_load_state("networkidle")
    labels = page.eval_on_selector_all(
        "figure[data-chart] [aria-label]", "nodes => nodes.map(n => n.getAttribute('aria-label'))"
    )
    return [label for label in labels if re.search(r"axis titled|for a (linear|time)", label)]


def _log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill("clinician")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["nl", "de"])
def test_the_staff_pages_and_the_ors_form_have_no_english_left(
    live_server: object, page: Page, clinic: SimpleNamespace, language: str
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    clinic.clinician.language = language
    clinic.clinician.save(update_fields=["language"])
    client = clinic.episode.client
    client.preferred_language = language
    client.save(update_fields=["preferred_language"])
    response_record(
        session=clinic.session,
        instrument_code="srs",
        values={"srs_1": 6.5, "srs_2": 7, "srs_3": 5.2, "srs_4": 6.3},
    )
    _log_in(page, base)
    pages = {
        "caseload": "/caseload/",
        "client": f"/episodes/{clinic.episode.pk}/",
        "session": f"/sessions/{clinic.session.pk}/",
    }
    left = {}
    for name, path in pages.items():
        page.goto(base + path)
        assert page.locator("html").get_attribute("lang") == language, name
        screenshot(page, f"language-{language}-{name}")
        left[name] = _english_left(page, language) + _vegas_english(page)
    _invitation, ors_token = invitation_create(
        session=clinic.session, measures=["ors"], channel="link", created_by=clinic.clinician
    )
    form = page.context.browser.new_context().new_page()  # type: ignore[union-attr]
    form.goto(f"{base}/rate/l/{ors_token}/")
    assert form.locator("html").get_attribute("lang") == language
    screenshot(form, f"language-{language}-ors-form")
    left["ors form"] = _english_left(form, language)
    assert left == {name: [] for name in left}
