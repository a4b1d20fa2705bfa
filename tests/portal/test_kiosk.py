"""The waiting-room kiosk: a short code typed by the client opens the form once; wrong codes are
counted per address and refused for a while after too many."""

import datetime as dt
import re
import uuid
from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from alliance.brakes.models import Brake
from alliance.measures.models import Response
from alliance.portal.models import Invitation, SecretKind
from tests.factories import PASSWORD
from tests.portal.conftest import ORS_ANSWERS, alliance_settings, form_post, invite

pytestmark = pytest.mark.django_db
KIOSK = "/rate/kiosk/"


def _type(browser: Browser, code: str, address: str = "10.0.0.7"):  # type: ignore[no-untyped-def]
    return browser.post(KIOSK, {"code": code}, REMOTE_ADDR=address)


def test_the_clinician_sees_the_code_once(clinic: SimpleNamespace) -> None:
    browser = Browser()
    browser.login(username="clinician", password=PASSWORD)
    made = browser.post(
        reverse("portal:invite", args=[clinic.session.pk]), {"measure": "ors", "channel": "kiosk"}
    )
    invitation = Invitation.objects.get()
    assert made["Location"] == reverse("portal:kiosk_code", args=[invitation.pk])
    page = browser.get(made["Location"]).content.decode()
    code = re.search(r'class="kiosk-code-shown"[^>]*>([A-Z0-9 ]+)<', page).group(1)  # type: ignore[union-attr]
    assert "30 minutes" in page
    assert invitation.secret_hash != code.replace(" ", "")
    assert code not in browser.get(made["Location"]).content.decode()
    assert _type(Browser(), code)["Location"] == KIOSK


def test_a_colleague_cannot_see_the_code_page(clinic: SimpleNamespace) -> None:
    invitation, _code = invite(clinic, "kiosk")
    browser = Browser()
    browser.login(username="colleague", password=PASSWORD)
    assert browser.get(reverse("portal:kiosk_code", args=[invitation.pk])).status_code == 404


def test_a_code_opens_the_form_and_the_answers_are_stored(clinic: SimpleNamespace) -> None:
    _invitation, code = invite(clinic, "kiosk")
    kiosk = Browser()
    assert _type(kiosk, code.lower()[:3] + " " + code[3:])["Location"] == KIOSK
    assert "Individually" in kiosk.get(KIOSK).content.decode()
    done = kiosk.post(KIOSK, form_post("ors", ORS_ANSWERS, str(uuid.uuid4())))
    assert done["Location"] == reverse("portal:thanks")
    assert Response.objects.get().method == "kiosk"
    thanks = kiosk.get(done["Location"]).content.decode()
    assert "sent to your clinician" in thanks
    # The next person at the kiosk starts from the code again and sees nothing of this one.
    kiosk.post(KIOSK, {"leave": "1"})
    assert "Your code" in kiosk.get(KIOSK).content.decode()
    assert kiosk.get(reverse("portal:thanks")).status_code == 404


def test_the_kiosk_never_shows_the_progress_chart(clinic: SimpleNamespace) -> None:
    clinic.episode.share_progress_with_client = True
    clinic.episode.save(update_fields=["share_progress_with_client"])
    _invitation, code = invite(clinic, "kiosk")
    kiosk = Browser()
    _type(kiosk, code)
    kiosk.post(KIOSK, form_post("ors", ORS_ANSWERS, str(uuid.uuid4())))
    assert "Your progress" not in kiosk.get(reverse("portal:thanks")).content.decode()


def test_stop_and_clear_leaves_the_form(clinic: SimpleNamespace) -> None:
    _invitation, code = invite(clinic, "kiosk")
    kiosk = Browser()
    _type(kiosk, code)
    kiosk.post(KIOSK, {"leave": "1"})
    assert "Your code" in kiosk.get(KIOSK).content.decode()


def test_a_wrong_code_is_refused_kindly(clinic: SimpleNamespace) -> None:
    answer = _type(Browser(), "AAAAAA")
    assert answer.status_code == 400
    assert "That code does not work" in answer.content.decode()
    assert Brake.objects.get(kind=SecretKind.KIOSK).count == 1


def test_an_expired_code_is_refused(clinic: SimpleNamespace) -> None:
    invitation, code = invite(clinic, "kiosk")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    answer = _type(Browser(), code)
    assert answer.status_code == 400
    assert "expired or was already used" in answer.content.decode()


def test_a_used_code_is_refused(clinic: SimpleNamespace) -> None:
    _invitation, code = invite(clinic, "kiosk")
    first = Browser()
    _type(first, code)
    first.post(KIOSK, form_post("ors", ORS_ANSWERS, str(uuid.uuid4())))
    assert "expired or was already used" in _type(Browser(), code).content.decode()


@alliance_settings(KIOSK_ATTEMPTS=3, KIOSK_WINDOW_MINUTES=10)
def test_after_too_many_wrong_codes_the_kiosk_refuses_for_a_while(clinic: SimpleNamespace) -> None:
    _invitation, code = invite(clinic, "kiosk")
    kiosk = Browser()
    for _ in range(3):
        _type(kiosk, "AAAAAA")
    locked = _type(kiosk, code)
    assert locked.status_code == 429
    assert "Please wait a few minutes" in locked.content.decode()
    # Another kiosk is not affected; and the lock lifts once the window has passed.
    assert _type(Browser(), code, address="10.0.0.8").status_code == 302
    Brake.objects.update(since=timezone.now() - dt.timedelta(minutes=11))
    _invitation, second_code = invite(clinic, "kiosk")
    assert _type(kiosk, second_code).status_code == 302
