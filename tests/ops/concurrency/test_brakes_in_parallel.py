"""Every brake holds when the guesses arrive at the same moment: forty wrong passwords at a
handed-off tablet, forty wrong kiosk codes, forty made-up links, forty wrong log-ins. Each guess
is counted in the database before it is checked, so no more than the limit are ever checked
(the checks themselves are counted by wrapping the function that does them)."""

import threading
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse

from alliance.accounts.models import User
from alliance.portal import services
from alliance.portal.views import KIOSK_DEVICE_COOKIE
from tests.factories import PASSWORD
from tests.ops.concurrency.conftest import at_once, postgresql_only
from tests.portal.conftest import alliance_settings, invite

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]

AT_ONCE = 40
LIMIT = 5
CLINIC = "10.0.0.7"


class Counter:
    """Counts the calls of a wrapped function, from any thread."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.calls += 1
            return function(*args, **kwargs)

        return counted


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter]:
    counter = Counter()
    monkeypatch.setattr(User, "check_password", counter.wrap(User.check_password))
    yield counter


def _copy(browser: Browser) -> Browser:
    twin = Browser(REMOTE_ADDR=CLINIC)
    for name, cookie in browser.cookies.items():
        twin.cookies[name] = cookie.value
    return twin


def _sender(browser: Browser, url: str, data: dict[str, str]) -> Callable[[], int]:
    return lambda: browser.post(url, data).status_code


@alliance_settings(HANDOFF_UNLOCK_ATTEMPTS=LIMIT)
def test_forty_wrong_passwords_at_once_at_a_tablet_check_at_most_the_limit(
    clinic: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    tablet = Browser(REMOTE_ADDR=CLINIC)
    assert tablet.login(username="clinician", password=PASSWORD)
    handed = tablet.post(
        reverse("portal:invite", args=[clinic.session.pk]), {"measure": "ors", "channel": "tablet"}
    )
    assert handed["Location"] == reverse("portal:tablet")
    checks = Counter()
    monkeypatch.setattr(User, "check_password", checks.wrap(User.check_password))
    url = reverse("portal:tablet_return")
    answers = at_once(
        *(_sender(_copy(tablet), url, {"password": f"guess-{n}"}) for n in range(AT_ONCE))
    )
    assert 1 <= checks.calls <= LIMIT, answers
    # Whatever each one was told, the tablet is logged out and shows no staff page.
    assert "/login/" in _copy(tablet).get("/caseload/")["Location"]
    print(f"\ntablet: {AT_ONCE} wrong passwords at once, {checks.calls} checked (limit {LIMIT})")


def _kiosk() -> Browser:
    browser = Browser(REMOTE_ADDR=CLINIC)
    assert browser.login(username="clinician", password=PASSWORD)
    browser.post(reverse("portal:kiosk_staff"))
    assert KIOSK_DEVICE_COOKIE in browser.cookies
    return browser


@pytest.mark.parametrize("is_kiosk", [True, False], ids=["one-kiosk", "browsers-at-one-address"])
@alliance_settings(KIOSK_ATTEMPTS=LIMIT)
def test_forty_wrong_kiosk_codes_at_once_check_at_most_the_limit(
    clinic: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, is_kiosk: bool
) -> None:
    _invitation, code = invite(clinic, "kiosk")
    kiosk = _kiosk() if is_kiosk else Browser(REMOTE_ADDR=CLINIC)
    checks = Counter()
    monkeypatch.setattr(services, "code_hash", checks.wrap(services.code_hash))
    url = reverse("portal:kiosk")
    answers = at_once(*(_sender(_copy(kiosk), url, {"code": "AAAAAA"}) for _ in range(AT_ONCE)))
    assert checks.calls == LIMIT
    assert sorted(answers) == [400] * LIMIT + [429] * (AT_ONCE - LIMIT)
    # The right code is refused too while the kiosk is paused, without being checked.
    assert _copy(kiosk).post(url, {"code": code}).status_code == 429
    assert checks.calls == LIMIT
    print(f"\nkiosk ({'one kiosk' if is_kiosk else 'no kiosk cookie'}): {AT_ONCE} wrong codes at")
    print(f"once, {checks.calls} checked (limit {LIMIT}); answers {sorted(set(answers))}")


@alliance_settings(LINK_ATTEMPTS=LIMIT)
def test_forty_made_up_links_at_once_are_answered_at_most_the_limit(
    clinic: SimpleNamespace,
) -> None:
    def opener(n: int) -> Callable[[], int]:
        url = reverse("portal:link", args=[f"made-up-{n}"])
        return lambda: Browser(REMOTE_ADDR=CLINIC).get(url).status_code

    answers = at_once(*(opener(n) for n in range(AT_ONCE)))
    assert sorted(answers) == [404] * LIMIT + [429] * (AT_ONCE - LIMIT)
    print(
        f"\nlinks: {AT_ONCE} made-up links at once, {answers.count(404)} answered (limit {LIMIT})"
    )


def test_forty_wrong_log_ins_at_once_check_at_most_the_limit(
    clinic: SimpleNamespace, settings: Any, password_checks: Counter
) -> None:
    settings.AXES_FAILURE_LIMIT = LIMIT

    def log_in(n: int) -> Callable[[], int]:
        data = {"username": "clinician", "password": f"guess-{n}"}
        return lambda: Browser(REMOTE_ADDR=CLINIC).post(reverse("login"), data).status_code

    answers = at_once(*(log_in(n) for n in range(AT_ONCE)))
    # At most the limit: a try refused while others are still being checked is itself a
    # failure in axes's count, so under a real race one check fewer may run (never one more).
    checked = password_checks.calls
    assert 1 <= checked <= LIMIT, answers
    assert answers.count(429) >= AT_ONCE - LIMIT
    # The clinician's own right password is refused until the cool-off, and not checked.
    right = Browser(REMOTE_ADDR=CLINIC).post(
        reverse("login"), {"username": "clinician", "password": PASSWORD}
    )
    assert right.status_code == 429
    assert password_checks.calls == checked
    print(f"\nlog-in: {AT_ONCE} wrong passwords at once, {password_checks.calls} checked")
