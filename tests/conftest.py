import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
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


@pytest.fixture(autouse=True)
def _each_test_starts_in_the_site_language() -> Iterator[None]:
    """A request in Dutch leaves Dutch active in the thread afterwards (the middleware activates
    the user's language and nothing deactivates it: the next request activates its own). A test
    that then formats a number outside a request would read "23,3": every test ends by going
    back to the site's language, so no test depends on which ran before it."""
    yield
    translation.deactivate()


@pytest.fixture
def clinic(db: None) -> SimpleNamespace:
    """The standing cast of every permission test (see ``tests.factories.make_clinic``)."""
    return SimpleNamespace(**make_clinic())


# A test that uses no database gives the same answer on both passes: it runs once, on the SQLite
# pass, and the PostgreSQL pass (DATABASE_URL=postgres://...) leaves it out, saying so in its
# "deselected" count. That is the science core, and every other test that asks for no database
# fixture and no django_db mark (pytest-django blocks its database access, so it cannot reach the
# pass's database in the process). Its subprocesses could, by DATABASE_URL: the tests that start
# one either drop DATABASE_URL (a SQLite file of their own) or start a PostgreSQL cluster of
# their own, the same on both passes. A test module that reads DATABASE_URL or the database
# settings itself (a bench given a scratch database on the pass's server, the backup drill,
# the replica) decides for itself, so it runs on both passes.
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "clinic",
    "live_server",
    # Not django_db_blocker: pytest-django's autouse fixtures ask for it in every test.
    "django_db_setup",
}
READS_THE_PASS_DATABASE = re.compile(
    r"""environ(?:\.get\(|\[)\s*["']DATABASE_URL|DATABASES|\.vendor\b"""
)


def _uses_database(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return bool(names & DATABASE_FIXTURES) or bool(item.get_closest_marker("django_db"))


@cache
def _reads_the_pass_database(module: Path) -> bool:
    return bool(READS_THE_PASS_DATABASE.search(module.read_text(encoding="utf-8")))


def _same_on_both_passes(item: pytest.Item) -> bool:
    return not _uses_database(item) and not _reads_the_pass_database(item.path)


# The browser tests that use the database drive the whole stack for minutes: `make test` runs
# them once, on the PostgreSQL pass, by setting ALLIANCE_BROWSER_TESTS=postgres for the SQLite
# pass (only when a PostgreSQL server answers, so they are never skipped). A browser test that
# uses no database (the offline analysis page) stays on the SQLite pass like every such test.
# The same for a test marked `postgres_pass`: the benches' smoke runs that use a database each
# migrate a scratch database and build a clinic, and the issue asks for each bench once.
def _left_to_the_postgres_pass(item: pytest.Item) -> bool:
    once = item.get_closest_marker("browser") or item.get_closest_marker("postgres_pass")
    return bool(once) and not _same_on_both_passes(item)


# The modules whose tests take a minute or more (subprocesses, a cluster of their own, the demo
# clinic, a browser story), measured with --durations: they start each pass, so that no worker
# is left running one of them alone at the end while the other waits (xdist hands the rest out
# as workers free up). The order within and after them is collection order, the same on every
# worker.
LONG_FIRST = (
    "tests/ops/deploy/test_backup_restore.py",
    "tests/ops/faults/test_database_restart.py",
    "tests/bench/test_existing_benches_run.py",
    "tests/browser/test_clinic_week_story.py",
    "tests/ops/deploy/test_replica_reads.py",
    "tests/demo/test_demo.py",
    "tests/transfer/test_restore.py",
    "tests/transfer/test_killed_import.py",
    "tests/api/test_fhir_identity.py",
    "tests/feedback/test_demo_alerts.py",
    "tests/cli/test_commands.py",
    "tests/ops/test_command_language.py",
    "tests/transfer/test_export_import_language.py",
    "tests/ops/deploy/test_gunicorn.py",
)


def _long_first(items: list[pytest.Item]) -> None:
    root = Path(__file__).resolve().parents[1]

    def rank(item: pytest.Item) -> int:
        name = item.path.relative_to(root).as_posix()
        return LONG_FIRST.index(name) if name in LONG_FIRST else len(LONG_FIRST)

    items.sort(key=rank)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _long_first(items)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        if os.environ.get("ALLIANCE_BROWSER_TESTS") == "postgres":
            later = [item for item in items if _left_to_the_postgres_pass(item)]
            if later:
                config.hook.pytest_deselected(items=later)
                chosen = set(map(id, later))
                items[:] = [item for item in items if id(item) not in chosen]
        return
    once = [item for item in items if _same_on_both_passes(item)]
    if once:
        config.hook.pytest_deselected(items=once)
        chosen = set(map(id, once))
        items[:] = [item for item in items if id(item) not in chosen]
