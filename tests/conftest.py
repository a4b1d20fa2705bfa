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


# The science core uses no database: its tests run once, on the SQLite pass, and the PostgreSQL
# pass (DATABASE_URL=postgres://...) leaves them out, saying so in its "deselected" count. A test
# under these folders that asks for a database still runs on both.
DATABASE_FREE_FOLDERS = ("tests/science/",)


def _uses_database(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return bool(names & {"db", "transactional_db", "clinic", "live_server"}) or bool(
        item.get_closest_marker("django_db")
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    once = [
        item
        for item in items
        if item.nodeid.startswith(DATABASE_FREE_FOLDERS) and not _uses_database(item)
    ]
    if once:
        config.hook.pytest_deselected(items=once)
        chosen = set(map(id, once))
        items[:] = [item for item in items if id(item) not in chosen]
