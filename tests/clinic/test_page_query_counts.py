"""A page's query count does not grow with the caseload or the length of an episode."""

from types import SimpleNamespace

from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance.feedback.services import alerts_refresh
from alliance.measures.services import response_record
from tests.factories import PASSWORD, make_episode, make_session


def _queries(browser: Browser, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url).status_code == 200
    return len(captured)


def _rated_episode(clinic: SimpleNamespace, sessions: int):  # type: ignore[no-untyped-def]
    episode = make_episode(clinic.team_a, clinic.clinician)
    for number in range(1, sessions + 1):
        session = make_session(episode, number)
        response_record(
            session=session, instrument_code="ors", values={f"ors_{n}": 4.0 for n in range(1, 5)}
        )
        response_record(
            session=session, instrument_code="srs", values={f"srs_{n}": 8.5 for n in range(1, 5)}
        )
    alerts_refresh([episode])
    return episode


def test_the_caseload_takes_the_same_queries_for_3_and_30_clients(clinic: SimpleNamespace) -> None:
    browser = Browser()
    browser.login(username="clinician", password=PASSWORD)
    for _ in range(2):
        _rated_episode(clinic, 2)
    few = _queries(browser, reverse("clinic:caseload"))
    for _ in range(27):
        _rated_episode(clinic, 2)
    assert _queries(browser, reverse("clinic:caseload")) == few


def test_the_episode_page_takes_the_same_queries_for_2_and_12_sessions(
    clinic: SimpleNamespace,
) -> None:
    browser = Browser()
    browser.login(username="clinician", password=PASSWORD)
    short, long = _rated_episode(clinic, 2), _rated_episode(clinic, 12)
    assert _queries(browser, reverse("clinic:episode", args=[short.pk])) == _queries(
        browser, reverse("clinic:episode", args=[long.pk])
    )
