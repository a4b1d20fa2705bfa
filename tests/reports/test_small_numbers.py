"""A report shows no figure resting on fewer clients than ``ALLIANCE_REPORT_MIN_CLIENTS`` (5):
an organisation's report for one day with one client's session says "fewer than 5 clients"
instead of that client's figures, on the page, in the CSV, the JSON and the PDF."""

import csv
import datetime as dt
import io
import json
from types import SimpleNamespace
from urllib.parse import urlencode

import pypdfium2
import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from alliance.care.models import Session
from alliance.measures.services import response_record
from tests.factories import PASSWORD, make_episode, make_session

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 1, 5)  # the cast's client's first session
FEW = "fewer than 5 clients"


@pytest.fixture(autouse=True)
def five_clients_at_least(settings: pytest.FixtureRequest) -> None:
    # The report tests' conftest shows every figure; here the default of 5 applies.
    settings.ALLIANCE = {**settings.ALLIANCE, "REPORT_MIN_CLIENTS": 5}  # type: ignore[attr-defined]


def _one_clients_day(clinic: SimpleNamespace) -> None:
    session = Session.objects.filter(episode=clinic.episode).order_by("number").first() or (
        make_session(clinic.episode, 1)
    )
    Session.objects.filter(pk=session.pk).update(
        starts_at=timezone.make_aware(dt.datetime(2026, 1, 5, 10))
    )
    response_record(
        session=session,
        instrument_code="srs",
        values={"srs_1": 9, "srs_2": 9, "srs_3": 9, "srs_4": 9},
        rater="client",
        method="tablet",
    )


def _get(clinic: SimpleNamespace, fmt: str = "") -> object:
    browser = Browser()
    assert browser.login(username=clinic.administrator.username, password=PASSWORD)
    params = {"organisation": clinic.org.name, "date_from": DAY, "date_to": DAY}
    base = reverse("reports:download", args=[fmt]) if fmt else reverse("reports:home")
    answer = browser.get(f"{base}?{urlencode(params)}")
    assert answer.status_code == 200
    return answer


def test_the_page_shows_fewer_than_5_clients_instead_of_one_clients_figures(
    clinic: SimpleNamespace,
) -> None:
    _one_clients_day(clinic)
    page = _get(clinic).content.decode()  # type: ignore[attr-defined]
    alliance = page[page.index('<th scope="row">Average client alliance score</th>') :][:200]
    assert FEW in alliance and "36.00" not in alliance
    sessions = page[page.index('<th scope="row">Sessions attended</th>') :][:200]
    assert FEW in sessions and "<td>1</td>" not in sessions
    assert "so that no client can be recognised in it" in page


def test_the_csv_and_json_leave_value_and_n_out_and_say_why(clinic: SimpleNamespace) -> None:
    _one_clients_day(clinic)
    rows = list(csv.DictReader(io.StringIO(_get(clinic, "csv").content.decode())))  # type: ignore[attr-defined]
    hidden = [row for row in rows if row["note"] == FEW]
    assert {row["figure"] for row in hidden} >= {"sessions_attended", "alliance_mean"}
    assert all(row["value"] == "" and row["n"] == "" for row in hidden)
    # The others rest on nobody at all (no episode closed that day): 0 or "none", n 0.
    assert all(row["value"] in ("", "0") and row["n"] == "0" for row in rows if row not in hidden)
    figures = json.loads(_get(clinic, "json").content)["figures"]  # type: ignore[attr-defined]
    assert all(f["value"] in (None, 0) and f["n"] in (None, 0) for f in figures)
    assert [f["figure"] for f in figures if f["note"] == FEW] == [r["figure"] for r in hidden]


def test_the_pdf_shows_fewer_than_5_clients(clinic: SimpleNamespace) -> None:
    _one_clients_day(clinic)
    pdf = pypdfium2.PdfDocument(_get(clinic, "pdf").content)  # type: ignore[attr-defined]
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert text.count(FEW) >= 4
    assert "36.00" not in text


def test_with_five_clients_the_figures_are_shown(clinic: SimpleNamespace) -> None:
    _one_clients_day(clinic)
    for _ in range(4):
        make_session(make_episode(clinic.team_a, clinic.clinician, started_on=DAY), 1)
    page = _get(clinic).content.decode()  # type: ignore[attr-defined]
    sessions = page[page.index('<th scope="row">Sessions attended</th>') :][:200]
    assert "<td>5</td>" in sessions and FEW not in sessions
    # The alliance average still rests on one client's rating: it stays hidden.
    alliance = page[page.index('<th scope="row">Average client alliance score</th>') :][:200]
    assert FEW in alliance


def test_the_smallest_number_is_a_setting(clinic: SimpleNamespace, settings: object) -> None:
    settings.ALLIANCE = {**settings.ALLIANCE, "REPORT_MIN_CLIENTS": 1}  # type: ignore[attr-defined]
    _one_clients_day(clinic)
    page = _get(clinic).content.decode()  # type: ignore[attr-defined]
    assert "<td>fewer than" not in page and "recognised in it" not in page
    assert "<td>36.00</td>" in page
