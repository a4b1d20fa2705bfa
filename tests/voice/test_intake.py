"""Preferences (C-NIP) and expectations (CEQ with the client's hopes) at intake (issue 19,
points 3 and 4): offered by tablet, link or kiosk from the session page, stored once, shown
on the client page as a short sentence and beside the goals; a goal can start from the
client's words."""

from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse

from alliance.measures.models import Response
from alliance.portal.models import Invitation
from alliance.voice.models import ClientHopes
from tests.factories import PASSWORD
from tests.voice.conftest import answer, link

pytestmark = pytest.mark.django_db

HOPES = {"voice_hopes": "To sleep through & enjoy mornings", "voice_theory": "Talking it out"}


def _staff(clinic: SimpleNamespace, role: str = "clinician") -> Browser:
    browser = Browser()
    assert browser.login(username=getattr(clinic, role).username, password=PASSWORD)
    return browser


def _intake_by_link(clinic: SimpleNamespace) -> None:
    _invitation, url = link(clinic, ("cnip", "ceq"))
    browser = Browser()
    assert answer(browser, url, "cnip").status_code == 302
    assert answer(browser, url, "ceq", HOPES).status_code == 302


def test_the_session_page_hands_the_intake_measures_to_the_client(
    clinic: SimpleNamespace,
) -> None:
    browser = _staff(clinic)
    html = browser.get(reverse("clinic:session", args=[clinic.session.pk])).content.decode()
    assert reverse("voice:intake_invite", args=[clinic.session.pk]) in html
    response = browser.post(
        reverse("voice:intake_invite", args=[clinic.session.pk]), {"channel": "tablet"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal:tablet")
    assert Invitation.objects.get().measures == ["cnip", "ceq"]
    form = browser.get(reverse("portal:tablet")).content.decode()
    assert "Cooper-Norcross Inventory of Preferences" in form


def test_only_the_care_team_invites_the_intake_measures(clinic: SimpleNamespace) -> None:
    for role in ("supervisor", "colleague", "outsider"):
        response = _staff(clinic, role).post(
            reverse("voice:intake_invite", args=[clinic.session.pk]), {"channel": "kiosk"}
        )
        assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_the_expectancy_form_asks_for_hopes_and_a_theory_of_change(
    clinic: SimpleNamespace,
) -> None:
    _invitation, url = link(clinic, ("ceq",))
    html = Browser().get(url).content.decode()
    assert 'name="voice_hopes"' in html and 'name="voice_theory"' in html


def test_preferences_submitted_twice_are_stored_once(clinic: SimpleNamespace) -> None:
    _invitation, url = link(clinic, ("cnip", "ceq"))
    browser = Browser()
    key = "1c1c1c1c-3333-4c4c-8d8d-000000000003"
    answer(browser, url, "cnip", key=key)
    again = answer(browser, url, "cnip", key=key)
    assert again.status_code == 302
    assert Response.objects.filter(instrument="cnip").count() == 1


def test_a_preference_answer_out_of_range_is_refused_naming_the_question(
    clinic: SimpleNamespace,
) -> None:
    _invitation, url = link(clinic, ("cnip",))
    bad = {f"cnip_{n}": "0" for n in range(1, 19)} | {"cnip_4": "5"}
    response = answer(Browser(), url, "cnip", answers=bad)
    assert response.status_code == 400
    assert "Question 4" in response.content.decode()
    assert not Response.objects.exists()


def test_hopes_with_markup_are_refused_naming_the_field(clinic: SimpleNamespace) -> None:
    _invitation, url = link(clinic, ("ceq",))
    response = answer(Browser(), url, "ceq", {"voice_hopes": "<img src=x onerror=alert(1)>"})
    assert response.status_code == 400
    assert "What you hope will be different: please write plain words" in (
        response.content.decode()
    )
    assert not ClientHopes.objects.exists() and not Response.objects.exists()


def test_the_client_page_shows_strong_preferences_as_a_sentence(clinic: SimpleNamespace) -> None:
    _intake_by_link(clinic)
    html = _staff(clinic).get(reverse("clinic:episode", args=[clinic.episode.pk])).content.decode()
    assert "Prefers the clinician to take the lead; prefers a focus on the present." in html
    assert "Credibility 21 and expectancy" in html


def test_the_hopes_are_shown_to_the_care_team_with_a_goal_started_from_them(
    clinic: SimpleNamespace,
) -> None:
    _intake_by_link(clinic)
    hopes = ClientHopes.objects.get()
    browser = _staff(clinic)
    html = browser.get(reverse("clinic:episode", args=[clinic.episode.pk])).content.decode()
    assert "To sleep through &amp; enjoy mornings" in html and "Talking it out" in html
    start = reverse("care:goal_add", args=[clinic.episode.pk]) + f"?from_words={hopes.pk}"
    assert start in html
    form = browser.get(start).content.decode()
    assert "To sleep through &amp; enjoy mornings</textarea>" in form


def test_a_supervisor_sees_the_preferences_but_not_the_clients_words(
    clinic: SimpleNamespace,
) -> None:
    _intake_by_link(clinic)
    html = (
        _staff(clinic, "supervisor")
        .get(reverse("clinic:episode", args=[clinic.episode.pk]))
        .content.decode()
    )
    assert "Prefers the clinician to take the lead" in html
    assert "To sleep through" not in html
    hopes = ClientHopes.objects.get()
    start = reverse("care:goal_add", args=[clinic.episode.pk]) + f"?from_words={hopes.pk}"
    assert "To sleep through" not in _staff(clinic, "supervisor").get(start).content.decode()
