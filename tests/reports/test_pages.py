"""The report page and its downloads: who may ask for which report, plain refusals, the PDF."""

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pypdfium2
import pytest
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance.care.models import Ending
from tests.clinic.builders import bulk_caseload, rated_episode
from tests.factories import PASSWORD, make_episode, make_session

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
RANGE = {"date_from": "2026-01-01", "date_to": "2026-12-31"}


def browser(user: object) -> Browser:
    b = Browser()
    assert b.login(username=user.username, password=PASSWORD)  # type: ignore[attr-defined]
    return b


def url(clinic: SimpleNamespace, name: str = "reports:home", fmt: str = "", **extra: str) -> str:
    params = {"organisation": clinic.org.name, **RANGE, **extra}
    base = reverse(name, args=[fmt]) if fmt else reverse(name)
    return f"{base}?{urlencode(params)}"


def _closed_episode(clinic: SimpleNamespace) -> None:
    episode = rated_episode(clinic, [15, 22, 27], [35, 38, 39])
    episode.ended_on, episode.ending = dt.date(2026, 2, 1), Ending.PLANNED
    episode.save(update_fields=["ended_on", "ending"])


def _figure(response: object, label: str) -> str:
    body = response.content.decode()  # type: ignore[attr-defined]
    start = body.index(f'<th scope="row">{label}</th>')
    return body[start : start + 200]


def test_the_form_shows_without_a_report(clinic: SimpleNamespace) -> None:
    response = browser(clinic.clinician).get(reverse("reports:home"))
    assert response.status_code == 200 and b'name="date_from"' in response.content
    assert b"report-table" not in response.content


def test_an_administrator_sees_every_team_of_the_organisation(clinic: SimpleNamespace) -> None:
    make_session(make_episode(clinic.team_b, clinic.other_supervisor), 1)
    response = browser(clinic.administrator).get(url(clinic))
    assert response.status_code == 200
    assert "<td>2</td>" in _figure(response, "Episodes opened")


def test_a_supervisor_s_organisation_report_covers_only_their_teams(
    clinic: SimpleNamespace,
) -> None:
    make_session(make_episode(clinic.team_b, clinic.other_supervisor), 1)
    response = browser(clinic.supervisor).get(url(clinic))
    assert "<td>1</td>" in _figure(response, "Episodes opened")


@pytest.mark.parametrize(
    ("role", "status"),
    [("supervisor", 200), ("other_supervisor", 404), ("administrator", 404), ("clinician", 404)],
)
def test_a_team_report_is_for_the_team_s_supervisors(
    clinic: SimpleNamespace, role: str, status: int
) -> None:
    response = browser(getattr(clinic, role)).get(url(clinic, team=clinic.team_a.name))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [("clinician", 200), ("supervisor", 200), ("colleague", 404), ("other_supervisor", 404)],
)
def test_a_clinician_report_is_for_the_clinician_and_their_supervisor(
    clinic: SimpleNamespace, role: str, status: int
) -> None:
    response = browser(getattr(clinic, role)).get(url(clinic, clinician="clinician"))
    assert response.status_code == status


def test_an_unknown_team_and_a_forbidden_one_read_the_same(clinic: SimpleNamespace) -> None:
    b = browser(clinic.supervisor)
    unknown = b.get(url(clinic, team="Nowhere"))
    forbidden = b.get(url(clinic, team=clinic.team_b.name))
    assert unknown.status_code == forbidden.status_code == 404
    refused = b"Team: choose one of the teams listed (the teams you supervise)."
    assert refused in unknown.content and refused in forbidden.content


def test_a_range_ending_before_it_starts_is_refused(clinic: SimpleNamespace) -> None:
    response = browser(clinic.administrator).get(
        url(clinic, date_from="2026-03-01", date_to="2026-02-01")
    )
    assert response.status_code == 400
    assert b"The end date must be on or after the start date." in response.content
    assert b"report-table" not in response.content


