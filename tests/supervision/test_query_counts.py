"""The supervision pages take the same number of queries for 10 and 100 clients (DESIGN.md,
rule 6: constant queries per page)."""

from types import SimpleNamespace

from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance.feedback.models import Alert
from tests.clinic.builders import bulk_caseload
from tests.factories import PASSWORD
from tests.supervision.builders import rated_episodes


def _queries(user: object, url: str) -> int:
    browser = Browser()
    assert browser.login(username=user.username, password=PASSWORD)  # type: ignore[attr-defined]
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url).status_code == 200
    return len(captured)


def test_the_team_page_takes_the_same_queries_for_10_and_100_clients(
    clinic: SimpleNamespace,
) -> None:
    bulk_caseload(clinic, clients=9, sessions=4)
    few = _queries(clinic.supervisor, reverse("clinic:team"))
    bulk_caseload(clinic, clients=90, sessions=4)
    assert Alert.objects.filter(rule="low_alliance", acknowledged_at__isnull=True).count() > 10
    assert _queries(clinic.supervisor, reverse("clinic:team")) == few


def test_the_development_page_takes_the_same_queries_for_10_and_100_clients(
    clinic: SimpleNamespace,
) -> None:
    url = reverse("clinic:development", args=[clinic.clinician.pk])
    rated_episodes(clinic.team_a, clinic.colleague, [(15.0, 20.0)] * 10)
    bulk_caseload(clinic, clients=9, sessions=3)
    few = _queries(clinic.supervisor, url)
    bulk_caseload(clinic, clients=90, sessions=3)
    rated_episodes(clinic.team_a, clinic.colleague, [(15.0, 20.0)] * 10, ending="ghosted")
    assert _queries(clinic.supervisor, url) == few


def test_the_filtered_team_page_takes_the_same_queries_for_10_and_100_clients(
    clinic: SimpleNamespace,
) -> None:
    url = reverse("clinic:team") + f"?clinician={clinic.clinician.pk}&kind=low_alliance"
    bulk_caseload(clinic, clients=9, sessions=4)
    few = _queries(clinic.supervisor, url)
    bulk_caseload(clinic, clients=90, sessions=4)
    assert _queries(clinic.supervisor, url) == few
