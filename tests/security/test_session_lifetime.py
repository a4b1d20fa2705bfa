"""A log-in session ends ``ALLIANCE_SESSION_MAX_HOURS`` (12) after the log-in however busy it
stays, besides the idle timeout (``ALLIANCE_SESSION_SECONDS``); the next log-in starts again."""

import time
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client as Browser
from django.urls import reverse

from alliance.accounts.session_lifetime import STARTED
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CASELOAD = reverse("clinic:caseload")
HOUR = 3600


def _logged_in_for(seconds: float) -> Browser:
    browser = Browser()
    assert browser.login(username="clinician", password=PASSWORD)
    assert browser.get(CASELOAD).status_code == 200
    session = browser.session
    session[STARTED] = time.time() - seconds
    session.save()
    return browser


def test_the_default_is_twelve_hours() -> None:
    assert settings.ALLIANCE["SESSION_MAX_HOURS"] == 12


def test_a_busy_session_goes_on_until_twelve_hours_after_the_log_in(
    clinic: SimpleNamespace,
) -> None:
    browser = _logged_in_for(12 * HOUR - 60)
    assert browser.get(CASELOAD).status_code == 200


def test_twelve_hours_after_the_log_in_the_session_ends_however_busy(
    clinic: SimpleNamespace,
) -> None:
    browser = _logged_in_for(12 * HOUR + 1)
    ended = browser.get(CASELOAD)
    assert ended.status_code == 302
    assert ended["Location"].startswith(reverse("login"))
    login_page = browser.get(ended["Location"]).content.decode()
    assert "You were logged in for 12 hours, so please log in again." in login_page
    # The session is gone, not just this request refused.
    assert browser.get(CASELOAD)["Location"].startswith(reverse("login"))


def test_a_new_log_in_starts_a_new_lifetime(clinic: SimpleNamespace) -> None:
    browser = _logged_in_for(12 * HOUR + 1)
    browser.get(CASELOAD)
    assert browser.login(username="clinician", password=PASSWORD)
    assert browser.get(CASELOAD).status_code == 200


def test_the_limit_is_a_setting(clinic: SimpleNamespace, settings: object) -> None:
    settings.ALLIANCE = {**settings.ALLIANCE, "SESSION_MAX_HOURS": 2}  # type: ignore[attr-defined]
    assert _logged_in_for(2 * HOUR + 1).get(CASELOAD).status_code == 302
