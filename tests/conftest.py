import os
from types import SimpleNamespace

import pytest
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.urls import reverse
from hypothesis import settings

from tests.factories import make_clinic

# CI replays the same examples every run, so a red build always means a changed behaviour; a
# developer's run keeps exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def _login_with_a_request(self: Client, **credentials: object) -> bool:
    """Like the log-in page: authenticate with the request, so django-axes counts and checks
    this log-in by user name and address exactly as it does for a browser."""
    request = RequestFactory().post(reverse("login"))
    user = authenticate(request, **credentials)
    if user is None:
        return False
    self._login(user)
    return True


@pytest.fixture(autouse=True)
def _log_ins_go_through_the_lockout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django's test client calls ``authenticate()`` without a request, which django-axes (first
    in AUTHENTICATION_BACKENDS) refuses. Rather than switch the lockout off for the suite, every
    ``Client.login`` passes a request, so the lockout stays on in every test."""
    monkeypatch.setattr(Client, "login", _login_with_a_request)


@pytest.fixture
def clinic(db: None) -> SimpleNamespace:
    """The standing cast of every permission test (see ``tests.factories.make_clinic``)."""
    return SimpleNamespace(**make_clinic())
