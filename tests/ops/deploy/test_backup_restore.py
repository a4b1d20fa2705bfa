"""The restore drill of docs/deployment.md, on PostgreSQL: load a small synthetic clinic into a
scratch database, back it up with deploy/backup.sh (pg_dump), restore the dump into a second
scratch database with pg_restore, and find the same rows in every table and the same agency
report. The shared test database is never touched; both scratch databases are dropped after."""

import datetime as dt
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from alliance.demo.clinic import DEMO_ORGANISATION
from alliance.settings import BASE_DIR

DATABASE_URL = os.environ.get("DATABASE_URL", "")
needs_postgresql = pytest.mark.skipif(
    not DATABASE_URL.startswith(("postgres://", "postgresql://")),
    reason="the backup and restore drill needs PostgreSQL: set DATABASE_URL=postgres://...",
)
ALLIANCE = Path(sys.executable).parent / "alliance"
NOT_INHERITED = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
# Every table and its row count, read by the application's own connection.
COUNT_ROWS = """
import json, django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    counts = {}
    for table in sorted(connection.introspection.table_names(cursor)):
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        counts[table] = cursor.fetchone()[0]
print(json.dumps(counts))
"""


def _url_of(name: str) -> str:
    parts = urlsplit(DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _server_options() -> list[str]:
    parts = urlsplit(DATABASE_URL)
    options = ["--host", parts.hostname or "127.0.0.1", "--port", str(parts.port or 5432)]
    return [*options, "--username", parts.username or "postgres"]


def _run(command: list[str], **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    environment |= {"ALLIANCE_ENV": "production", "ALLIANCE_SECRET_KEY": secrets.token_urlsafe(50)}
    environment |= env
    result = subprocess.run(
        command,
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture
def scratch() -> Iterator[tuple[str, str]]:
    """Two empty databases on the main server: the live one and the one restored into."""
    names = (f"alliance_backup_{os.getpid()}", f"alliance_restore_{os.getpid()}")
    try:
        for name in names:
            _run(["dropdb", *_server_options(), "--if-exists", name])
            _run(["createdb", *_server_options(), name])
        yield _url_of(names[0]), _url_of(names[1])
    finally:
        for name in names:
            _run(["dropdb", *_server_options(), "--if-exists", "--force", name])


def _manage(url: str, *args: str) -> str:
    return _run([sys.executable, "manage.py", *args], DATABASE_URL=url)


def _rows(url: str) -> dict[str, int]:
    return json.loads(
        _run(
            [sys.executable, "-c", COUNT_ROWS],
            DATABASE_URL=url,
            DJANGO_SETTINGS_MODULE="alliance.settings",
        )
    )


def _report(url: str, folder: Path) -> dict[str, object]:
    output = folder / f"report-{urlsplit(url).path.strip('/')}.json"
    today = dt.date.today().isoformat()
    command = [str(ALLIANCE), "report", "--organisation", DEMO_ORGANISATION, "--from", "2000-01-01"]
    command += ["--to", today, "--format", "json", "--output", str(output)]
    _run(command, DATABASE_URL=url)
    return json.loads(output.read_text())


def _assert_same_report(after: dict[str, Any], before: dict[str, Any]) -> None:
    # Figures must agree to 12 significant digits: PostgreSQL may return the restored rows in
    # another physical order, and a sum of floats in another order can differ in its last bit.
    assert after["report"] == before["report"]
    assert len(after["figures"]) == len(before["figures"])
    for new, old in zip(after["figures"], before["figures"], strict=True):
        assert {**new, "value": None} == {**old, "value": None}
        if isinstance(old["value"], float):
            assert new["value"] == pytest.approx(old["value"], rel=1e-12), old
        else:
            assert new["value"] == old["value"], old


@needs_postgresql
def test_a_backup_restores_to_the_same_rows_and_the_same_report(
    scratch: tuple[str, str], tmp_path: Path
) -> None:
    live, restored = scratch
    _manage(live, "migrate", "--no-input", "-v", "0")
    _manage(live, "load_demo")
    rows_before, report_before = _rows(live), _report(live, tmp_path)
    assert rows_before["care_session"] > 100
    assert report_before["figures"]

    dump = Path(
        _run(["deploy/backup.sh"], DATABASE_URL=live, BACKUP_DIR=str(tmp_path / "backups")).strip()
    )
    assert dump.name.startswith("alliance-") and dump.suffix == ".dump"
    assert oct(dump.stat().st_mode & 0o777) == "0o600"
    # The restore as docs/deployment.md tells the operator to run it.
    _run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", restored, str(dump)])

    assert _rows(restored) == rows_before
    _assert_same_report(_report(restored, tmp_path), report_before)
    # Nothing left to migrate, and new rows get fresh ids (the sequences came back too).
    _manage(restored, "migrate", "--check")
    _manage(restored, "load_demo", "--seed", "8")


def test_the_backup_script_refuses_without_a_destination() -> None:
    result = subprocess.run(
        ["deploy/backup.sh"],
        cwd=BASE_DIR,
        env={"PATH": os.environ["PATH"], "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0
    assert "BACKUP_DIR" in result.stderr
