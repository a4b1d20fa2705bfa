"""Benchmark: the caseload page for 200 clients against a trivial page, in the same run.

Run: ``python bench/bench_caseload.py`` (``--small`` or ``ALLIANCE_BENCH_SIZE=small``: 20 clients,
3 sessions, 3 repeats, a smoke run). Builds a throw-away SQLite database, or uses
``BENCH_DATABASE_URL`` (an empty scratch PostgreSQL database; its tables are left behind), with
200 active clients on one clinician's caseload, 8 rated sessions each, alerts raised by the real
rules; then times the caseload page and the log-in page with Django's test client and prints both
and their ratio. The clinician logs in through ``authenticate`` with a request, as the log-in page
does, so the log-in lockout (django-axes) checks it.
Speed is never asserted in tests; the query count is (tests/clinic/test_query_counts.py).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMALL = "--small" in sys.argv or os.environ.get("ALLIANCE_BENCH_SIZE") == "small"
CLIENTS, SESSIONS, REPEAT = (20, 3, 3) if SMALL else (200, 8, 15)


def _configure(folder: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["ALLIANCE_ENV"] = "test"
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seconds(browser: object, url: str) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = browser.get(url)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        _configure(folder)
        from types import SimpleNamespace

        from django.contrib.auth import authenticate
        from django.db import connection, reset_queries
        from django.test import Client as Browser
        from django.test import RequestFactory
        from django.test.utils import CaptureQueriesContext
        from django.urls import reverse

        from tests.clinic.builders import bulk_caseload
        from tests.factories import PASSWORD, make_clinic

        clinic = SimpleNamespace(**make_clinic())
        start = time.perf_counter()
        bulk_caseload(clinic, clients=CLIENTS - 1, sessions=SESSIONS)
        built = time.perf_counter() - start
        browser = Browser()
        caseload, trivial = reverse("clinic:caseload"), reverse("login")
        request = RequestFactory().post(trivial)  # django-axes checks a log-in by its request
        user = authenticate(request, username="clinician", password=PASSWORD)
        assert user is not None, "the clinician could not log in"
        browser.force_login(user, backend=user.backend)
        browser.get(caseload), browser.get(trivial)  # warm the template and catalogue caches
        reset_queries()  # a request starts by emptying the log; start from empty too
        with CaptureQueriesContext(connection) as queries:
            browser.get(caseload)
        query_count = len(queries)  # read now: the next request empties the log
        page, baseline = _seconds(browser, caseload), _seconds(browser, trivial)
        print(
            f"{connection.vendor}: built {CLIENTS} clients x {SESSIONS} sessions in {built:.1f} s"
        )
        print(f"{'page':<40}{'median seconds':>16}")
        print(f"{'caseload, ' + str(CLIENTS) + ' clients':<40}{page:>16.4f}")
        print(f"{'log-in page (baseline)':<40}{baseline:>16.4f}")
        print(f"ratio caseload / log-in page: {page / baseline:.1f}")
        print(f"caseload queries: {query_count} (the same for any number of clients)")


if __name__ == "__main__":
    main()
