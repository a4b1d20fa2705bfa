"""Fault test: the importing process killed in the middle of an import leaves the database as it
was before; run again, the import arrives whole, once.

The import runs as a real ``alliance import`` process against a database of its own (an SQLite
file, or on the PostgreSQL pass a scratch database this test creates and drops). The test hook
``ALLIANCE_IMPORT_PAUSE_AFTER`` (honoured only with ``ALLIANCE_ENV=test``) makes it stop for good
after that many episodes, with rows already written inside its transaction, and create the
marker file; the test then kills it with SIGKILL, the way a crash or an out-of-memory kill would.
"""

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from alliance.measures.services import response_record
from alliance.transfer.selectors import organisation_export
from tests.factories import make_episode, make_session

ALLIANCE = Path(sys.executable).with_name("alliance")
MANAGE = Path(__file__).resolve().parents[2] / "manage.py"
EPISODES = 6
Counter = Callable[[], dict[str, int]]


def _environment(database_url: str, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    return {**clean, "ALLIANCE_ENV": "test", "DATABASE_URL": database_url, **extra}


def _sqlite_counter(path: Path) -> Counter:
    def count() -> dict[str, int]:
        with sqlite3.connect(path) as db:
            tables = [
                name
                for (name,) in db.execute("select name from sqlite_master where type = 'table'")
                if not name.startswith("sqlite_")
            ]
            return {t: db.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}

    return count


def _postgres_counter(dsn: str) -> Counter:
    def count() -> dict[str, int]:
        with psycopg.connect(dsn) as db:
            tables = [
                name
                for (name,) in db.execute(
                    "select table_name from information_schema.tables "
                    "where table_schema = 'public' and table_type = 'BASE TABLE'"
                )
            ]
            return {t: db.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}

    return count


@pytest.fixture
def scratch_database(tmp_path: Path) -> Iterator[tuple[str, Counter]]:
    """An empty, migrated database of the same kind as the test run's, and a row counter."""
    if connection.vendor != "postgresql":
        path = tmp_path / "scratch.sqlite3"
        url = f"sqlite:///{path}"
        _migrate(url)
        yield url, _sqlite_counter(path)
        return
    settings = connection.settings_dict
    server = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}"
    name = f"alliance_fault_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}"')
        admin.execute(f'create database "{name}"')
    try:
        _migrate(f"{server}/{name}")
        yield f"{server}/{name}", _postgres_counter(f"{server}/{name}")
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'drop database if exists "{name}" with (force)')


def _migrate(url: str) -> None:
    subprocess.run(
        [sys.executable, str(MANAGE), "migrate", "--no-input", "-v", "0"],
        env=_environment(url),
        check=True,
        capture_output=True,
        timeout=300,
    )


def _import(url: str, source: Path, **hook: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(ALLIANCE), "import", str(source)],
        env=_environment(url, **hook),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return out


def _wait_for(marker: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the import never reached the pause"
        time.sleep(0.05)


def _export_file(clinic, tmp_path: Path, name: str) -> Path:  # type: ignore[no-untyped-def]
    """The clinic with a few more episodes, each with sessions and ratings, exported."""
    for _ in range(EPISODES - 1):
        episode = make_episode(clinic.team_a, clinic.clinician)
        for number in (1, 2, 3):
            session = make_session(episode, number)
            values = {f"ors_{n}": 5 + number for n in (1, 2, 3, 4)}
            response_record(session=session, instrument_code="ors", values=values)
    document = organisation_export(organisation=clinic.org)
    document["organisation"]["name"] = name
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_a_killed_import_leaves_the_database_as_it_was_and_a_rerun_arrives_once(
    clinic, tmp_path: Path, scratch_database: tuple[str, Counter]
) -> None:
    url, count = scratch_database
    first = _export_file(clinic, tmp_path, "First clinic")
    second = first.with_name("second.json")
    document = json.loads(first.read_text(encoding="utf-8"))
    document["organisation"]["name"] = "Second clinic"
    for episode in document["episodes"]:  # the second clinic's own submissions
        for session in episode["sessions"]:
            for response in session["responses"]:
                response["idempotency_key"] = str(uuid.uuid4())
    second.write_text(json.dumps(document), encoding="utf-8")
    _finish(_import(url, first))
    before = count()
    assert before["measures_response"] == 3 * (EPISODES - 1)

    marker = tmp_path / "paused"
    process = _import(
        url,
        second,
        ALLIANCE_IMPORT_PAUSE_AFTER=str(EPISODES // 2),
        ALLIANCE_IMPORT_PAUSE_MARKER=str(marker),
    )
    _wait_for(marker, process)
    process.kill()  # SIGKILL: no clean-up, no rollback by the process itself
    process.wait(timeout=30)

    assert count() == before

    _finish(_import(url, second))
    after = count()
    assert after["accounts_organisation"] == 2
    assert after["measures_response"] == 2 * before["measures_response"]
    assert after["care_episode"] == 2 * before["care_episode"]
    _finish(_import(url, second))
    # Nothing new arrives; the audit log notes that someone ran the import again.
    assert count() == after | {"audit_auditevent": after["audit_auditevent"] + 1}
