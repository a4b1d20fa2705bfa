"""'Start session N' on the client page: with no booking today it asks once more, then opens
the episode's next session now (issue 11: "or an unbooked session now, with a confirmation")."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from alliance.care.models import Session, SessionStatus
from alliance.clinic.services import session_start
from tests.factories import PASSWORD, make_session


def _browser(clinic: SimpleNamespace, role: str = "clinician") -> Browser:
    browser = Browser()
    assert browser.login(username=getattr(clinic, role).username, password=PASSWORD)
    return browser


def _start_url(clinic: SimpleNamespace) -> str:
    return reverse("clinic:session_start", args=[clinic.episode.pk])


def test_starting_opens_the_next_session_now_as_attended_and_shows_it(
    clinic: SimpleNamespace,
) -> None:
    make_session(clinic.episode, 2)
    before = timezone.now()
    browser = _browser(clinic)
    asked = browser.post(_start_url(clinic))
    assert asked.status_code == 200 and b"Yes, start session 3 now" in asked.content
    assert clinic.episode.sessions.count() == 2
    response = browser.post(_start_url(clinic), {"confirm_unbooked": "1"})
    session = Session.objects.get(episode=clinic.episode, number=3)
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:session", args=[session.pk])
    assert session.status == SessionStatus.ATTENDED
    assert before <= session.starts_at <= timezone.now()
    assert list(session.attended_by.all()) == [clinic.clinician]


def test_the_client_page_offers_the_next_session_number(clinic: SimpleNamespace) -> None:
    body = _browser(clinic).get(reverse("clinic:episode", args=[clinic.episode.pk])).content
    assert b"Start session 2" in body


def test_two_starts_give_two_numbers_in_turn(clinic: SimpleNamespace) -> None:
    first = session_start(episode=clinic.episode, by=clinic.clinician, confirm_unbooked=True)
    second = session_start(episode=clinic.episode, by=clinic.clinician, confirm_unbooked=True)
    assert (first.number, second.number) == (2, 3)


def test_an_ended_episode_cannot_start_a_session(clinic: SimpleNamespace) -> None:
    clinic.episode.ended_on, clinic.episode.ending = dt.date(2026, 3, 1), "planned"
    clinic.episode.save(update_fields=["ended_on", "ending"])
    browser = _browser(clinic)
    response = browser.post(_start_url(clinic), {"confirm_unbooked": "1"}, follow=True)
    assert "This episode has ended" in response.content.decode()
    assert clinic.episode.sessions.count() == 1


def test_the_supervisor_sees_the_client_but_does_not_start_sessions(
    clinic: SimpleNamespace,
) -> None:
    assert _browser(clinic, "supervisor").post(_start_url(clinic)).status_code == 403
    body = _browser(clinic, "supervisor").get(reverse("clinic:episode", args=[clinic.episode.pk]))
    assert b"Start session" not in body.content


@pytest.mark.parametrize("role", ["colleague", "other_supervisor", "outsider"])
def test_people_off_the_care_team_get_not_found(clinic: SimpleNamespace, role: str) -> None:
    assert _browser(clinic, role).post(_start_url(clinic)).status_code == 404
    assert clinic.episode.sessions.count() == 1


def test_starting_needs_a_post(clinic: SimpleNamespace) -> None:
    assert _browser(clinic).get(_start_url(clinic)).status_code == 405
