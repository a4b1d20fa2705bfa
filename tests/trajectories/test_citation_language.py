"""Where the expected path comes from is said in the reader's language, its figures with the
reader's decimal mark ("r ,66", "19,6"), on the trajectory page and under the client's chart; the
model keeps its English citation, word for word."""

from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation

from alliance.formats.messages import model_citation
from alliance.science.trajectories import default_model
from alliance.science.trajectory_sources import LOCAL_FIT_CITATION, published_citation
from tests.trajectories.test_page_notes import close_to_default, stored
from tests.trajectories.test_views import browser_for


def test_the_message_says_the_english_citation_word_for_word() -> None:
    for measure in ("ors", "phq9", "gad7"):
        assert str(published_citation(measure)) == default_model(measure).citation
    assert "test-retest r .66" in default_model("ors").citation


@pytest.mark.parametrize(
    ("language", "words"),
    [("nl", ["VOORLOPIG", "19,6", "r ,66", "effectgrootte 0,8"]),
     ("de", ["VORLÄUFIG", "19,6", "r ,66", "Effektstärke 0,8"])],
)  # fmt: skip
def test_the_trajectory_page_cites_the_default_in_the_readers_language(
    clinic: SimpleNamespace, language: str, words: list[str]
) -> None:
    clinic.administrator.language = language
    clinic.administrator.save(update_fields=["language"])
    browser = browser_for(clinic, "administrator")
    body = browser.get(reverse("trajectories:measure", args=["ors"])).content.decode()
    assert [w for w in words if w not in body] == []
    assert "PROVISIONAL" not in body and "r .66" not in body


def test_a_clinics_own_fit_is_cited_in_the_readers_language(clinic: SimpleNamespace) -> None:
    stored(clinic, close_to_default(), active=True)
    with translation.override("de"):
        assert model_citation(close_to_default()) != LOCAL_FIT_CITATION
    clinic.administrator.language = "nl"
    clinic.administrator.save(update_fields=["language"])
    body = (
        browser_for(clinic, "administrator")
        .get(reverse("trajectories:measure", args=["ors"]))
        .content.decode()
    )
    assert LOCAL_FIT_CITATION.replace("'", "&#x27;") not in body


@pytest.mark.parametrize("language", ["nl", "de"])
def test_a_citation_of_the_clients_chart_has_the_readers_decimal_mark(language: str) -> None:
    with translation.override(language):
        said = model_citation(default_model("phq9"))
    assert "15,4" in said and "15.4" not in said and "r ,84" in said
