"""The `alliance` console script, run as a user would run it: in a separate process."""

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

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


@cache
def _migrated_template() -> Path:
    """One migrated SQLite file per test process (migrating takes seconds); each test copies it."""
    folder = tempfile.mkdtemp(prefix="alliance-migrated-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = Path(folder) / "db.sqlite3"
    manage = Path(__file__).resolve().parents[2] / "manage.py"
    env = {"ALLIANCE_ENV": "test", "DATABASE_URL": f"sqlite:///{path}"}
    subprocess.run(
        [sys.executable, str(manage), "migrate", "--no-input", "-v", "0"],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        timeout=300,
    )
    return path


def _migrated(tmp_path: Path) -> dict[str, str]:
    """A fresh, migrated SQLite database of its own for the import and export commands."""
    database = tmp_path / "db.sqlite3"
    shutil.copyfile(_migrated_template(), database)
    return {"ALLIANCE_ENV": "test", "DATABASE_URL": f"sqlite:///{database}"}


def test_import_names_each_bad_row_and_column_and_exits_2(tmp_path: Path) -> None:
    env = _migrated(tmp_path)
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(
        "episode_id,clinician_id,session,measure,score,date\n"
        "e1,c1,1,ors,41,2024-01-01\n"
        "e1,c1,x,ors,20,2024-01-08\n",
        encoding="utf-8",
    )

    result = _run("import", str(ratings), "--organisation", "Nowhere", env=env)

    assert result.returncode == 2
    assert "row 2, column score: 41 is outside ors's range 0 to 40" in result.stderr
    assert "row 3, column session:" in result.stderr
    assert "nothing was written" in result.stderr


def test_import_of_a_research_csv_needs_an_existing_organisation(tmp_path: Path) -> None:
    env = _migrated(tmp_path)
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(
        "episode_id,clinician_id,session,measure,score,date\ne1,c1,1,ors,20,2024-01-01\n",
        encoding="utf-8",
    )

    result = _run("import", str(ratings), "--organisation", "Nowhere", env=env)

    assert result.returncode == 2
    assert "there is no organisation named 'Nowhere'" in result.stderr


def test_export_then_import_round_trips_through_the_command_line(tmp_path: Path) -> None:
    env = _migrated(tmp_path)
    document = {
        "format": "alliance-export",
        "version": 1,
        "organisation": {"name": "Small clinic", "created_at": "2025-01-01T09:00:00+00:00"},
        "teams": ["Adults"],
        "users": [],
        "memberships": [],
        "clients": [],
        "episodes": [],
        "trajectory_fits": [],
    }
    source = tmp_path / "small.json"
    source.write_text(json.dumps(document), encoding="utf-8")

    imported = _run("import", str(source), env=env)
    exported = _run("export", str(tmp_path / "out.json"), "--organisation", "Small clinic", env=env)

    assert imported.returncode == 0, imported.stderr
    # Each kind counted with its plural form (issue 17): "1 organisation", not "1 organisations".
    assert "1 organisation, 1 team" in imported.stdout
    assert exported.returncode == 0, exported.stderr
    written = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert written["teams"] == ["Adults"]
    assert written["organisation"]["created_at"] == "2025-01-01T09:00:00+00:00"
    assert (tmp_path / "out.json").stat().st_mode & 0o077 == 0


def test_a_pseudonymised_export_without_a_key_is_refused(tmp_path: Path) -> None:
    env = _migrated(tmp_path)
    out = tmp_path / "research.csv"

    no_key = {**env, "ALLIANCE_EXPORT_KEY": ""}
    result = _run("export", str(out), "--organisation", "X", "--pseudonymise", env=no_key)

    assert result.returncode == 2
    assert "needs a secret key" in result.stderr
    assert not out.exists()


def _run_on_a_terminal(*args: str, env: dict[str, str]) -> tuple[int, str]:
    """Run the command with a pseudo-terminal as its output, as a user at a shell sees it."""
    import pty

    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "ALLIANCE_ENV", "DATABASE_URL")
    }
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [str(ALLIANCE), *args],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        env={**clean, **env, "COLUMNS": "100", "TERM": "xterm"},
    )
    os.close(terminal)
    seen = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the command ended and closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(controller)
    return process.wait(timeout=300), seen.decode("utf-8", "replace")


def test_an_import_at_a_terminal_shows_a_progress_bar_and_a_pipe_gets_none(tmp_path: Path) -> None:
    env = _migrated(tmp_path)
    clinic = tmp_path / "clinic.json"
    clinic.write_text(
        json.dumps(
            {
                "format": "alliance-export",
                "version": 1,
                "organisation": {"name": "Small clinic", "created_at": "2025-01-01T09:00:00Z"},
                "teams": ["Adults"],
                "users": [
                    {
                        "username": "c1",
                        "first_name": "",
                        "last_name": "",
                        "email": "",
                        "is_active": True,
                        "is_staff": False,
                        "date_joined": "2025-01-01T09:00:00Z",
                    }
                ],
                "memberships": [{"user": "c1", "team": "Adults", "role": "clinician"}],
                "clients": [],
                "episodes": [],
                "trajectory_fits": [],
            }
        ),
        encoding="utf-8",
    )
    assert _run("import", str(clinic), env=env).returncode == 0
    rows = [f"e{n},c1,{s},ors,{20 + s},2024-01-{s:02d}" for n in range(1, 41) for s in (1, 2, 3)]
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(
        "episode_id,clinician_id,session,measure,score,date\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )

    code, seen = _run_on_a_terminal(
        "import", str(ratings), "--organisation", "Small clinic", env=env
    )

    assert code == 0, seen
    assert "Importing" in seen and "120/120" in seen
    piped = _run("import", str(ratings), "--organisation", "Small clinic", env=env)
    assert piped.returncode == 0
    assert "Importing" not in piped.stderr and "\x1b[" not in piped.stderr
