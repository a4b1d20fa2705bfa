"""The log-in session times out after ``ALLIANCE_SESSION_SECONDS`` without a request (issue 6
§4), and each request starts the count again."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session as StoredSession
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CASELOAD = reverse("clinic:caseload")


def _logged_in(clinic: SimpleNamespace) -> tuple[Browser, StoredSession]:
    browser = Browser()
    assert browser.login(username=clinic.clinician.username, password=PASSWORD)
    stored = StoredSession.objects.get(session_key=browser.session.session_key)
    return browser, stored


def test_the_session_lasts_the_set_time_from_the_last_request(clinic: SimpleNamespace) -> None:
    browser, stored = _logged_in(clinic)
    stored.expire_date = timezone.now() + dt.timedelta(seconds=30)
    stored.save()
    assert browser.get(CASELOAD).status_code == 200
    stored.refresh_from_db()
    left = (stored.expire_date - timezone.now()).total_seconds()
    assert settings.SESSION_COOKIE_AGE - 60 < left <= settings.SESSION_COOKIE_AGE


def test_an_idle_session_has_ended_and_asks_for_the_log_in_again(clinic: SimpleNamespace) -> None:
    browser, stored = _logged_in(clinic)
    stored.expire_date = timezone.now() - dt.timedelta(seconds=1)
    stored.save()
    answer = browser.get(CASELOAD)
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("login"))


def test_the_default_is_eight_hours_and_the_cookie_is_out_of_scripts_reach() -> None:
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_COOKIE_HTTPONLY
