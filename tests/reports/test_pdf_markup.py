"""Names people type reach the report PDF as plain text: ReportLab's Paragraph reads its text as
markup, so a name with ``<a href>`` would put a link in the official report, ``<b>`` would style
it and a broken ``<font`` would fail the whole download (issue 13, point 6)."""

from types import SimpleNamespace
from urllib.parse import urlencode

import pypdfium2
import pytest
from django.test import Client as Browser
from django.urls import reverse

from tests.factories import PASSWORD
from tests.reports.test_pages import RANGE, _closed_episode

MARKUP = {
    "organisation": 'Riverside <a href="http://x">x</a>',
    "team": "Adults <b>North</b> & <font",
    "first_name": '<font color="red">Sam',
    "last_name": "<i>Okafor</i> </para>",
}


def _pdf_text(content: bytes) -> str:
    pdf = pypdfium2.PdfDocument(content)
    text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    return " ".join(text.split())  # a wrapped title is one line again


@pytest.fixture
def marked_up(clinic: SimpleNamespace) -> SimpleNamespace:
    _closed_episode(clinic)
    clinic.org.name = MARKUP["organisation"]
    clinic.org.save(update_fields=["name"])
    clinic.team_a.name = MARKUP["team"]
    clinic.team_a.save(update_fields=["name"])
    clinic.clinician.first_name = MARKUP["first_name"]
    clinic.clinician.last_name = MARKUP["last_name"]
    clinic.clinician.save(update_fields=["first_name", "last_name"])
    return clinic


def _download(user: object, **scope: str) -> object:
    browser = Browser()
    assert browser.login(username=user.username, password=PASSWORD)  # type: ignore[attr-defined]
    query = urlencode({**scope, **RANGE})
    return browser.get(f"{reverse('reports:download', args=['pdf'])}?{query}")


@pytest.mark.parametrize(
    ("scope", "shown"),
    [
        ({}, ["organisation"]),
        ({"team": MARKUP["team"]}, ["organisation", "team"]),
        ({"team": MARKUP["team"], "clinician": "clinician"}, ["organisation", "team", "name"]),
    ],
    ids=["organisation", "team", "clinician"],
)
def test_markup_in_every_name_reaches_the_pdf_as_the_literal_characters(
    marked_up: SimpleNamespace, scope: dict[str, str], shown: list[str]
) -> None:
    answer = _download(marked_up.supervisor, organisation=MARKUP["organisation"], **scope)
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert answer["Content-Type"] == "application/pdf"  # type: ignore[index]
    text = _pdf_text(answer.content)  # type: ignore[attr-defined]
    full_name = f"{MARKUP['first_name']} {MARKUP['last_name']}"
    expected = {"organisation": MARKUP["organisation"], "team": MARKUP["team"], "name": full_name}
    for part in shown:
        assert " ".join(expected[part].split()) in text
    assert "Recovered" in text  # the rest of the report is still there


def test_a_name_with_a_link_puts_no_link_in_the_pdf(marked_up: SimpleNamespace) -> None:
    answer = _download(marked_up.supervisor, organisation=MARKUP["organisation"])
    assert answer.status_code == 200  # type: ignore[attr-defined]
    # ReportLab writes a link as an annotation with a /URI action; the name gives none.
    assert b"/URI" not in answer.content  # type: ignore[attr-defined]
    assert b"/Annots" not in answer.content  # type: ignore[attr-defined]
