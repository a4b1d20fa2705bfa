"""The offline report of ``alliance analyze --report`` in the clinician's language: every word
of its template translated, numbers written with the language's decimal comma, ``<html lang>``
following the language; rendering one language in-process leaves the process's own alone."""

from __future__ import annotations

import gettext
import json
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from alliance.cli.analyze_report import render_report
from alliance.science.analysis import ROW_SECTIONS, AnalysisSettings, analyze_ratings
from alliance.science.instruments import load_instruments
from alliance.science.ratings_table import read_ratings
from alliance.science.simulate import ClinicParameters, simulate_clinic
from tests.cli.test_language import LOCALE, _run

WHEN = datetime(2026, 12, 3, 14, 5, tzinfo=UTC)
# Sentences and headings of the report's template and captions, as the English page shows them.
ENGLISH = [
    "Alliance analysis of",
    "by alliance analyze",
    "Change from first to last rating",
    "Episodes by class of change",
    "NHS Talking Therapies outcomes",
    "Expected treatment response",
    "Clinicians are listed by id, never ranked",
    "The numbers in this chart",
    "Alliance and outcome",
    "Alerts by rule",
    "Compared with the average",
    "not distinguishable",
    "Reliably improved",
    " to ",
]


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    for code in ("nl", "de"):
        po = LOCALE / code / "LC_MESSAGES" / "django.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "-o", str(mo), str(po)], check=True)


@pytest.fixture(scope="module")
def sections() -> dict[str, Any]:
    ratings = simulate_clinic(ClinicParameters(n_clients=80, n_clinicians=4), seed=5).ratings
    instruments = load_instruments()
    table = read_ratings(ratings.astype(str), instruments=instruments)
    analysis = analyze_ratings(
        table, instruments=instruments, settings=AnalysisSettings(fitted_at=WHEN)
    )
    return {k: v for k, v in analysis.json_sections() if k not in ROW_SECTIONS}


@pytest.fixture(scope="module")
def pages(sections: dict[str, Any]) -> dict[str, str]:
    return {
        code: render_report(sections, source="ratings.csv", when=WHEN, language=code)
        for code in ("en", "nl", "de")
    }


def _text(page: str) -> str:
    """What a reader sees: the page without its charts' SVG, tags and style."""
    page = re.sub(r"<svg.*?</svg>|<style>.*?</style>", " ", page, flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def test_the_english_report_shows_the_sentences_this_test_looks_for(pages: dict[str, str]) -> None:
    page = _text(pages["en"])
    assert pages["en"].startswith('<!doctype html>\n<html lang="en">')
    for english in ENGLISH:
        assert english in page, english


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("nl", ["Alliance-analyse van ratings.csv", "Behandelaars staan op id, nooit in een",
                "De getallen in deze grafiek", "03-12-2026 14:05 UTC"]),
        ("de", ["Alliance-Analyse von ratings.csv", "Behandler stehen nach ID, nie in einer",
                "Die Zahlen in diesem Diagramm", "03.12.2026 14:05 UTC"]),
    ],
)  # fmt: skip
def test_the_report_is_in_the_chosen_language_with_no_english_sentence_left(
    pages: dict[str, str], code: str, words: list[str]
) -> None:
    page = _text(pages[code])
    assert f'<html lang="{code}">' in pages[code]
    for word in words:
        assert word in page, word
    for english in ENGLISH:
        assert english not in page, english


@pytest.mark.parametrize("code", ["nl", "de"])
def test_the_reports_numbers_use_the_languages_decimal_comma(
    pages: dict[str, str], code: str
) -> None:
    cells = re.findall(r'<td class="number">([^<]*)</td>', pages[code])
    english = re.findall(r'<td class="number">([^<]*)</td>', pages["en"])
    assert any(re.fullmatch(r"-?\d+,\d", cell) for cell in cells)
    assert not any(re.fullmatch(r"-?\d+\.\d", cell) for cell in cells)
    assert any(re.fullmatch(r"-?\d+\.\d", cell) for cell in english)
    assert len(cells) == len(english)  # the same table, written another way


def test_rendering_another_language_leaves_the_processs_gettext_alone(
    sections: dict[str, Any], pages: dict[str, str]
) -> None:
    before = gettext.textdomain()
    render_report(sections, source="ratings.csv", when=WHEN, language="de")

    assert gettext.textdomain() == before
    assert render_report(sections, source="ratings.csv", when=WHEN, language="en") == pages["en"]


def test_analyze_writes_its_report_in_dutch_under_a_dutch_locale(tmp_path: Path) -> None:
    ratings = simulate_clinic(ClinicParameters(n_clients=40, n_clinicians=3), seed=2).ratings
    source = tmp_path / "ratings.csv"
    ratings.to_csv(source, index=False)
    report = tmp_path / "out.html"

    result = _run(
        "analyze", str(source), "--json", str(tmp_path / "out.json"), "--report", str(report),
        LANG="nl_NL.UTF-8",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "geanalyseerd" in result.stdout
    page = report.read_text(encoding="utf-8")
    assert '<html lang="nl">' in page
    for english in ENGLISH:
        assert english not in _text(page), english
    assert json.loads((tmp_path / "out.json").read_text())["format"] == "alliance.analysis"
