"""Attacks on the language switches (the header's ``set_language``, "Your settings" and the
portal's own): no open redirect through ``next``, no change without the CSRF token, nothing
but an offered language stored, and only ever on the user who asked."""

from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance.accounts.services import organisation_two_factor_set
from tests.factories import PASSWORD
from tests.portal.conftest import invite

pytestmark = pytest.mark.django_db

ELSEWHERE = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "https:evil.example"]


def _staff(username: str = "clinician", **kwargs: object) -> Browser:
    browser = Browser(**kwargs)  # type: ignore[arg-type]
    assert browser.login(username=username, password=PASSWORD)
    return browser


def _stays_here(answer: object) -> bool:
    location = answer["Location"]  # type: ignore[index]
    return answer.status_code == 302 and "evil.example" not in location  # type: ignore[attr-defined]


@pytest.mark.parametrize("wanted", ELSEWHERE)
def test_the_header_switch_never_sends_anyone_to_another_site(
    clinic: SimpleNamespace, wanted: str
) -> None:
    assert _stays_here(_staff().post(reverse("set_language"), {"language": "nl", "next": wanted}))
    assert _stays_here(Browser().post(reverse("set_language"), {"language": "nl", "next": wanted}))


@pytest.mark.parametrize("wanted", ELSEWHERE)
def test_the_portal_switch_never_sends_a_client_to_another_site(
    clinic: SimpleNamespace, wanted: str
) -> None:
    phone = Browser()
    assert _stays_here(phone.post(reverse("portal:language"), {"language": "nl", "next": wanted}))
    tablet = _staff()
    started = tablet.post(
        reverse("portal:invite", args=[clinic.session.pk]),
        {"measure": "ors", "channel": "tablet"},
    )
    assert started["Location"] == reverse("portal:tablet")  # the hand-off has begun
    answer = tablet.post(reverse("portal:language"), {"language": "nl", "next": wanted})
    assert _stays_here(answer)


def test_no_language_changes_without_the_csrf_token(clinic: SimpleNamespace) -> None:
    browser = _staff(enforce_csrf_checks=True)
    assert browser.post(reverse("set_language"), {"language": "nl"}).status_code == 403
    assert browser.post(reverse("accounts:settings"), {"language": "nl"}).status_code == 403
    clinic.clinician.refresh_from_db()
    assert clinic.clinician.language == ""


@pytest.mark.parametrize("code", ["xx", "nl<script>", "en-" + "x" * 200, "../../etc"])
def test_the_header_switch_stores_only_an_offered_language(
    clinic: SimpleNamespace, code: str
) -> None:
    _staff().post(reverse("set_language"), {"language": code, "next": "/"})
    clinic.clinician.refresh_from_db()
    assert clinic.clinician.language in ("", "en")


def test_a_user_changes_only_their_own_language(clinic: SimpleNamespace) -> None:
    # Fields naming someone else are ignored: the switch acts on the user who is logged in.
    browser = _staff()
    browser.post(reverse("accounts:settings"), {"language": "nl", "user": clinic.colleague.pk})
    browser.post(reverse("set_language"), {"language": "de", "username": "colleague"})
    clinic.colleague.refresh_from_db()
    clinic.clinician.refresh_from_db()
    assert clinic.colleague.language == "" and clinic.clinician.language == "de"


def test_a_client_s_link_switch_leaves_the_logged_in_user_s_language(
    clinic: SimpleNamespace,
) -> None:
    # A clinician trying a client's link in their own browser: the client's switch is the
    # visit's and the cookie's, never the member of staff's own setting.
    _invitation, token = invite(clinic, "link")
    browser = _staff()
    browser.get(reverse("portal:link", args=[token]))
    browser.post(reverse("portal:language"), {"language": "nl", "next": "/"})
    clinic.clinician.refresh_from_db()
    assert clinic.clinician.language == ""


@pytest.mark.parametrize("half_way", ["code_awaited", "set_up_required"])
def test_a_password_alone_does_not_change_the_user_s_stored_language(
    clinic: SimpleNamespace, half_way: str
) -> None:
    # The header's switch stays open before the second factor (the code page needs it), but
    # someone with only the password is not yet the user: the switch sets the cookie, never
    # the account's own setting.
    if half_way == "code_awaited":
        TOTPDevice.objects.create(user=clinic.clinician, name="phone", confirmed=True)
    else:
        organisation_two_factor_set(organisation=clinic.org, required=True, by=clinic.administrator)
    browser = _staff()
    answer = browser.post(reverse("set_language"), {"language": "nl", "next": "/"})
    assert answer.status_code == 302
    clinic.clinician.refresh_from_db()
    assert clinic.clinician.language == ""
