"""The kiosk's brake on wrong codes: each kiosk (known by a signed cookie set when staff open it)
is paused on its own, all the kiosks behind the clinic's address have a looser brake together,
text that cannot be a code is refused without counting, and staff can unlock a paused kiosk."""

from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse

from alliance.audit.models import Action, AuditEvent
from alliance.brakes.models import Brake
from alliance.portal.views import KIOSK_DEVICE_COOKIE
from tests.factories import PASSWORD
from tests.portal.conftest import alliance_settings, invite

pytestmark = pytest.mark.django_db
KIOSK = "/rate/kiosk/"
CLINIC = "10.0.0.7"


def _type(browser: Browser, code: str):  # type: ignore[no-untyped-def]
    return browser.post(KIOSK, {"code": code})


def _kiosk() -> Browser:
    """A browser a member of staff made a kiosk of, logged out again."""
    browser = Browser(REMOTE_ADDR=CLINIC)
    assert browser.login(username="clinician", password=PASSWORD)
    started = browser.post(reverse("portal:kiosk_staff"))
    assert started["Location"] == reverse("portal:kiosk")
    assert KIOSK_DEVICE_COOKIE in browser.cookies
    return browser


def _counted() -> int:
    return sum(Brake.objects.values_list("count", flat=True))


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("ABC", "A code has 6 letters and digits, like K7P 3QX; you typed 3."),
        ("K7P 3QX 9", "you typed 7"),
        ("K7P 3Q0", "Codes use only these letters and digits"),
        ("k7p-3qs", "Codes use only these letters and digits"),
    ],
)
def test_text_that_cannot_be_a_code_is_refused_without_counting_as_a_guess(
    clinic: SimpleNamespace, typed: str, words: str
) -> None:
    answer = _type(Browser(REMOTE_ADDR=CLINIC), typed)
    assert answer.status_code == 400
    assert words in answer.content.decode()
    assert _counted() == 0


def test_a_code_typed_in_small_letters_with_a_space_still_opens(clinic: SimpleNamespace) -> None:
    _invitation, code = invite(clinic, "kiosk")
    assert _type(_kiosk(), f"{code[:3].lower()} {code[3:]}")["Location"] == KIOSK


@alliance_settings(KIOSK_ATTEMPTS=3)
def test_typos_at_one_kiosk_pause_only_that_kiosk(clinic: SimpleNamespace) -> None:
    _invitation, code = invite(clinic, "kiosk")
    first, second = _kiosk(), _kiosk()
    for _ in range(3):
        assert _type(first, "AAAAAA").status_code == 400
    paused = _type(first, code)
    assert paused.status_code == 429
    assert "ask at reception" in paused.content.decode()
    assert _type(second, code)["Location"] == KIOSK


@alliance_settings(KIOSK_ATTEMPTS=3)
def test_browsers_that_are_no_kiosk_share_the_brake_of_their_address(
    clinic: SimpleNamespace,
) -> None:
    _invitation, code = invite(clinic, "kiosk")
    for _ in range(3):
        _type(Browser(REMOTE_ADDR=CLINIC), "AAAAAA")
    assert _type(Browser(REMOTE_ADDR=CLINIC), code).status_code == 429
    # A kiosk behind the same address is not paused by them.
    assert _type(_kiosk(), code)["Location"] == KIOSK


@alliance_settings(KIOSK_ATTEMPTS=3, KIOSK_ADDRESS_ATTEMPTS=4)
def test_all_the_kiosks_behind_one_address_have_a_brake_together(clinic: SimpleNamespace) -> None:
    _invitation, code = invite(clinic, "kiosk")
    first, second, third = _kiosk(), _kiosk(), _kiosk()
    for kiosk in (first, second):
        for _ in range(2):
            assert _type(kiosk, "AAAAAA").status_code == 400
    assert _type(third, code).status_code == 429
    assert _type(Browser(REMOTE_ADDR="10.0.0.8"), code)["Location"] == KIOSK


@alliance_settings(KIOSK_ATTEMPTS=2, KIOSK_ADDRESS_ATTEMPTS=3)
def test_a_paused_kiosk_uses_up_nothing_of_the_others_allowance(clinic: SimpleNamespace) -> None:
    _invitation, code = invite(clinic, "kiosk")
    paused = _kiosk()
    for _ in range(10):
        _type(paused, "AAAAAA")
    assert _counted() == 4  # two for the kiosk, two for its address
    assert _type(_kiosk(), code)["Location"] == KIOSK


@alliance_settings(KIOSK_ATTEMPTS=2)
def test_a_forged_kiosk_cookie_counts_as_no_kiosk(clinic: SimpleNamespace) -> None:
    _invitation, code = invite(clinic, "kiosk")
    for n in range(2):
        forged = Browser(REMOTE_ADDR=CLINIC)
        forged.cookies[KIOSK_DEVICE_COOKIE] = f"made-up-{n}"
        _type(forged, "AAAAAA")
    assert _type(Browser(REMOTE_ADDR=CLINIC), code).status_code == 429


def test_staff_opening_the_kiosk_page_make_the_browser_a_kiosk(clinic: SimpleNamespace) -> None:
    staff = Browser(REMOTE_ADDR=CLINIC)
    assert staff.login(username="clinician", password=PASSWORD)
    marked = staff.get(KIOSK)
    assert marked.cookies[KIOSK_DEVICE_COOKIE]["httponly"]
    device = staff.cookies[KIOSK_DEVICE_COOKIE].value
    # Opening it again keeps the same kiosk; a visitor who is not staff is never made one.
    assert KIOSK_DEVICE_COOKIE not in staff.get(KIOSK).cookies
    assert staff.cookies[KIOSK_DEVICE_COOKIE].value == device
    assert KIOSK_DEVICE_COOKIE not in Browser().get(KIOSK).cookies


@alliance_settings(KIOSK_ATTEMPTS=3)
def test_staff_unlock_a_paused_kiosk_and_it_is_in_the_audit_log(clinic: SimpleNamespace) -> None:
    _invitation, code = invite(clinic, "kiosk")
    kiosk = _kiosk()
    for _ in range(3):
        _type(kiosk, "AAAAAA")
    assert _type(kiosk, code).status_code == 429
    assert "For staff: start or unlock this kiosk" in kiosk.get(KIOSK).content.decode()
    assert "/login/" in kiosk.get(reverse("portal:kiosk_staff"))["Location"]
    assert kiosk.login(username="clinician", password=PASSWORD)
    page = kiosk.get(reverse("portal:kiosk_staff")).content.decode()
    assert "This kiosk is paused" in page and "Unlock the kiosk" in page
    unlocked = kiosk.post(reverse("portal:kiosk_staff"), follow=True)
    assert "The kiosk is unlocked" in unlocked.content.decode()
    # The member of staff is logged out: the waiting room reaches no staff page.
    assert "/login/" in kiosk.get("/caseload/")["Location"]
    assert _type(kiosk, code)["Location"] == KIOSK
    event = AuditEvent.objects.get(object_kind="kiosk", detail__contains="unlocked")
    assert event.actor == clinic.clinician and event.action == Action.CHANGE
    assert event.detail == "kiosk unlocked after wrong codes"
    assert event.organisation == clinic.org


def test_a_code_that_cannot_be_one_is_explained_in_the_clients_language(
    clinic: SimpleNamespace,
) -> None:
    answer = Browser(REMOTE_ADDR=CLINIC).post(KIOSK, {"code": "ABC"}, HTTP_ACCEPT_LANGUAGE="nl")
    assert "Een code heeft 6 letters en cijfers" in answer.content.decode()
