"""The report PDF's tables in every language: a long label wraps inside its own column instead
of running over the next one ("…mit zwei oder mehr BewertungenCORS", review 17, point 3)."""

from itertools import pairwise
from types import SimpleNamespace
from urllib.parse import urlencode

import pypdfium2
import pytest
from django.test import Client as Browser
from django.urls import reverse

from tests.factories import PASSWORD
from tests.reports.test_pages import RANGE, _closed_episode

# Neighbouring glyphs of one word may overlap by up to a point (their tight boxes in a bold
# title); text of one column drawn over the next overlaps by several points.
OVERLAP = 1.5
TOLERANCE = 0.5


def _download_pdf(clinic: SimpleNamespace, language: str) -> bytes:
    browser = Browser(HTTP_ACCEPT_LANGUAGE=language)
    assert browser.login(username=clinic.supervisor.username, password=PASSWORD)
    query = urlencode({"organisation": clinic.org.name, **RANGE})
    answer = browser.get(f"{reverse('reports:download', args=['pdf'])}?{query}")
    assert answer.status_code == 200
    return answer.content


def _glyph_boxes(page: pypdfium2.PdfPage) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Every visible character on the page with its box (left, bottom, right, top)."""
    text = page.get_textpage()
    boxes = []
    for index in range(text.count_chars()):
        char = text.get_text_range(index, 1)
        if char.strip():
            boxes.append((char, text.get_charbox(index)))
    return boxes


def _overlaps(page: pypdfium2.PdfPage) -> list[str]:
    """Pairs of characters on one line whose boxes cover each other, e.g. "n" under "C"."""
    lines: dict[int, list[tuple[str, tuple[float, float, float, float]]]] = {}
    for char, box in _glyph_boxes(page):
        lines.setdefault(round(box[1]), []).append((char, box))
    found = []
    for line in lines.values():
        line.sort(key=lambda item: item[1][0])
        for (a, box_a), (b, box_b) in pairwise(line):
            if box_a[2] - box_b[0] > OVERLAP:
                found.append(f"{a!r} over {b!r} at x={box_b[0]:.1f}, y={box_b[1]:.1f}")
    return found


@pytest.mark.parametrize("language", ["de", "nl", "en"])
def test_no_text_in_the_pdf_runs_over_other_text(clinic: SimpleNamespace, language: str) -> None:
    _closed_episode(clinic)
    pdf = pypdfium2.PdfDocument(_download_pdf(clinic, language))
    found = {index + 1: _overlaps(pdf[index]) for index in range(len(pdf))}
    assert {page: pairs for page, pairs in found.items() if pairs} == {}


def _tables(page: pypdfium2.PdfPage) -> list[tuple[float, float, float]]:
    """Each table on the page as (left of its label column, left of its measure column, baseline
    of its header row), found by its "Kennzahl" and "Fragebogen" headers on one line."""
    text = page.get_textpage()

    def hits(word: str) -> list[tuple[float, float]]:
        search = text.search(word, match_case=True, match_whole_word=True)
        found = []
        while (where := search.get_next()) is not None:
            left, bottom, _right, _top = text.get_charbox(where[0])
            found.append((left, bottom))
        return found

    return [
        (label_left, left, bottom)
        for left, bottom in hits("Fragebogen")
        for label_left, label_bottom in hits("Kennzahl")
        if abs(bottom - label_bottom) < 1
    ]


def _near(a: float, b: float) -> bool:
    """Two glyphs set at one x differ by their side bearings, under a point."""
    return abs(a - b) < 1


def test_a_long_german_label_stays_inside_its_column(clinic: SimpleNamespace) -> None:
    _closed_episode(clinic)
    pdf = pypdfium2.PdfDocument(_download_pdf(clinic, "de"))
    tables = 0
    for index in range(len(pdf)):
        page = pdf[index]
        boxes = _glyph_boxes(page)
        found = _tables(page)
        for number, (label_left, measure_left, header) in enumerate(found):
            tables += 1
            below = found[number + 1][2] if number + 1 < len(found) else 0.0
            lines: dict[int, list[tuple[float, float]]] = {}
            for _char, (left, bottom, right, _top) in boxes:
                if below < bottom < header:
                    lines.setdefault(round(bottom), []).append((left, right))
            # A row's line starts in the label column and has a measure ("CORS") in its own.
            rows = [
                line
                for line in lines.values()
                if _near(min(line)[0], label_left) and any(_near(x, measure_left) for x, _r in line)
            ]
            straddling = [
                (left, right)
                for line in rows
                for left, right in line
                if left < measure_left - 1 and right > measure_left + 1
            ]
            assert straddling == [], f"page {index + 1}"
    assert tables >= 2
    words = " ".join(
        " ".join(pdf[i].get_textpage().get_text_range().split()) for i in range(len(pdf))
    )
    assert "Abgeschlossene Behandlungen mit zwei oder mehr Bewertungen" in words
