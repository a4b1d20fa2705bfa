"""Passwords: at least 12 characters and not a common one (Django's list of 20,000); reset
e-mails are rate-limited per e-mail address and per network address, and a refused request
sees the same page as any other, so nothing is revealed."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from alliance.brakes.models import Brake
from alliance.demo.clinic import DEMO_PASSWORD
from tests.factories import PASSWORD
from tests.portal.conftest import alliance_settings

pytestmark = pytest.mark.django_db

RESET = reverse("password_reset")
DONE = reverse("password_reset_done")


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("elevenchars", "at least 12 characters"),
        ("password1234", "too common"),
        ("qwertyuiop12", "too common"),
    ],
)
def test_a_short_or_common_password_is_refused_saying_why(
    clinic: SimpleNamespace, password: str, words: str
) -> None:
    form = SetPasswordForm(clinic.clinician, {"new_password1": password, "new_password2": password})
    assert not form.is_valid()
    assert words in " ".join(form.errors["new_password2"])
    assert clinic.clinician.check_password(PASSWORD)


def test_the_demo_and_test_passwords_are_long_enough(clinic: SimpleNamespace) -> None:
    for password in (DEMO_PASSWORD, PASSWORD):
        validate_password(password)
    # Twelve characters or more that are not common pass.
    validate_password("river-stone-7")


def _with_email(clinic: SimpleNamespace, *names: str) -> None:
    for name in names:
        user = getattr(clinic, name)
        user.email = f"{name}@riverside.example"
        user.save(update_fields=["email"])


def _ask(email: str, address: str = "198.51.100.7"):  # type: ignore[no-untyped-def]
    return Browser(REMOTE_ADDR=address).post(RESET, {"email": email})


@alliance_settings(PASSWORD_RESETS_PER_ACCOUNT=3)
def test_reset_e_mails_for_one_account_are_limited_and_the_page_says_nothing(
    clinic: SimpleNamespace,
) -> None:
    _with_email(clinic, "clinician")
    answers = [_ask("clinician@riverside.example", f"203.0.113.{n}") for n in range(5)]
    assert [answer["Location"] for answer in answers] == [DONE] * 5
    assert len(mail.outbox) == 3
    # An unknown address is answered the same way.
    assert _ask("nobody@riverside.example")["Location"] == DONE


@alliance_settings(PASSWORD_RESETS_PER_ADDRESS=2)
def test_reset_e_mails_from_one_address_are_limited(clinic: SimpleNamespace) -> None:
    _with_email(clinic, "clinician", "colleague", "supervisor")
    for name in ("clinician", "colleague", "supervisor"):
        assert _ask(f"{name}@riverside.example")["Location"] == DONE
    assert [message.to for message in mail.outbox] == [
        ["clinician@riverside.example"],
        ["colleague@riverside.example"],
    ]
    assert _ask("supervisor@riverside.example", "203.0.113.9")["Location"] == DONE
    assert len(mail.outbox) == 3


@alliance_settings(PASSWORD_RESETS_PER_ACCOUNT=1)
def test_the_reset_limit_lifts_after_an_hour(clinic: SimpleNamespace) -> None:
    _with_email(clinic, "clinician")
    _ask("clinician@riverside.example")
    _ask("Clinician@Riverside.example ")
    assert len(mail.outbox) == 1
    Brake.objects.update(since=timezone.now() - dt.timedelta(hours=1, seconds=1))
    _ask("clinician@riverside.example")
    assert len(mail.outbox) == 2
