"""The `alliance` console script, run as a user would run it: in a separate process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ALLIANCE = Path(sys.executable).with_name("alliance")


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # A user's shell, not pytest's: no test settings module, no test environment.
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "ALLIANCE_ENV", "DATABASE_URL")
    }
    return subprocess.run(
        [str(ALLIANCE), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**clean, **(env or {})},
        check=False,
    )


def test_help_lists_every_command() -> None:
    result = _run("--help")
    assert result.returncode == 0
    for command in ("demo", "serve", "analyze", "import", "export"):
        assert command in result.stdout


def test_demo_without_serving_loads_a_clinic_and_prints_the_log_ins(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    result = _run("demo", "--no-serve", env={"DATABASE_URL": f"sqlite:///{database}"})
    assert result.returncode == 0, result.stderr
    assert "therapist" in result.stdout and "alliance-demo" in result.stdout
    assert "API token for therapist: " in result.stdout
    assert database.stat().st_size > 100_000


@pytest.mark.parametrize(
    "command",
    [
        ["import", "ratings.csv", "--organisation", "X"],
        ["export", "out.json", "--organisation", "X"],
    ],
)
def test_import_and_export_say_plainly_that_they_are_not_available_yet(command: list[str]) -> None:
    result = _run(*command)
    assert result.returncode == 2
    assert "not available yet" in result.stderr
