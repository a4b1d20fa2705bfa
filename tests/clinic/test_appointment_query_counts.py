"""The appointment pages' query counts do not grow with the caseload or the bookings (issue 11:
the caseload's appointment column, the day view, the client page's bookings)."""

import datetime as dt
from types import SimpleNamespace

from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliance.care import appointments, plans
from alliance.care.models import Episode
from tests.factories import PASSWORD, make_episode


def _queries(browser: Browser, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url).status_code == 200
    return len(captured)


def _browser() -> Browser:
    browser = Browser()
    assert browser.login(username="clinician", password=PASSWORD)
    return browser


def _booked_episode(clinic: SimpleNamespace, *, today: int, later: int, weekly: bool) -> Episode:
    episode = make_episode(clinic.team_a, clinic.clinician)
    if weekly:  # a plan repeated every N weeks reads when each measure was last given
        items = plans.check_items(
            [
                {"instrument": "ors", "repeat": "sessions", "interval": 1},
                {"instrument": "phq9", "repeat": "weeks", "interval": 4},
            ]
        )
        plans.plan_set(episode=episode, items=items, by=clinic.clinician)
    soon = timezone.now() + dt.timedelta(minutes=5)
    for n in range(today):
        appointments.appointment_book(
            episode=episode,
            by=clinic.clinician,
            starts_at=soon + dt.timedelta(seconds=n),
            duration_minutes=5,
            confirm_overlap=True,
        )
    if later:
        appointments.appointment_book(
            episode=episode,
            by=clinic.clinician,
            starts_at=soon + dt.timedelta(days=2),
            repeat="weekly",
            count=later,
            confirm_overlap=True,
        )
    return episode


def test_the_caseload_with_bookings_takes_the_same_queries_for_3_and_20_clients(
    clinic: SimpleNamespace,
) -> None:
    browser = _browser()
    for _ in range(2):
        _booked_episode(clinic, today=0, later=2, weekly=False)
    few = _queries(browser, reverse("clinic:caseload"))
    for _ in range(17):
        _booked_episode(clinic, today=0, later=3, weekly=False)
    assert _queries(browser, reverse("clinic:caseload")) == few


def test_the_day_view_takes_the_same_queries_for_1_and_12_appointments(
    clinic: SimpleNamespace,
) -> None:
    browser = _browser()
    _booked_episode(clinic, today=1, later=0, weekly=True)
    one = _queries(browser, reverse("clinic:today"))
    for _ in range(5):
        _booked_episode(clinic, today=1, later=0, weekly=True)
        _booked_episode(clinic, today=1, later=0, weekly=False)
    assert len(browser.get(reverse("clinic:today")).context["rows"]) == 11
    assert _queries(browser, reverse("clinic:today")) == one


def test_the_client_page_takes_the_same_queries_for_1_and_10_bookings(
    clinic: SimpleNamespace,
) -> None:
    browser = _browser()
    few = _booked_episode(clinic, today=1, later=0, weekly=False)
    many = _booked_episode(clinic, today=1, later=10, weekly=False)
    assert _queries(browser, reverse("clinic:episode", args=[few.pk])) == _queries(
        browser, reverse("clinic:episode", args=[many.pk])
    )
