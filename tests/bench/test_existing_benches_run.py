"""Every bench in bench/ still runs: each once at its small size, as ``make bench`` runs it.

A smoke run (issue 16): the bench is started as a subprocess with ``ALLIANCE_BENCH_SIZE=small``
and must exit 0 and print its ratio against its named baseline. Nothing is asserted about time.
On the PostgreSQL pass (``DATABASE_URL=postgres://...``) a bench that uses a database gets a
scratch database of its own on the same server, dropped afterwards, so it runs on PostgreSQL
without touching the suite's databases. Each bench runs once in ``make test``: one that uses a
database on the PostgreSQL pass (marked ``postgres_pass``; on SQLite only when no PostgreSQL
answers), one that uses none on the SQLite pass. The load run (``bench_load.py``) runs on the
PostgreSQL pass only.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = URL.startswith(("postgres://", "postgresql://"))

# Each bench: the line that prints its ratio (or, for calibration, its shares against the
# nominal coverage), and how it is told which database to use (None: it uses none).
BENCHES = {
    "bench_analyze.py": (r"^ratio alliance analyze / pandas read_csv: \d+\.\d+$", None),
    "bench_audit_chain.py": (r"^ratio \d+\.\d+$", "DATABASE_URL"),
    "bench_calibration.py": (r"share inside the band.*\(nominal 0\.50 and 0\.80\)", None),
    "bench_caseload.py": (r"^ratio caseload / log-in page: \d+\.\d+$", "BENCH_DATABASE_URL"),
    "bench_growth.py": (r"^ratio statsmodels / ours = [\d,]+x", None),
    "bench_load.py": (r"^ratio overall p50 / health-check p50: \d+\.\d+$", "--database-url"),
    "bench_page_weight.py": (
        r"^ratio client page repeat visit / log-in page: \d+\.\d+$",
        "BENCH_DATABASE_URL",
    ),
    "bench_reports.py": (
        r"^clinician report .* ratio to COUNT\(\*\): +\d+\.\d+$",
        "BENCH_DATABASE_URL",
    ),
    "bench_therapists.py": (r"^ratio statsmodels / ours at [\d,]+ episodes +\d+\.\d+$", None),
}
SLOW = {"bench_load.py", "bench_growth.py"}
# The load run costs a minute or more of a test process even at its small size (the demo clinic,
# gunicorn, two locust runs): it runs once, on the PostgreSQL pass, in the set-up docs/deployment.md
# recommends. `python bench/bench_load.py --small` runs it on SQLite.
POSTGRES_PASS_ONLY = {"bench_load.py"}


@contextmanager
def _scratch_database(bench: str) -> Iterator[str]:
    """A new empty PostgreSQL database beside the suite's, dropped when the bench is done."""
    import psycopg

    name = f"bench_{bench.removeprefix('bench_').removesuffix('.py')}_{uuid.uuid4().hex[:8]}"
    server = URL.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(bench: str, database: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BENCH_DATABASE_URL")}
    env |= {"PYTHONPATH": str(ROOT), "ALLIANCE_BENCH_SIZE": "small"}
    command = [sys.executable, str(ROOT / "bench" / bench)]
    _line, told = BENCHES[bench]
    if database and told == "--database-url":
        command += ["--database-url", database]
    elif database and told:
        env[told] = database
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def _marks(bench: str) -> list[pytest.MarkDecorator]:
    """Slow ones marked slow; one that uses a database runs once, on the PostgreSQL pass when
    `make test` has one (tests/conftest.py), and on SQLite when it has none."""
    marks = [pytest.mark.slow] if bench in SLOW else []
    if BENCHES[bench][1]:
        marks.append(pytest.mark.postgres_pass)
    return marks


@pytest.mark.parametrize("bench", [pytest.param(b, marks=_marks(b)) for b in BENCHES])
def test_the_bench_runs_at_its_small_size_and_prints_its_ratio(bench: str) -> None:
    if ON_POSTGRES and not BENCHES[bench][1]:
        pytest.skip("uses no database: run once, on the SQLite pass")
    if not ON_POSTGRES and bench in POSTGRES_PASS_ONLY:
        pytest.skip("run once, on the PostgreSQL pass, through PgBouncer as deployed")
    if ON_POSTGRES and BENCHES[bench][1]:
        with _scratch_database(bench) as database:
            done = _run(bench, database)
    else:
        done = _run(bench, None)
    shown = f"stdout:\n{done.stdout}\nstderr:\n{done.stderr[-4000:]}"
    assert done.returncode == 0, shown
    assert re.search(BENCHES[bench][0], done.stdout, re.MULTILINE), shown
    if ON_POSTGRES and BENCHES[bench][1] and bench != "bench_load.py":
        assert "postgresql" in done.stdout, shown


def test_every_bench_in_the_folder_is_run_here() -> None:
    """A new bench joins this smoke run (or the one in tests/bench/test_benches_run.py)."""
    others = {"bench_local_fit.py", "bench_recovery.py"}
    found = {path.name for path in (ROOT / "bench").glob("bench_*.py")} - others
    assert found == set(BENCHES)
