"""The language of a page: the staff user's own (saved on them, used after every log-in), the
client's preferred one on the portal (link, kiosk, tablet), the browser's on anonymous pages."""

import uuid
from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse

from tests.factories import PASSWORD
from tests.portal.conftest import ORS_ANSWERS, form_post, invite

pytestmark = pytest.mark.django_db


def _staff(username: str = "clinician", **headers: str) -> Browser:
    browser = Browser(**headers)
    assert browser.login(username=username, password=PASSWORD)
    return browser


def _lang(html: str) -> str:
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_it_shows_a_staff_user_every_page_in_their_language(clinic: SimpleNamespace) -> None:
    clinic.clinician.language = "nl"
    clinic.clinician.save(update_fields=["language"])
    # A browser that asks for English does not win over the user's choice.
    page = _staff(HTTP_ACCEPT_LANGUAGE="en").get(reverse("clinic:caseload")).content.decode()
    assert _lang(page) == "nl"


def test_a_user_without_a_language_gets_the_browsers(clinic: SimpleNamespace) -> None:
    page = _staff(HTTP_ACCEPT_LANGUAGE="nl").get(reverse("clinic:caseload")).content.decode()
    assert _lang(page) == "nl"
    page = _staff(HTTP_ACCEPT_LANGUAGE="en").get(reverse("clinic:caseload")).content.decode()
    assert _lang(page) == "en"


def test_the_settings_page_saves_the_language_and_it_follows_the_user(
    clinic: SimpleNamespace,
) -> None:
    answer = _staff().post(reverse("accounts:settings"), {"language": "nl"})
    assert answer.status_code == 302
    clinic.clinician.refresh_from_db()
    assert clinic.clinician.language == "nl"
    # Another computer, another browser language: still Dutch.
    page = _staff(HTTP_ACCEPT_LANGUAGE="en").get(reverse("accounts:settings")).content.decode()
    assert _lang(page) == "nl"
    assert '<option value="nl" selected lang="nl">' in page


def test_the_settings_page_refuses_a_language_the_site_does_not_offer(
    clinic: SimpleNamespace,
) -> None:
    answer = _staff().post(reverse("accounts:settings"), {"language": "xx"})
    assert answer.status_code == 400
    assert "Language: choose one of en, nl" in answer.content.decode()
    clinic.clinician.refresh_from_db()
    assert clinic.clinician.language == ""


def test_the_settings_page_is_linked_from_the_header(clinic: SimpleNamespace) -> None:
    page = _staff().get(reverse("clinic:caseload")).content.decode()
    assert f'href="{reverse("accounts:settings")}"' in page


def test_the_headers_language_switch_is_saved_on_the_user(clinic: SimpleNamespace) -> None:
    _staff().post(reverse("set_language"), {"language": "nl", "next": "/"})
    clinic.clinician.refresh_from_db()
    assert clinic.clinician.language == "nl"


def test_an_anonymous_page_follows_the_browsers_accept_language(db: None) -> None:
    assert _lang(Browser(HTTP_ACCEPT_LANGUAGE="nl").get(reverse("login")).content.decode()) == "nl"
    assert _lang(Browser(HTTP_ACCEPT_LANGUAGE="en").get(reverse("login")).content.decode()) == "en"


def _prefers(clinic: SimpleNamespace, language: str) -> None:
    client = clinic.episode.client
    client.preferred_language = language
    client.save(update_fields=["preferred_language"])


def test_a_link_opens_in_the_clients_preferred_language(clinic: SimpleNamespace) -> None:
    _prefers(clinic, "nl")
    _invitation, token = invite(clinic, "link")
    page = Browser(HTTP_ACCEPT_LANGUAGE="en").get(reverse("portal:link", args=[token]))
    assert _lang(page.content.decode()) == "nl"


def test_the_client_can_still_switch_the_links_language(clinic: SimpleNamespace) -> None:
    _prefers(clinic, "nl")
    _invitation, token = invite(clinic, "link")
    url = reverse("portal:link", args=[token])
    browser = Browser()
    browser.post(reverse("portal:language"), {"language": "en", "next": url})
    assert _lang(browser.get(url).content.decode()) == "en"


def test_a_client_without_a_preference_gets_the_browsers_language(clinic: SimpleNamespace) -> None:
    _invitation, token = invite(clinic, "link")
    page = Browser(HTTP_ACCEPT_LANGUAGE="nl").get(reverse("portal:link", args=[token]))
    assert _lang(page.content.decode()) == "nl"


def test_the_tablet_speaks_the_clients_language_not_the_clinicians(
    clinic: SimpleNamespace,
) -> None:
    _prefers(clinic, "nl")
    clinic.clinician.language = "en"
    clinic.clinician.save(update_fields=["language"])
    browser = _staff()
    invitation, _token = invite(clinic, "tablet")
    session = browser.session
    session["portal.handoff"] = {"invitation": invitation.pk}
    session.save()
    assert _lang(browser.get(reverse("portal:tablet")).content.decode()) == "nl"
    # The client's switch on the tablet changes the form, not the clinician's own language.
    browser.post(reverse("portal:language"), {"language": "en", "next": "/rate/tablet/"})
    assert _lang(browser.get(reverse("portal:tablet")).content.decode()) == "en"
    clinic.clinician.refresh_from_db()
    assert clinic.clinician.language == "en"
    assert "django_language" not in browser.cookies


def test_the_kiosk_form_and_its_thanks_are_in_the_clients_language(
    clinic: SimpleNamespace,
) -> None:
    _prefers(clinic, "nl")
    invitation, _code = invite(clinic, "kiosk")
    browser = Browser(HTTP_ACCEPT_LANGUAGE="en")
    session = browser.session
    session["portal.kiosk"] = {"invitation": invitation.pk}
    session.save()
    assert _lang(browser.get(reverse("portal:kiosk")).content.decode()) == "nl"
    done = browser.post(
        reverse("portal:kiosk"), form_post("ors", ORS_ANSWERS, str(uuid.uuid4())), follow=True
    )
    assert _lang(done.content.decode()) == "nl"
