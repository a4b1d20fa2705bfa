"""The client's own progress page (issue 19, point 6): reached from their link after answering,
only when the team and the clinician allow it, only that client's data, not after the link
expires, never on a kiosk; plain words that never blame; a printable summary for the
clinician to hand over."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from alliance.measures.services import response_record
from alliance.voice.models import TeamSharing
from tests.clinic.builders import ors
from tests.factories import PASSWORD, make_episode, make_session
from tests.voice.conftest import answer, link

pytestmark = pytest.mark.django_db


def _allow(clinic: SimpleNamespace, *, team: bool = True, episode: bool = True) -> None:
    TeamSharing.objects.update_or_create(
        team=clinic.team_a, defaults={"clients_may_see_progress": team}
    )
    clinic.episode.share_progress_with_client = episode
    clinic.episode.save(update_fields=["share_progress_with_client"])


def _answered_link(clinic: SimpleNamespace) -> tuple[Browser, object]:
    invitation, url = link(clinic)
    browser = Browser()
    assert answer(browser, url, "ors").status_code == 302
    return browser, invitation


def _progress(browser: Browser) -> tuple[int, str]:
    response = browser.get(reverse("voice:client_progress"))
    return response.status_code, response.content.decode()


def test_with_the_teams_and_the_clinicians_consent_the_client_sees_their_progress(
    clinic: SimpleNamespace,
) -> None:
    _allow(clinic)
    browser, _invitation = _answered_link(clinic)
    thanks = browser.get(reverse("portal:thanks")).content.decode()
    assert reverse("voice:client_progress") in thanks
    status, html = _progress(browser)
    assert status == 200
    assert "What the chart shows" in html and "not your fault" in html
    assert "This is your first score" in html


@pytest.mark.parametrize("team, episode", [(False, True), (True, False), (False, False)])
def test_without_both_consents_there_is_no_progress_page(
    clinic: SimpleNamespace, team: bool, episode: bool
) -> None:
    _allow(clinic, team=team, episode=episode)
    browser, _invitation = _answered_link(clinic)
    assert (
        reverse("voice:client_progress")
        not in browser.get(reverse("portal:thanks")).content.decode()
    )
    assert _progress(browser)[0] == 404


def test_a_browser_that_answered_nothing_sees_nothing(clinic: SimpleNamespace) -> None:
    _allow(clinic)
    _answered_link(clinic)
    assert _progress(Browser())[0] == 404


def test_after_the_link_expires_the_page_closes(clinic: SimpleNamespace) -> None:
    _allow(clinic)
    browser, invitation = _answered_link(clinic)
    invitation.created_at = timezone.now() - dt.timedelta(days=5)
    invitation.expires_at = timezone.now() - dt.timedelta(days=1)
    invitation.save(update_fields=["created_at", "expires_at"])
    assert _progress(browser)[0] == 404


def test_a_kiosk_never_shows_the_progress_page(clinic: SimpleNamespace) -> None:
    from tests.portal.conftest import invite

    _allow(clinic)
    _invitation, code = invite(clinic, "kiosk", ("ors",))
    browser = Browser()
    browser.post(reverse("portal:kiosk"), {"code": code})
    answer(browser, reverse("portal:kiosk"), "ors")
    assert _progress(browser)[0] == 404


def test_the_page_shows_only_this_clients_scores(clinic: SimpleNamespace) -> None:
    _allow(clinic)
    other = make_episode(clinic.team_a, clinic.clinician)
    other.share_progress_with_client = True
    other.save(update_fields=["share_progress_with_client"])
    other_session = make_session(other, 1)
    response_record(
        session=other_session, instrument_code="ors", values=ors(33.3), rater="client",
        method="paper", idempotency_key="5e5e5e5e-4444-4d4d-8e8e-000000000004",
    )  # fmt: skip
    browser, _invitation = _answered_link(clinic)
    _status, html = _progress(browser)
    assert "19" in html and "33.3" not in html


def test_the_band_is_explained_and_a_low_score_is_not_blamed_on_the_client(
    clinic: SimpleNamespace,
) -> None:
    _allow(clinic)
    response_record(
        session=clinic.session, instrument_code="ors", values=ors(20), rater="client",
        method="paper", idempotency_key="6f6f6f6f-5555-4e4e-8f8f-000000000005",
    )  # fmt: skip
    later = make_session(clinic.episode, 6)
    clinic.session = later
    browser, _invitation = _answered_link(clinic)
    _status, html = _progress(browser)
    assert "The shaded area is the usual range" in html
    assert "your fault" in html and "you failed" not in html.lower()
    assert "Usual range" in html


def test_the_clinician_prints_a_client_friendly_summary(clinic: SimpleNamespace) -> None:
    response_record(
        session=clinic.session, instrument_code="ors", values=ors(24), rater="client",
        method="paper", idempotency_key="7a7a7a7a-6666-4f4f-9a9a-000000000006",
    )  # fmt: skip
    browser = Browser()
    assert browser.login(username="clinician", password=PASSWORD)
    html = browser.get(reverse("voice:progress_summary", args=[clinic.episode.pk])).content.decode()
    assert "Print this page" in html and "What the chart shows" in html
    assert clinic.episode.client.code not in html  # the hand-out carries no record code


def test_the_clinician_switches_sharing_on_when_the_team_allows_it(
    clinic: SimpleNamespace,
) -> None:
    _allow(clinic, episode=False)
    browser = Browser()
    assert browser.login(username="clinician", password=PASSWORD)
    page = browser.get(reverse("clinic:episode", args=[clinic.episode.pk])).content.decode()
    assert "Let the client see it" in page
    browser.post(reverse("voice:episode_sharing", args=[clinic.episode.pk]), {"share": "1"})
    clinic.episode.refresh_from_db()
    assert clinic.episode.share_progress_with_client
    bad = browser.post(reverse("voice:episode_sharing", args=[clinic.episode.pk]), {"share": "x"})
    assert bad.status_code == 302
    clinic.episode.refresh_from_db()
    assert clinic.episode.share_progress_with_client
