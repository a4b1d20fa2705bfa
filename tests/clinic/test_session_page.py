"""The session page: attendance and who was there, the clinician's own alliance rating (for the
discrepancy signal), the measures recorded, and the portal and care parts included. Saving
refreshes the episode's alerts at once."""

import uuid
from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse

from alliance.care.models import Session, SessionStatus
from alliance.feedback.models import Alert
from alliance.measures.models import Method, Rater, Response
from alliance.measures.services import response_record
from tests.clinic.builders import rated_episode, srs
from tests.factories import PASSWORD, make_session


def _browser(clinic: SimpleNamespace, role: str = "clinician") -> Browser:
    browser = Browser()
    assert browser.login(username=getattr(clinic, role).username, password=PASSWORD)
    return browser


def _rating(total: float, key: uuid.UUID | None = None) -> dict[str, object]:
    return {**srs(total), "idempotency_key": str(key or uuid.uuid4())}


def test_the_page_includes_the_hand_over_buttons_and_the_alliance_work(
    clinic: SimpleNamespace,
) -> None:
    response = _browser(clinic).get(reverse("clinic:session", args=[clinic.session.pk]))
    names = {template.name for template in response.templates}
    assert {"portal/_session_actions.html", "care/session_work.html"} <= names


def test_attendance_and_the_staff_present_are_saved(clinic: SimpleNamespace) -> None:
    url = reverse("clinic:session_attendance", args=[clinic.session.pk])
    response = _browser(clinic).post(url, {"status": "cancelled", "present": []})
    assert response.status_code == 302
    clinic.session.refresh_from_db()
    assert clinic.session.status == SessionStatus.CANCELLED
    assert list(clinic.session.attended_by.all()) == []


def test_a_missed_session_after_a_low_alliance_raises_the_ghosting_alert_at_once(
    clinic: SimpleNamespace,
) -> None:
    episode = rated_episode(clinic, [20.0], [33.0])
    second = make_session(episode, 2)
    url = reverse("clinic:session_attendance", args=[second.pk])
    _browser(clinic).post(url, {"status": "no_show", "present": [clinic.clinician.pk]})
    assert Alert.objects.filter(episode=episode, session=second, rule="ghosting_risk").exists()


def test_a_session_with_alliance_ratings_cannot_be_marked_missed(clinic: SimpleNamespace) -> None:
    episode = rated_episode(clinic, [20.0], [38.0])
    session = episode.sessions.get()
    url = reverse("clinic:session_attendance", args=[session.pk])
    response = _browser(clinic).post(url, {"status": "no_show"})
    assert response.status_code == 400
    assert "This session has alliance ratings, so it was attended." in response.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.ATTENDED


def test_only_members_of_the_care_team_can_be_marked_present(clinic: SimpleNamespace) -> None:
    url = reverse("clinic:session_attendance", args=[clinic.session.pk])
    response = _browser(clinic).post(url, {"status": "attended", "present": [clinic.outsider.pk]})
    assert response.status_code == 400
    assert "Care team present: choose people on this client" in response.content.decode()


def test_an_unknown_attendance_is_refused_naming_the_choices(clinic: SimpleNamespace) -> None:
    url = reverse("clinic:session_attendance", args=[clinic.session.pk])
    response = _browser(clinic).post(url, {"status": "late"})
    assert (
        "Attendance: choose one of Attended, Cancelled, Did not attend."
        in response.content.decode()
    )


def test_the_clinicians_own_rating_is_stored_and_a_discrepancy_raises_an_alert(
    clinic: SimpleNamespace,
) -> None:
    episode = rated_episode(clinic, [20.0], [33.0])
    session = episode.sessions.get()
    url = reverse("clinic:session_rating", args=[session.pk])
    response = _browser(clinic).post(url, _rating(38.0))
    assert response.status_code == 302
    own = Response.objects.get(session=session, rater=Rater.CLINICIAN)
    assert (own.total, own.rater_user, own.method) == (38.0, clinic.clinician, Method.CLINICIAN)
    alert = Alert.objects.get(episode=episode, rule="rating_discrepancy")
    assert alert.evidence["gap"] == pytest.approx(5.0)
    page = _browser(clinic).get(reverse("clinic:session", args=[session.pk])).content.decode()
    assert "You rated this session 38.0 on the SRS." in page


def test_a_rating_sent_twice_is_stored_once(clinic: SimpleNamespace) -> None:
    url = reverse("clinic:session_rating", args=[clinic.session.pk])
    key = uuid.uuid4()
    browser = _browser(clinic)
    browser.post(url, _rating(36.0, key))
    assert browser.post(url, _rating(36.0, key)).status_code == 302
    assert Response.objects.filter(session=clinic.session, rater=Rater.CLINICIAN).count() == 1
    refused = browser.post(url, _rating(30.0))
    assert "You have already rated this session." in refused.content.decode()


def test_a_rating_off_the_scale_is_refused_naming_the_item_and_the_range(
    clinic: SimpleNamespace,
) -> None:
    url = reverse("clinic:session_rating", args=[clinic.session.pk])
    response = _browser(clinic).post(url, {**_rating(36.0), "srs_2": "11"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Goals and topics: give a number from 0 to 10, in steps of 0.1." in body
    assert not Response.objects.filter(session=clinic.session).exists()


def test_a_missed_session_cannot_be_rated(clinic: SimpleNamespace) -> None:
    missed = make_session(clinic.episode, 2, status=SessionStatus.NO_SHOW)
    url = reverse("clinic:session_rating", args=[missed.pk])
    response = _browser(clinic).post(url, _rating(36.0))
    assert "Only an attended session can be rated." in response.content.decode()


def test_the_supervisor_reads_the_session_but_does_not_record_it(clinic: SimpleNamespace) -> None:
    browser = _browser(clinic, "supervisor")
    page = browser.get(reverse("clinic:session", args=[clinic.session.pk])).content.decode()
    assert "Save attendance" not in page and "Save my rating" not in page
    for name, data in (
        ("clinic:session_attendance", {"status": "cancelled"}),
        ("clinic:session_rating", _rating(36.0)),
    ):
        assert browser.post(reverse(name, args=[clinic.session.pk]), data).status_code == 403
    assert Session.objects.get(pk=clinic.session.pk).status == SessionStatus.ATTENDED


@pytest.mark.parametrize("name", ["clinic:session_attendance", "clinic:session_rating"])
def test_people_off_the_care_team_get_not_found(clinic: SimpleNamespace, name: str) -> None:
    url = reverse(name, args=[clinic.session.pk])
    assert _browser(clinic, "colleague").post(url, {"status": "cancelled"}).status_code == 404


def test_the_measures_recorded_show_who_answered_and_about_whom(clinic: SimpleNamespace) -> None:
    response_record(
        session=clinic.session,
        instrument_code="srs",
        values=srs(35.5),
        about_member=clinic.clinician,
    )
    page = _browser(clinic).get(reverse("clinic:session", args=[clinic.session.pk])).content
    assert "35.5" in page.decode() and "about Clinician" in page.decode()
