"""Lockout after repeated failed log-ins (django-axes, issue 6 §4): counted per user name and
address, a kind 429 with the time to try again, the same for unknown names, and a reset."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client as Browser
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT
HOME = "10.0.0.7"


def _log_in(username: str, password: str = "not-the-password", address: str = HOME):  # type: ignore[no-untyped-def]
    return Browser().post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _fail(username: str, times: int, address: str = HOME) -> list[int]:
    return [_log_in(username, address=address).status_code for _ in range(times)]


def test_the_limit_and_cool_off_are_the_documented_defaults() -> None:
    assert LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60


def test_the_last_allowed_failure_locks_with_a_kind_429(clinic: SimpleNamespace) -> None:
    assert _fail("clinician", LIMIT - 1) == [200] * (LIMIT - 1)
    locked = _log_in("clinician")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert re.search(
        r"Too many failed log-ins. Try again after \d\d:\d\d or ask your administrator.", body
    )


def test_the_right_password_does_not_open_a_locked_account(clinic: SimpleNamespace) -> None:
    _fail("clinician", LIMIT)
    response = _log_in("clinician", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in response.wsgi_request.session


def test_the_time_shown_is_when_the_cool_off_ends(clinic: SimpleNamespace) -> None:
    _fail("clinician", LIMIT - 1)
    before = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    body = _log_in("clinician").content.decode()
    after = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    assert before.strftime("%H:%M") in body or after.strftime("%H:%M") in body


def test_the_same_name_from_another_address_and_another_name_are_not_locked(
    clinic: SimpleNamespace,
) -> None:
    _fail("clinician", LIMIT)
    assert _log_in("clinician", PASSWORD, address="10.0.0.8").status_code == 302
    assert _log_in("colleague", PASSWORD).status_code == 302


def test_an_unknown_user_name_is_answered_exactly_like_a_known_one(
    clinic: SimpleNamespace,
) -> None:
    """A guesser learns nothing about which accounts exist: same statuses, same lockout page."""
    known = _fail("clinician", LIMIT + 1)
    unknown = _fail("nobody-by-this-name", LIMIT + 1)
    assert known == unknown == [200] * (LIMIT - 1) + [429, 429]

    def page(username: str) -> str:
        return re.sub(r"\d\d:\d\d", "HH:MM", _log_in(username).content.decode())

    assert page("clinician") == page("nobody-by-this-name")


def test_a_successful_log_in_clears_the_count(clinic: SimpleNamespace) -> None:
    _fail("clinician", LIMIT - 1)
    assert _log_in("clinician", PASSWORD).status_code == 302
    assert _fail("clinician", LIMIT - 1) == [200] * (LIMIT - 1)


def test_after_the_cool_off_the_user_may_try_again(clinic: SimpleNamespace) -> None:
    _fail("clinician", LIMIT)
    earlier = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=earlier)
    assert _log_in("clinician", PASSWORD).status_code == 302


def test_the_reset_command_ends_a_lockout(clinic: SimpleNamespace) -> None:
    _fail("clinician", LIMIT)
    call_command("axes_reset_username", "clinician")
    assert _log_in("clinician", PASSWORD).status_code == 302


def test_an_administrator_ends_a_lockout_from_the_admin(clinic: SimpleNamespace) -> None:
    _fail("clinician", LIMIT)
    admin = Browser()
    assert admin.login(username="administrator", password=PASSWORD)
    response = admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "clear_lockout", "_selected_action": [clinic.clinician.pk]},
    )
    assert response.status_code == 302
    assert _log_in("clinician", PASSWORD).status_code == 302


def test_the_admin_log_in_page_is_locked_too(clinic: SimpleNamespace) -> None:
    _fail("administrator", LIMIT)
    response = Browser().post(
        reverse("admin:login"),
        {"username": "administrator", "password": PASSWORD},
        REMOTE_ADDR=HOME,
    )
    assert response.status_code == 429


def test_the_test_clients_log_ins_are_counted_as_well(clinic: SimpleNamespace) -> None:
    """The suite's ``Client.login`` (tests/conftest.py) goes through the lockout, like a browser."""
    for _ in range(LIMIT):
        assert not Browser().login(username="clinician", password="not-the-password")
    assert not Browser().login(username="clinician", password=PASSWORD)


@override_settings(ALLIANCE_BEHIND_PROXY=True)
def test_behind_the_proxy_failures_are_counted_by_the_address_the_proxy_saw(
    clinic: SimpleNamespace,
) -> None:
    """Every request comes from the proxy; without this, one person's typos would pause the
    name for everyone. The right-most entry is the proxy's own, so a browser cannot forge it."""

    def via_proxy(client_address: str, password: str = "not-the-password") -> int:
        forwarded = f"192.0.2.99, {client_address}"  # the first entry is whatever the browser sent
        return (
            Browser()
            .post(
                reverse("login"),
                {"username": "clinician", "password": password},
                REMOTE_ADDR="10.0.0.1",
                HTTP_X_FORWARDED_FOR=forwarded,
            )
            .status_code
        )

    assert [via_proxy("198.51.100.1") for _ in range(LIMIT)][-1] == 429
    assert via_proxy("198.51.100.2", PASSWORD) == 302
    assert AccessAttempt.objects.get().ip_address == "198.51.100.1"