def test_an_empty_range_says_so_and_shows_no_figure(clinic: SimpleNamespace) -> None:
    response = browser(clinic.administrator).get(
        url(clinic, date_from="2020-01-01", date_to="2020-12-31")
    )
    assert b"Nothing happened in this range" in response.content
    assert b"report-table" not in response.content


def test_a_measure_nobody_used_is_refused(clinic: SimpleNamespace) -> None:
    response = browser(clinic.administrator).get(url(clinic, measure="phq9"))
    assert response.status_code == 400
    assert b"Nobody in this report used phq9" in response.content


def test_a_figure_with_nothing_behind_it_shows_none_not_zero(clinic: SimpleNamespace) -> None:
    response = browser(clinic.administrator).get(url(clinic))
    assert "<td>none</td>" in _figure(response, "Alerts acknowledged")


def test_the_report_shows_outcomes_with_charts(clinic: SimpleNamespace) -> None:
    _closed_episode(clinic)
    response = browser(clinic.supervisor).get(url(clinic))
    assert "<td>100%</td>" in _figure(response, "Recovered (share)")
    assert b'data-chart="chart-outcomes"' in response.content


def test_the_csv_download_has_every_figure(clinic: SimpleNamespace) -> None:
    _closed_episode(clinic)
    response = browser(clinic.supervisor).get(url(clinic, "reports:download", "csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "outcomes,recovered_rate,ors,Recovered,1.0,1,rate" in response.content.decode()


def test_a_download_refused_like_the_page(clinic: SimpleNamespace) -> None:
    b = browser(clinic.colleague)
    assert b.get(url(clinic, "reports:download", "csv", clinician="clinician")).status_code == 404
    assert b.get(url(clinic, "reports:download", "xls")).status_code == 404
    bad = url(clinic, "reports:download", "csv", date_from="2026-03-01", date_to="2026-02-01")
    assert browser(clinic.administrator).get(bad).status_code == 400


def test_the_pdf_renders_with_its_charts(clinic: SimpleNamespace) -> None:
    _closed_episode(clinic)
    response = browser(clinic.supervisor).get(url(clinic, "reports:download", "pdf"))
    assert response["Content-Type"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.content)
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "Recovered" in text and "Episodes opened" in text
    ARTIFACTS.mkdir(exist_ok=True)
    for index in range(len(pdf)):
        image = pdf[index].render(scale=1.5).to_pil()
        image.save(ARTIFACTS / f"reports-pdf-page-{index + 1}.png")
    assert len(pdf) >= 1


def test_the_report_takes_the_same_number_of_queries_for_a_small_and_a_large_clinic(
    clinic: SimpleNamespace,
) -> None:
    b = browser(clinic.supervisor)
    bulk_caseload(clinic, clients=2, sessions=2)
    with CaptureQueriesContext(connection) as small:
        assert b.get(url(clinic)).status_code == 200
    bulk_caseload(clinic, clients=40, sessions=6)
    with CaptureQueriesContext(connection) as large:
        assert b.get(url(clinic)).status_code == 200
    assert len(small) == len(large)


def test_the_form_starts_with_the_persons_organisation_and_the_last_twelve_months(
    clinic: SimpleNamespace,
) -> None:
    browser = Browser()
    browser.force_login(clinic.supervisor)
    form = browser.get("/reports/").context["form"]
    assert form.initial["organisation"] == clinic.org.name
    assert (form.initial["date_to"] - form.initial["date_from"]).days == 365


def test_a_refused_download_names_the_fields_by_their_labels_in_the_readers_language(
    clinic: SimpleNamespace,
) -> None:
    b = browser(clinic.administrator)
    b.cookies["django_language"] = "de"
    clinic.administrator.language = "de"
    clinic.administrator.save(update_fields=["language"])
    response = b.get(reverse("reports:download", args=["csv"]))
    assert response.status_code == 400
    body = response.content.decode()
    assert "date_from" not in body and "organisation" not in body
    assert "Dieses Feld ist zwingend erforderlich." in body
