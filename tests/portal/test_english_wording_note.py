"""A measure worded in English for a client of another language says so on its page (issue 17:
PHQ-9 and GAD-7 are shipped only in English until a checked official translation is added)."""

import pytest
from django import forms
from django.template.loader import render_to_string
from django.utils import translation

from alliance.measures import catalogue
from alliance.portal.questions import measure_page

NOTE = "These questions are shown in English"


@pytest.mark.parametrize(
    ("code", "language", "noted"),
    [("phq9", "nl", True), ("gad7", "de", True), ("phq9", "en", False), ("phq9", "en-GB", False)],
)
def test_the_page_says_when_its_questions_are_in_english(
    code: str, language: str, noted: bool
) -> None:
    page = measure_page(catalogue.instruments()[code], forms.Form(), language)
    assert page.in_english is noted


def test_a_measure_with_no_shipped_wording_has_no_note() -> None:
    # The ORS's licensed wording is not shipped: its lines show our own labels, in Dutch.
    page = measure_page(catalogue.instruments()["ors"], forms.Form(), "nl")
    assert page.in_english is False


def test_the_note_is_in_the_clients_language() -> None:
    page = measure_page(catalogue.instruments()["phq9"], forms.Form(), "nl")
    with translation.override("nl"):
        html = render_to_string("portal/measure.html", {"page": page, "form": forms.Form()})
    assert "Deze vragen staan in het Engels" in html
    assert NOTE not in html
