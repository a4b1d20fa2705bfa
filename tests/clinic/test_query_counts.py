"""Each clinician page takes the same number of queries for a small and a large caseload, and for
a short and a long episode (DESIGN.md, rule 6: constant queries per page)."""

from types import SimpleNamespace

from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance.care.models import Episode
from alliance.feedback.models import Alert
from alliance.measures.services import response_record
from tests.clinic.builders import bulk_caseload, srs
from tests.factories import PASSWORD


def _queries(browser: Browser, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url).status_code == 200
    return len(captured)


def _clinician(clinic: SimpleNamespace) -> Browser:
    browser = Browser()
    assert browser.login(username=clinic.clinician.username, password=PASSWORD)
    return browser


def test_the_caseload_takes_the_same_queries_for_10_and_200_clients(
    clinic: SimpleNamespace,
) -> None:
    browser = _clinician(clinic)
    bulk_caseload(clinic, clients=9, sessions=3)
    few = _queries(browser, reverse("clinic:caseload"))
    episodes = bulk_caseload(clinic, clients=190, sessions=3)
    assert Alert.objects.filter(episode__in=episodes).exists()  # rows with alerts and charts
    many = _queries(browser, reverse("clinic:caseload"))
    assert Episode.objects.filter(care_team__member=clinic.clinician).count() == 200
    assert many == few


def test_the_client_page_takes_the_same_queries_for_2_and_20_sessions(
    clinic: SimpleNamespace,
) -> None:
    browser = _clinician(clinic)
    [short] = bulk_caseload(clinic, clients=1, sessions=2)
    [long] = bulk_caseload(clinic, clients=1, sessions=20)
    assert Alert.objects.filter(episode=long).count() > Alert.objects.filter(episode=short).count()
    assert _queries(browser, reverse("clinic:episode", args=[short.pk])) == _queries(
        browser, reverse("clinic:episode", args=[long.pk])
    )


def test_the_session_page_takes_the_same_queries_with_one_or_many_measures(
    clinic: SimpleNamespace,
) -> None:
    browser = _clinician(clinic)
    [episode] = bulk_caseload(clinic, clients=1, sessions=2)
    first, second = episode.sessions.order_by("number")
    for member in (clinic.clinician, clinic.colleague, clinic.supervisor):
        response_record(
            session=second, instrument_code="srs", values=srs(30.0), about_member=member
        )
    assert _queries(browser, reverse("clinic:session", args=[first.pk])) == _queries(
        browser, reverse("clinic:session", args=[second.pk])
    )


def test_the_session_page_takes_the_same_queries_in_a_short_and_a_long_episode(
    clinic: SimpleNamespace,
) -> None:
    browser = _clinician(clinic)
    # Both long enough to reach the same sections (a 2-session episode shows fewer).
    [short] = bulk_caseload(clinic, clients=1, sessions=12)
    [long] = bulk_caseload(clinic, clients=1, sessions=20)
    latest_short = short.sessions.order_by("number").last()
    last_long = long.sessions.order_by("number").last()
    assert last_long.number == 20
    assert _queries(browser, reverse("clinic:session", args=[latest_short.pk])) == _queries(
        browser, reverse("clinic:session", args=[last_long.pk])
    )


def test_the_client_and_session_pages_take_the_same_queries_for_1_and_100_clients(
    clinic: SimpleNamespace,
) -> None:
    browser = _clinician(clinic)
    [episode] = bulk_caseload(clinic, clients=1, sessions=3)
    session = episode.sessions.order_by("-number").first()
    assert session is not None
    pages = [
        reverse("clinic:episode", args=[episode.pk]),
        reverse("clinic:session", args=[session.pk]),
    ]
    few = [_queries(browser, url) for url in pages]
    bulk_caseload(clinic, clients=99, sessions=3)
    assert [_queries(browser, url) for url in pages] == few


def test_the_session_page_reads_the_measurement_plan_and_goal_ratings_once(
    clinic: SimpleNamespace,
) -> None:
    # The measures due, the paper entry and the portal's invitation each read the plan.
    browser = _clinician(clinic)
    [episode] = bulk_caseload(clinic, clients=1, sessions=2)
    session = episode.sessions.order_by("-number").first()
    assert session is not None
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(reverse("clinic:session", args=[session.pk])).status_code == 200
    sql = [query["sql"] for query in captured]
    assert sum('FROM "care_measureplanitem"' in q for q in sql) == 1
    assert sum('FROM "care_goalrating"' in q for q in sql) == 1
