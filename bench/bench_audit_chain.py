"""Benchmark: writing an audit event with the hash chain against the same insert without it.

Run: ``python bench/bench_audit_chain.py`` (SQLite in a throw-away folder), or with
``DATABASE_URL=postgres://...`` for PostgreSQL (it migrates that database and leaves its rows);
``--small`` or ``ALLIANCE_BENCH_SIZE=small``: 50 events, 3 rounds, a smoke run.
Times ``audit_record`` in one transaction with the chaining triggers, then with them dropped,
alternating rounds so the machine's load falls on both; prints the median microseconds per event
and their ratio. Speed is never asserted in tests.
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
EVENTS, ROUNDS = (50, 3) if SMALL else (300, 7)


def _configure(folder: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["ALLIANCE_ENV"] = "test"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _round(chained: bool) -> float:
    from django.db import connection, transaction

    from alliance.audit.database import _statements
    from alliance.audit.services import audit_record

    with transaction.atomic():
        if not chained:
            with connection.cursor() as cursor:
                for statement in _statements(connection.vendor, create=False):
                    cursor.execute(statement)
        start = time.perf_counter()
        for n in range(EVENTS):
            audit_record(actor=None, action="view", organisation=None, via="page", object_id=n)
        seconds = time.perf_counter() - start
        if not chained:
            with connection.cursor() as cursor:
                for statement in _statements(connection.vendor, create=True):
                    cursor.execute(statement)
    return seconds / EVENTS * 1e6


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        _configure(folder)
        from django.db import connection

        chained, plain = [], []
        for _ in range(ROUNDS):
            chained.append(_round(True))
            plain.append(_round(False))
        with_chain, without = statistics.median(chained), statistics.median(plain)
        print(
            f"{connection.vendor}: {with_chain:.0f} µs an event chained, {without:.0f} µs without"
        )
        print(f"ratio {with_chain / without:.2f}")


if __name__ == "__main__":
    main()
