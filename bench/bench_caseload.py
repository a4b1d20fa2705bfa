"""Benchmark: the clinician's pages against the log-in page, in the same run (issue 16).

Run: ``python bench/bench_caseload.py`` (``--small`` or ``ALLIANCE_BENCH_SIZE=small``: 20 and 50
clients, 3 sessions, 3 repeats, a smoke run). Builds a throw-away SQLite database, or uses
``BENCH_DATABASE_URL`` (an empty scratch PostgreSQL database; its tables are left behind), with
one clinician's caseload of active clients, 8 rated sessions each, alerts raised by the real
rules (and so each episode's summary, ``feedback.EpisodeSummary``, kept by ``alerts_refresh``).
It times, with Django's test client, the caseload at 200 and then 1,000 clients, a client page,
a session page and the supervisor's team page, each against the log-in page (the two requested
in turn, so both see the same load on a shared machine), and prints each median, its ratio to
the log-in page and its query count. The goal is each page within 5x the log-in page.

The users log in through ``authenticate`` with a request, as the log-in page does, so the log-in
lockout (django-axes) checks it. Speed is never asserted in tests; the query counts are
(tests/clinic/test_query_counts.py, tests/supervision/test_query_counts.py).
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
CASELOADS, SESSIONS, REPEAT = ((20, 50), 3, 3) if SMALL else ((200, 1000), 8, 15)


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


def _browser(username: str) -> object:
    from django.contrib.auth import authenticate
    from django.test import Client as Browser
    from django.test import RequestFactory
    from django.urls import reverse

    from tests.factories import PASSWORD

    request = RequestFactory().post(reverse("login"))  # django-axes checks a log-in by its request
    user = authenticate(request, username=username, password=PASSWORD)
    assert user is not None, f"{username} could not log in"
    browser = Browser()
    browser.force_login(user, backend=user.backend)
    return browser


def _get(browser: object, url: str) -> float:
    start = time.perf_counter()
    response = browser.get(url)  # type: ignore[attr-defined]
    took = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    return took


def _queries(browser: object, url: str) -> int:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # a request starts by emptying the log; start from empty too
    with CaptureQueriesContext(connection) as queries:
        _get(browser, url)
    return len(queries)


def _measure(browser: object, url: str, login: str) -> tuple[float, float, int]:
    """The page's and the log-in page's median seconds, taken in turn, and the page's queries."""
    _get(browser, url), _get(browser, login)  # warm the template and catalogue caches
    queries = _queries(browser, url)
    page, baseline = [], []
    for _ in range(REPEAT):
        page.append(_get(browser, url))
        baseline.append(_get(browser, login))
    return statistics.median(page), statistics.median(baseline), queries


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        _configure(folder)
        from types import SimpleNamespace

        from django.db import connection
        from django.urls import reverse

        from alliance.care.models import Session
        from tests.clinic.builders import bulk_caseload
        from tests.factories import make_clinic

        clinic = SimpleNamespace(**make_clinic())
        clinician, supervisor = _browser("clinician"), _browser("supervisor")
        login = reverse("login")
        results: list[tuple[str, float, float, int]] = []
        built, have = 0.0, 1  # the standing clinic has one client on the caseload
        episodes = []
        for size in CASELOADS:
            start = time.perf_counter()
            episodes += bulk_caseload(clinic, clients=size - have, sessions=SESSIONS)
            built += time.perf_counter() - start
            have = size
            page, baseline, queries = _measure(clinician, reverse("clinic:caseload"), login)
            results.append((f"caseload, {size:,} clients", page, baseline, queries))
        session = Session.objects.filter(episode=episodes[0]).order_by("-number").first()
        assert session is not None
        for name, browser, url in (
            (
                f"client page, {SESSIONS} sessions",
                clinician,
                reverse("clinic:episode", args=[episodes[0].pk]),
            ),
            ("session page", clinician, reverse("clinic:session", args=[session.pk])),
            (f"team page, {CASELOADS[-1]:,} clients", supervisor, reverse("clinic:team")),
        ):
            results.append((name, *_measure(browser, url, login)))
        print(
            f"{connection.vendor}: built {CASELOADS[-1]} clients x {SESSIONS} sessions "
            f"in {built:.1f} s"
        )
        print(f"{'page':<32}{'median s':>10}{'log-in s':>10}{'ratio':>8}{'queries':>9}")
        for name, page, baseline, queries in results:
            print(f"{name:<32}{page:>10.4f}{baseline:>10.4f}{page / baseline:>8.1f}{queries:>9}")
        first, last = results[0], results[len(CASELOADS) - 1]
        print(f"ratio caseload / log-in page: {first[1] / first[2]:.1f}")
        print(f"ratio caseload at {CASELOADS[-1]:,} / log-in page: {last[1] / last[2]:.1f}")
        for name, page, baseline, _q in results[len(CASELOADS) :]:
            print(f"ratio {name.split(',')[0]} / log-in page: {page / baseline:.1f}")
        same = first[3] == last[3]
        print(
            f"caseload queries: {first[3]} at {CASELOADS[0]:,} clients, {last[3]} at "
            f"{CASELOADS[-1]:,} ({'the same' if same else 'NOT the same'})"
        )


if __name__ == "__main__":
    main()
