"""Words a Dutch and a German click-through found still English (issue 17): each is translated
when it is shown, in the reader's language, not once when its module was imported."""

from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone, translation

from alliance.care.templatetags.care_episodes import HISTORY_LABELS, _day
from alliance.formats import local
from alliance.portal.templatetags.portal import STATE_WORDS
from alliance.reports.split import LABELS


@pytest.mark.parametrize("language", ["nl", "de"])
def test_the_words_are_in_the_readers_language(language: str) -> None:
    for words in (LABELS, STATE_WORDS, HISTORY_LABELS):
        english = {key: str(text) for key, text in words.items()}
        with translation.override(language):
            shown = {key: str(text) for key, text in words.items()}
        assert [key for key in words if shown[key] == english[key]] == [], language


def test_a_history_entry_s_day_is_written_as_its_reader_writes_it() -> None:
    with translation.override("de"):
        assert _day("2026-12-03T10:00:00+00:00") == "3. Dez 2026"
    with translation.override("nl"):
        assert _day("2026-12-03T10:00:00+00:00") == "3 dec 2026"


@pytest.mark.parametrize("language", ["nl", "de"])
def test_the_day_view_names_the_day_in_the_readers_language(
    clinic: SimpleNamespace, language: str
) -> None:
    clinic.clinician.language = language
    clinic.clinician.save(update_fields=["language"])
    browser = Browser()
    browser.force_login(clinic.clinician)
    page = browser.get(reverse("clinic:today")).content.decode()
    today = timezone.localdate()
    with translation.override(language):
        expected = local(today, "LONG_WEEKDAY_DATE_FORMAT")
    assert expected in page
    # "Thursday 3 December 2026" was written into the template.
    assert today.strftime("%A") not in page
