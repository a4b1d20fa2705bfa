"""What keeps the client's form from recording what the client did not mean, on every channel:
the form names whose form it is (the client's first name, never their code), a tablet form
offers the clinician a way back, and a risk answer (PHQ-9 item 9 above 0) is followed by the
site's crisis information, never a bare thank-you."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client as Browser
from django.urls import reverse
from django.utils import translation

from alliance.care.models import Client
from alliance.measures.models import Response
from alliance.portal import visits
from alliance.portal.selectors import client_first_name
from alliance.settings import BASE_DIR, env_plain_text
from tests.factories import PASSWORD, make_episode, make_session
from tests.portal.conftest import SRS_ANSWERS, alliance_settings, form_post, invite

pytestmark = pytest.mark.django_db
CHANNELS = ["tablet", "link", "kiosk"]
KIOSK = "/rate/kiosk/"
DEFAULT_CRISIS = "call your local emergency number"


@pytest.fixture(autouse=True)
def language_kept() -> Iterator[None]:
    # A request in Dutch leaves Dutch active in the test's thread: no later test may inherit it.
    with translation.override(translation.get_language()):
        yield


def _phq9(ninth: str) -> dict[str, str]:
    return {**{f"phq9_{n}": "2" for n in range(1, 9)}, "phq9_9": ninth}


def _name(clinic: SimpleNamespace, display_name: str) -> None:
    Client.objects.filter(pk=clinic.episode.client_id).update(display_name=display_name)


def _open(
    clinic: SimpleNamespace, channel: str, measures: tuple[str, ...] = ("phq9",)
) -> tuple[Browser, str]:
    """A browser showing the form on this channel, and the address the form is posted to."""
    invitation, secret = invite(clinic, channel, measures)
    browser = Browser()
    if channel == "tablet":
        assert browser.login(username="clinician", password=PASSWORD)
        session = browser.session
        visits.handoff_start(session, invitation.pk)
        session.save()
        return browser, reverse("portal:tablet")
    if channel == "link":
        return browser, reverse("portal:link", args=[secret])
    assert browser.post(KIOSK, {"code": secret}, REMOTE_ADDR="10.0.0.7").status_code == 302
    return browser, KIOSK


def _send(browser: Browser, url: str, measure: str, answers: dict[str, str]) -> str:
    """Send one form and return the page the client sees next."""
    sent = browser.post(url, form_post(measure, answers, str(uuid.uuid4())))
    assert sent.status_code == 302, sent.content.decode()
    return browser.get(sent["Location"]).content.decode()


# Whose form it is.


@pytest.mark.parametrize("channel", CHANNELS)
def test_the_form_names_the_client_by_their_first_name_on_every_channel(
    clinic: SimpleNamespace, channel: str
) -> None:
    _name(clinic, "Anna Jansen")
    browser, url = _open(clinic, channel, ("ors",))
    page = browser.get(url).content.decode()
    assert "This form is for Anna." in page
    assert "If you are not Anna" in page
    assert "Jansen" not in page
    assert clinic.episode.client.code not in page


def test_a_link_form_names_only_its_own_client(clinic: SimpleNamespace) -> None:
    _name(clinic, "Anna Jansen")
    other = make_episode(clinic.team_a, clinic.clinician)
    Client.objects.filter(pk=other.client_id).update(display_name="Bram de Vries")
    theirs = SimpleNamespace(**{**vars(clinic), "session": make_session(other, 1)})
    for cast, own, not_own in ((clinic, "Anna", "Bram"), (theirs, "Bram", "Anna")):
        browser, url = _open(cast, "link", ("ors",))
        page = browser.get(url).content.decode()
        assert f"This form is for {own}." in page
        assert not_own not in page


def test_a_display_name_that_is_only_the_code_names_no_one(clinic: SimpleNamespace) -> None:
    code = clinic.episode.client.code
    _name(clinic, f"{code.lower()} (no name given)")
    browser, url = _open(clinic, "link", ("ors",))
    page = browser.get(url).content.decode()
    assert "This form is for" not in page
    assert code not in page and code.lower() not in page


def test_the_first_name_is_the_first_word_of_the_display_name(clinic: SimpleNamespace) -> None:
    invitation, _token = invite(clinic, "link")
    for display_name, first in (("  Anna  B. ", "Anna"), ("Jo", "Jo"), ("   ", "")):
        Client.objects.filter(pk=clinic.episode.client_id).update(display_name=display_name)
        invitation.session.episode.client.refresh_from_db()
        assert client_first_name(invitation) == first


def test_a_dutch_client_is_named_in_dutch(clinic: SimpleNamespace) -> None:
    _name(clinic, "Anna Jansen")
    browser, url = _open(clinic, "tablet", ("ors",))
    page = browser.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Dit formulier is voor Anna." in page
    assert "Bent u niet Anna? Geef de tablet dan terug aan uw behandelaar." in page


# The way back for the clinician.


def test_the_tablet_form_has_a_link_for_the_clinician_that_ends_the_hand_off(
    clinic: SimpleNamespace,
) -> None:
    browser, url = _open(clinic, "tablet", ("ors",))
    page = browser.get(url).content.decode()
    back = reverse("portal:tablet_return")
    assert f'href="{back}"' in page and "For the clinician" in page
    assert "Type your password" in browser.get(back).content.decode()
    assert browser.get("/caseload/")["Location"] == reverse("portal:tablet")
    taken = browser.post(back, {"password": PASSWORD})
    assert taken["Location"] == reverse("clinic:session", args=[clinic.session.pk])
    assert browser.get("/caseload/").status_code == 200
    assert browser.get(url).status_code == 404
    assert not Response.objects.exists()


@pytest.mark.parametrize("channel", ["link", "kiosk"])
def test_link_and_kiosk_forms_have_no_clinician_link(clinic: SimpleNamespace, channel: str) -> None:
    browser, url = _open(clinic, channel, ("ors",))
    page = browser.get(url).content.decode()
    assert reverse("portal:tablet_return") not in page
    assert "For the clinician" not in page


# Crisis information after a risk answer.


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_risk_answer_is_followed_by_the_crisis_information_on_every_channel(
    clinic: SimpleNamespace, channel: str
) -> None:
    browser, url = _open(clinic, channel)
    thanks = _send(browser, url, "phq9", _phq9("1"))
    assert Response.objects.get().risk_items == ["phq9_9"]
    assert "You do not have to carry this alone" in thanks
    assert "speak to your clinician" in thanks and DEFAULT_CRISIS in thanks
    assert thanks.index('class="crisis"') < thanks.index('class="big"')


@pytest.mark.parametrize("channel", CHANNELS)
def test_an_answer_without_risk_shows_no_crisis_information(
    clinic: SimpleNamespace, channel: str
) -> None:
    browser, url = _open(clinic, channel)
    thanks = _send(browser, url, "phq9", _phq9("0"))
    assert "Thank you" in thanks
    assert 'class="crisis"' not in thanks and DEFAULT_CRISIS not in thanks


def test_the_crisis_information_comes_right_after_the_risk_answer_not_only_at_the_end(
    clinic: SimpleNamespace,
) -> None:
    browser, url = _open(clinic, "link", ("srs", "phq9", "ors"))
    first = browser.get(url).content.decode()
    assert 'class="crisis"' not in first
    next_form = _send(browser, url, "srs", SRS_ANSWERS)
    assert 'class="crisis"' not in next_form
    after_risk = _send(browser, url, "phq9", _phq9("3"))
    assert "Outcome Rating Scale" in after_risk
    assert 'class="crisis"' in after_risk and DEFAULT_CRISIS in after_risk


def test_the_sites_crisis_text_replaces_the_default_line_by_line_and_as_text(
    clinic: SimpleNamespace,
) -> None:
    text = (
        "Speak to your clinician now.\nCrisis line (24/7): 0800 0113\nUnder 18 & worried? 0800 0432"
    )
    with alliance_settings(CRISIS_TEXT=text):
        browser, url = _open(clinic, "link")
        thanks = _send(browser, url, "phq9", _phq9("2"))
    assert "<p>Speak to your clinician now.<br>Crisis line (24/7): 0800 0113<br>" in thanks
    assert "Under 18 &amp; worried? 0800 0432</p>" in thanks
    assert DEFAULT_CRISIS not in thanks


def test_the_default_crisis_text_is_in_dutch_for_a_dutch_client(clinic: SimpleNamespace) -> None:
    browser, url = _open(clinic, "kiosk")
    sent = browser.post(url, form_post("phq9", _phq9("1"), str(uuid.uuid4())))
    thanks = browser.get(sent["Location"], HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "U hoeft dit niet alleen te dragen" in thanks
    assert "Bel dan het alarmnummer 112." in thanks


# The site's crisis text is plain text, checked at start-up.


@pytest.mark.parametrize(
    "markup",
    [
        "Call <b>112</b>",
        "Call 112</p>",
        "<!-- 112 -->",
        "<script>alert(1)</script>",
        "Crisis line &amp; reception",
        "Call &#49;12",
        "See [our crisis page](https://example.org/crisis)",
        "**Call 112 now**",
    ],
)
def test_a_crisis_text_with_markup_is_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, markup: str
) -> None:
    monkeypatch.setenv("ALLIANCE_CRISIS_TEXT", markup)
    with pytest.raises(ImproperlyConfigured, match="ALLIANCE_CRISIS_TEXT must be plain text"):
        env_plain_text("ALLIANCE_CRISIS_TEXT", "")


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("Speak to your clinician now.", "Speak to your clinician now."),
        ("  Crisis line 0800 0113\\nEmergency: 112  ", "Crisis line 0800 0113\nEmergency: 112"),
        ("Under 18 & worried? < 5 minutes wait: 0800 0432", None),
        ("Tel. +31 (0)20 123 4567 *24/7*", None),
    ],
)
def test_a_plain_crisis_text_is_kept_with_its_lines(
    monkeypatch: pytest.MonkeyPatch, raw: str, kept: str | None
) -> None:
    monkeypatch.setenv("ALLIANCE_CRISIS_TEXT", raw)
    assert env_plain_text("ALLIANCE_CRISIS_TEXT", "") == (kept or raw)


def test_without_the_variable_the_default_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALLIANCE_CRISIS_TEXT", raising=False)
    assert env_plain_text("ALLIANCE_CRISIS_TEXT", "") == ""
    assert settings.ALLIANCE["CRISIS_TEXT"] == ""


def test_the_site_refuses_to_start_with_markup_in_the_crisis_text() -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")
    }
    env |= {"ALLIANCE_ENV": "test", "ALLIANCE_CRISIS_TEXT": "Call <strong>112</strong>"}
    started = subprocess.run(
        [sys.executable, "manage.py", "check"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        cwd=BASE_DIR,
    )
    assert started.returncode != 0
    assert "ALLIANCE_CRISIS_TEXT must be plain text" in started.stderr
