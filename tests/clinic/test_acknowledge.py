"""Acknowledging feedback: one click (htmx, or a plain form without JavaScript), an optional
note, only by people who may see the episode, CSRF protected, never overwritten."""

from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse

from alliance.feedback.models import Alert
from tests.clinic.builders import rated_episode
from tests.factories import PASSWORD

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alert(clinic: SimpleNamespace) -> Alert:
    episode = rated_episode(clinic, [30.0], [33.0])
    return Alert.objects.get(episode=episode, rule="low_alliance")


def _browser(clinic: SimpleNamespace, role: str = "clinician", **kwargs: bool) -> Browser:
    browser = Browser(**kwargs)
    assert browser.login(username=getattr(clinic, role).username, password=PASSWORD)
    return browser


def _url(alert: Alert) -> str:
    return reverse("feedback:alert_acknowledge", args=[alert.pk])


def test_one_htmx_click_acknowledges_the_alert_and_returns_its_new_card(
    clinic: SimpleNamespace, alert: Alert
) -> None:
    response = _browser(clinic).post(_url(alert), {"note": " Discussed with the client "}, **HTMX)
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "clinic/_alert.html"
    body = response.content.decode()
    assert f'id="alert-{alert.pk}"' in body and "Acknowledged by Clinician" in body
    assert "“Discussed with the client”" in body and "<form" not in body
    alert.refresh_from_db()
    assert alert.acknowledged_by == clinic.clinician
    assert alert.acknowledged_at is not None
    assert alert.acknowledgement_note == "Discussed with the client"


def test_the_note_is_optional(clinic: SimpleNamespace, alert: Alert) -> None:
    _browser(clinic).post(_url(alert), {}, **HTMX)
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None and alert.acknowledgement_note == ""


def test_without_javascript_the_form_acknowledges_and_goes_back_to_the_page(
    clinic: SimpleNamespace, alert: Alert
) -> None:
    page = reverse("clinic:episode", args=[alert.episode_id])
    browser = _browser(clinic)
    response = browser.post(_url(alert), {"note": "Changed the task", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert "Alert acknowledged." in browser.get(page).content.decode()
    alert.refresh_from_db()
    assert alert.acknowledgement_note == "Changed the task"


def test_a_next_address_on_another_site_is_ignored(clinic: SimpleNamespace, alert: Alert) -> None:
    response = _browser(clinic).post(_url(alert), {"next": "https://elsewhere.example/"})
    assert response["Location"] == reverse("clinic:episode", args=[alert.episode_id])


def test_acknowledging_twice_keeps_the_first_acknowledgement(
    clinic: SimpleNamespace, alert: Alert
) -> None:
    _browser(clinic).post(_url(alert), {"note": "First"}, **HTMX)
    _browser(clinic, "supervisor").post(_url(alert), {"note": "Second"}, **HTMX)
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.acknowledgement_note) == (clinic.clinician, "First")


def test_the_teams_supervisor_off_the_care_team_may_not_acknowledge(
    clinic: SimpleNamespace, alert: Alert
) -> None:
    # The person who saw the client closes the alert; the supervisor reads it.
    assert _browser(clinic, "supervisor").post(_url(alert), **HTMX).status_code == 403
    alert.refresh_from_db()
    assert alert.is_open and alert.acknowledged_by is None


@pytest.mark.parametrize("role", ["colleague", "other_supervisor", "administrator", "outsider"])
def test_people_who_may_not_see_the_episode_get_not_found(
    clinic: SimpleNamespace, alert: Alert, role: str
) -> None:
    assert _browser(clinic, role).post(_url(alert), {"note": "x"}).status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_an_anonymous_visitor_is_sent_to_log_in(alert: Alert) -> None:
    response = Browser().post(_url(alert))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_post_without_the_csrf_token_is_refused(clinic: SimpleNamespace, alert: Alert) -> None:
    browser = _browser(clinic, enforce_csrf_checks=True)
    assert browser.post(_url(alert), {"note": "x"}, **HTMX).status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_acknowledging_needs_a_post(clinic: SimpleNamespace, alert: Alert) -> None:
    assert _browser(clinic).get(_url(alert)).status_code == 405


def test_a_note_too_long_is_refused_with_a_message_naming_the_note(
    clinic: SimpleNamespace, alert: Alert
) -> None:
    response = _browser(clinic).post(_url(alert), {"note": "x" * 1001}, **HTMX)
    assert response.status_code == 200  # htmx swaps only successful answers
    assert "Note: keep it under 1000 characters." in response.content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_the_episode_page_keeps_acknowledged_alerts_apart_with_who_and_the_note(
    clinic: SimpleNamespace, alert: Alert
) -> None:
    browser = _browser(clinic)
    browser.post(_url(alert), {"note": "Talked it through"}, **HTMX)
    body = browser.get(reverse("clinic:episode", args=[alert.episode_id])).content.decode()
    assert "No open alerts." in body
    assert "1 earlier alert" in body and "“Talked it through”" in body


def test_an_alert_withdrawn_between_the_page_and_the_click_reloads_the_page(
    clinic: SimpleNamespace, alert: Alert
) -> None:
    # A rating that arrived a moment ago made the rule stop firing (alerts_refresh withdraws it).
    url = _url(alert)
    alert.delete()
    answer = _browser(clinic).post(url, {"note": ""}, **HTMX)
    assert answer.status_code == 404 and answer["HX-Refresh"] == "true"
    assert _browser(clinic).post(url, {"note": ""}).status_code == 404


def test_an_alert_withdrawn_after_the_lookup_is_not_found_rather_than_a_server_error(
    clinic: SimpleNamespace, alert: Alert
) -> None:
    from alliance.feedback.services import AlertWithdrawn, alert_acknowledge

    Alert.objects.filter(pk=alert.pk).delete()  # the caller still holds the object it found
    with pytest.raises(AlertWithdrawn):
        alert_acknowledge(alert=alert, by=clinic.clinician)
