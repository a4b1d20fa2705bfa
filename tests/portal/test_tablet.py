"""Handing the clinic tablet to the client: the browser shows only the client's form until the
clinician types their password again."""

import uuid
from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse

from alliance.care.models import SessionStatus
from alliance.measures.models import Response
from alliance.portal.models import Invitation
from tests.factories import PASSWORD
from tests.portal.conftest import ORS_ANSWERS, alliance_settings, form_post

pytestmark = pytest.mark.django_db


def _logged_in(username: str = "clinician") -> Browser:
    browser = Browser()
    assert browser.login(username=username, password=PASSWORD)
    return browser


def _hand_over(clinic: SimpleNamespace, browser: Browser, measure: str = "ors"):  # type: ignore[no-untyped-def]
    return browser.post(
        reverse("portal:invite", args=[clinic.session.pk]),
        {"measure": measure, "channel": "tablet"},
    )


def _answer_ors(browser: Browser):  # type: ignore[no-untyped-def]
    return browser.post(reverse("portal:tablet"), form_post("ors", ORS_ANSWERS, str(uuid.uuid4())))


def test_the_session_page_offers_the_three_ways_for_both_measures(clinic: SimpleNamespace) -> None:
    page = _logged_in().get(reverse("clinic:session", args=[clinic.session.pk])).content.decode()
    for words in ("Hand the tablet to the client", "Send a link", "Make a kiosk code"):
        assert page.count(words) == 2
    assert "Outcome Rating Scale" in page and "Session Rating Scale" in page


def test_handing_over_opens_the_client_form(clinic: SimpleNamespace) -> None:
    browser = _logged_in()
    started = _hand_over(clinic, browser)
    assert started["Location"] == reverse("portal:tablet")
    page = browser.get(reverse("portal:tablet")).content.decode()
    assert "Individually" in page
    assert clinic.episode.client.display_name not in page
    assert "Caseload" not in page and "Log out Clinician" not in page


@pytest.mark.parametrize(
    "url",
    [
        "/caseload/",
        "/admin/",
        "/rate/kiosk/",
        "/accounts/password_change/",
        "/no-such-page/",
    ],
)
def test_while_the_client_holds_the_tablet_every_other_page_returns_to_the_form(
    clinic: SimpleNamespace, url: str
) -> None:
    browser = _logged_in()
    _hand_over(clinic, browser)
    answer = browser.get(url)
    assert answer.status_code == 302 and answer["Location"] == reverse("portal:tablet")


def test_static_files_still_load_during_the_hand_off(clinic: SimpleNamespace) -> None:
    browser = _logged_in()
    _hand_over(clinic, browser)
    assert browser.get("/static/alliance/portal.css").status_code != 302


def test_the_client_page_and_session_page_are_locked_too(clinic: SimpleNamespace) -> None:
    browser = _logged_in()
    _hand_over(clinic, browser)
    for url in (
        reverse("clinic:episode", args=[clinic.episode.pk]),
        reverse("clinic:session", args=[clinic.session.pk]),
    ):
        assert browser.get(url)["Location"] == reverse("portal:tablet")


def test_the_answers_are_stored_and_the_client_is_asked_to_hand_the_tablet_back(
    clinic: SimpleNamespace,
) -> None:
    clinic.session.status = SessionStatus.SCHEDULED
    clinic.session.save(update_fields=["status"])
    browser = _logged_in()
    _hand_over(clinic, browser)
    assert _answer_ors(browser)["Location"] == reverse("portal:thanks")
    response = Response.objects.get()
    assert (response.method, response.rater, response.rater_user) == ("tablet", "client", None)
    clinic.session.refresh_from_db()
    assert clinic.session.status == SessionStatus.ATTENDED
    thanks = browser.get(reverse("portal:thanks")).content.decode()
    assert "Please hand the tablet back" in thanks
    assert browser.get("/caseload/")["Location"] == reverse("portal:tablet")


def test_the_clinician_takes_the_tablet_back_with_their_password(clinic: SimpleNamespace) -> None:
    browser = _logged_in()
    _hand_over(clinic, browser)
    _answer_ors(browser)
    back = browser.post(reverse("portal:tablet_return"), {"password": PASSWORD})
    assert back["Location"] == reverse("clinic:session", args=[clinic.session.pk])
    assert browser.get("/caseload/").status_code == 200
    assert browser.get(reverse("portal:tablet")).status_code == 404


def test_a_wrong_password_keeps_the_tablet_locked(clinic: SimpleNamespace) -> None:
    browser = _logged_in()
    _hand_over(clinic, browser)
    wrong = browser.post(reverse("portal:tablet_return"), {"password": "guess"})
    assert wrong.status_code == 400
    assert "That password is not right" in wrong.content.decode()
    assert browser.get("/caseload/")["Location"] == reverse("portal:tablet")


@alliance_settings(HANDOFF_UNLOCK_ATTEMPTS=3)
def test_too_many_wrong_passwords_log_the_tablet_out(clinic: SimpleNamespace) -> None:
    browser = _logged_in()
    _hand_over(clinic, browser)
    for _ in range(3):
        last = browser.post(reverse("portal:tablet_return"), {"password": "guess"})
    assert "/login/" in last["Location"]
    assert "/login/" in browser.get("/caseload/")["Location"]
    assert "/login/" in browser.get(reverse("portal:tablet"))["Location"]


def test_logging_out_ends_the_hand_off(clinic: SimpleNamespace) -> None:
    browser = _logged_in()
    _hand_over(clinic, browser)
    browser.post(reverse("logout"))
    assert browser.login(username="clinician", password=PASSWORD)
    assert browser.get("/caseload/").status_code == 200


@pytest.mark.parametrize("channel", ["tablet", "link", "kiosk"])
@pytest.mark.parametrize(
    "role", ["colleague", "supervisor", "other_supervisor", "administrator", "outsider"]
)
def test_only_the_care_team_can_hand_over_send_a_link_or_make_a_code(
    clinic: SimpleNamespace, role: str, channel: str
) -> None:
    browser = _logged_in(getattr(clinic, role).username)
    answer = browser.post(
        reverse("portal:invite", args=[clinic.session.pk]), {"measure": "ors", "channel": channel}
    )
    assert answer.status_code == 404
    assert not Invitation.objects.exists()
    assert browser.get("/caseload/").status_code == 200


def test_an_anonymous_visitor_is_sent_to_log_in(clinic: SimpleNamespace) -> None:
    answer = _hand_over(clinic, Browser())
    assert "/login/" in answer["Location"]


def test_starting_needs_a_post(clinic: SimpleNamespace) -> None:
    assert _logged_in().get(reverse("portal:invite", args=[clinic.session.pk])).status_code == 405


def test_a_measure_not_installed_is_refused(clinic: SimpleNamespace) -> None:
    browser = _logged_in()
    answer = _hand_over(clinic, browser, measure="xyz")
    assert answer["Location"] == reverse("clinic:session", args=[clinic.session.pk])
    page = browser.get(answer["Location"]).content.decode()
    assert "Measures: choose from the installed measures: " in page
    assert not Invitation.objects.exists()
