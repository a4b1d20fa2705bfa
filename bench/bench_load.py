"""Load test: 100 simulated clients and clinicians for 60 seconds against gunicorn on 127.0.0.1.

Run: ``python bench/bench_load.py`` (about two minutes; ``--help`` for the options; ``--small`` or
``ALLIANCE_BENCH_SIZE=small``: 5 users for 5 s, a 3 s baseline, 2 workers, a smoke run). Prepares a
file-backed database (SQLite in a temporary folder, or ``--database-url postgres://...`` naming
a scratch database: the demo clinic is loaded into it), makes one-time answer links, starts
gunicorn with deploy/gunicorn.conf.py on a free port, and runs locust headless with
bench/load/locustfile.py: half the users are clients answering ORS then SRS by link, half are
clinicians (sharing the demo's log-ins) opening the caseload and a client's page and
acknowledging an alert.

On PostgreSQL (``--database-url postgres://...``) gunicorn reaches the database through
PgBouncer in transaction pooling, as docs/deployment.md recommends: the bench installs Debian's
``pgbouncer`` with apt-get when it is missing, starts its own on a free port in the temporary
folder (as the ``postgres`` user when run as root) and stops it at the end; the app runs with
``ALLIANCE_DB_CONN_MAX_AGE=0`` and ``ALLIANCE_DB_BEHIND_PGBOUNCER=on``. ``--no-pgbouncer``
connects directly.

Prints p50 and p95 per request and overall, the failures, and the ratio of the overall p50 to a
baseline measured in the same run: the health check alone, under the same number of users, for
10 seconds. Then per kind (clinician pages, acknowledgement, portal submissions, portal pages)
the worst p50 and p95 and the p95 against the health check's p95, both alone and under the same
load (one extra user checks ``/healthz`` throughout the load run), and requests per second.
Exits non-zero when any request failed. The server runs with the demo
environment (plain HTTP on 127.0.0.1, Argon2 password hashing, DEBUG off): production without
TLS.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOCUSTFILE = ROOT / "bench" / "load" / "locustfile.py"
# The caller's own Django settings must not reach the server under test.
NOT_INHERITED = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "ALLIANCE_SECRET_KEY")


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100, help="simulated users (default 100)")
    parser.add_argument("--spawn-rate", type=int, default=20, help="users started per second")
    parser.add_argument("--seconds", type=int, default=60, help="length of the run")
    parser.add_argument("--baseline-seconds", type=int, default=10, help="length of the baseline")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn processes")
    parser.add_argument("--tokens", type=int, default=1500, help="answer links to make")
    parser.add_argument(
        "--database-url", default="", help="a scratch database (default: SQLite in a temp folder)"
    )
    parser.add_argument(
        "--no-pgbouncer",
        action="store_true",
        help="on PostgreSQL, connect gunicorn to the database directly instead of through "
        "PgBouncer in transaction pooling (installed with apt-get if missing, started here)",
    )
    parser.add_argument(
        "--small",
        action="store_true",
        default=os.environ.get("ALLIANCE_BENCH_SIZE") == "small",
        help="a smoke run: 5 users for 5 s, a 3 s baseline, 2 workers, 60 links "
        "(ALLIANCE_BENCH_SIZE=small too); options given still win",
    )
    options = parser.parse_args()
    if options.small:
        small = {"users": 5, "spawn_rate": 5, "seconds": 5, "baseline_seconds": 3}
        small |= {"workers": 2, "tokens": 60}
        parser.set_defaults(**small)
        options = parser.parse_args()
        options.small = True
    return options


def _environment(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    return env | {
        "ALLIANCE_ENV": "demo",
        "ALLIANCE_DEBUG": "off",
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "alliance.settings",
        "PYTHONPATH": str(ROOT),
    }


PGBOUNCER = Path("/usr/sbin/pgbouncer")


def _install_pgbouncer() -> None:
    """Debian's pgbouncer, installed with apt-get when missing (as the Makefile does chromium)."""
    if PGBOUNCER.exists():
        return
    print("Installing Debian's pgbouncer for the load bench", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=quiet)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", "pgbouncer"],
        check=True,
        env=quiet,
        stdout=subprocess.DEVNULL,
    )


def _as_postgres(command: list[str]) -> list[str]:
    # PgBouncer refuses to run as root; the bench may run as root in a container.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _start_pgbouncer(database_url: str, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """PgBouncer in transaction pooling in front of ``database_url``; returns it and its URL."""
    from urllib.parse import urlsplit

    _install_pgbouncer()
    target = urlsplit(database_url)
    name, user = target.path.lstrip("/"), target.username or "postgres"
    port = _free_port()
    home = folder / "pgbouncer"
    home.mkdir()
    if os.geteuid() == 0:
        folder.chmod(0o711)  # the postgres user must reach its own folder inside
    (home / "users.txt").write_text(f'"{user}" "{target.password or ""}"\n')
    (home / "pgbouncer.ini").write_text(
        f"""[databases]
{name} = host={target.hostname or "127.0.0.1"} port={target.port or 5432} dbname={name}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = {"trust" if not target.password else "plain"}
auth_file = {home / "users.txt"}
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
ignore_startup_parameters = extra_float_digits,options
logfile = {home / "pgbouncer.log"}
"""
    )
    if os.geteuid() == 0:
        import shutil

        shutil.chown(home, "postgres")
        for path in home.iterdir():
            shutil.chown(path, "postgres")
    bouncer = subprocess.Popen(
        _as_postgres([str(PGBOUNCER), str(home / "pgbouncer.ini")]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if bouncer.poll() is not None:
            log = (home / "pgbouncer.log").read_text() if (home / "pgbouncer.log").exists() else ""
            sys.exit(f"pgbouncer exited before listening:\n{log[-3000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    auth = f"{user}:{target.password}@" if target.password else f"{user}@"
    return bouncer, f"postgres://{auth}127.0.0.1:{port}/{name}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(server: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn exited before serving; see its log above")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    sys.exit("gunicorn did not answer the health check within 60 seconds")


def _locust(
    port: int,
    users: list[str],
    seconds: int,
    options: argparse.Namespace,
    result: Path,
    env: dict[str, str],
) -> dict[str, Any]:
    command = [str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--only-summary"]
    command += ["-u", str(options.users), "-r", str(options.spawn_rate), "-t", f"{seconds}s"]
    command += ["--host", f"http://127.0.0.1:{port}", "--loglevel", "WARNING", *users]
    with result.with_suffix(".log").open("wb") as log:
        subprocess.run(
            command,
            env=env | {"LOAD_RESULT_FILE": str(result)},
            check=False,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
    if not result.exists():
        sys.exit(f"locust wrote no result:\n{result.with_suffix('.log').read_text()}")
    return dict(json.loads(result.read_text()))


def _print_table(rows: list[dict[str, Any]]) -> None:
    print(f"{'request':<34}{'count':>8}{'failed':>8}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>8}")
    for row in rows:
        print(
            f"{row['name']:<34}{row['count']:>8}{row['failures']:>8}"
            f"{row['p50']:>9.0f}{row['p95']:>9.0f}{row['per_second']:>8.1f}"
        )


def _overall(result: dict[str, Any]) -> dict[str, Any]:
    return next(row for row in result["requests"] if row["name"] == "overall")


def main() -> None:
    options = _options()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        env = _environment(options.database_url or f"sqlite:///{folder / 'load.sqlite3'}")
        tokens = folder / "tokens.txt"
        started = time.perf_counter()
        prepared = subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "load" / "prepare.py"),
                "--tokens",
                str(options.tokens),
                "--out",
                str(tokens),
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        cast = json.loads(prepared.stdout.strip().splitlines()[-1])
        print(
            f"prepared the demo clinic and {options.tokens} links in "
            f"{time.perf_counter() - started:.0f} s; clinicians: {', '.join(cast['clinicians'])}"
        )
        env |= {
            "LOAD_TOKENS_FILE": str(tokens),
            "LOAD_CLINICIANS": ",".join(cast["clinicians"]),
            "LOAD_PASSWORD": cast["password"],
        }
        bouncer = None
        pooled = options.database_url.startswith(("postgres://", "postgresql://"))
        pooled = pooled and not options.no_pgbouncer
        if pooled:
            bouncer, through = _start_pgbouncer(options.database_url, folder)
            # PgBouncer pools: Django opens a connection per request and keeps no cursor open.
            env |= {
                "DATABASE_URL": through,
                "ALLIANCE_DB_CONN_MAX_AGE": "0",
                "ALLIANCE_DB_BEHIND_PGBOUNCER": "on",
            }
        port = _free_port()
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--config",
                "deploy/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(options.workers),
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=(folder / "gunicorn.log").open("wb"),
        )
        try:
            _wait_for(server, port)
            probe = ["Probe"]
            baseline = _locust(
                port, probe, options.baseline_seconds, options, folder / "b.json", env
            )
            both = ["Client", "Clinician", "LoadProbe"]
            load = _locust(port, both, options.seconds, options, folder / "load.json", env)
        finally:
            server.terminate()
            server.wait(timeout=60)
            if bouncer is not None:
                bouncer.terminate()
                bouncer.wait(timeout=30)
        errors = _server_errors((folder / "gunicorn.log").read_text())
    database = "SQLite"
    if options.database_url:
        database = "postgresql through PgBouncer (transaction pooling)" if pooled else "postgresql"
    print(
        f"\n{options.users} users for {options.seconds} s, gunicorn {options.workers} workers "
        f"x 4 threads, database {database}"
    )
    _print_table(load["requests"])
    print(f"\nbaseline: health check alone, {options.users} users for {options.baseline_seconds} s")
    _print_table(baseline["requests"])
    overall, health = _overall(load), _overall(baseline)
    print(f"\nratio overall p50 / health-check p50: {overall['p50'] / max(health['p50'], 1):.1f}")
    _print_kinds(load["requests"], health, seconds=options.seconds)
    crashed = load["exceptions"] + baseline["exceptions"]
    failed = overall["failures"] + health["failures"] + len(crashed)
    print(f"failed requests: {failed}")
    for line in load["failures"] + baseline["failures"] + crashed:
        print(f"  {line}")
    for line in errors:
        print(f"  server: {line}")
    if failed or errors or overall["count"] == 0:
        sys.exit(1)


KINDS = {
    "clinician pages": ("clinician: caseload", "clinician: client page"),
    "clinician acknowledgement": ("clinician: acknowledge alert",),
    "portal submissions": ("client: send ORS", "client: send SRS"),
    "portal pages": ("client: open link",),
}


def _print_kinds(rows: list[dict[str, Any]], health: dict[str, Any], *, seconds: int) -> None:
    """Per kind of request: its worst p50 and p95, and p95 against the health check's p95, both
    the baseline's (health check alone) and under the same load (one user checking throughout).
    The issue's goal: clinician pages and portal submissions each within 10x."""
    by_name = {row["name"]: row for row in rows}
    under = by_name.get("health check under load")
    floors = [("alone", health)] + ([("under load", under)] if under else [])
    print("\n| kind | requests | p50 ms | p95 ms | " + " | ".join(
        f"p95 / health p95 {label}" for label, _ in floors) + " |")  # fmt: skip
    print("|---|---:|---:|---:|" + "---:|" * len(floors))
    for kind, names in KINDS.items():
        found = [by_name[name] for name in names if name in by_name]
        if not found:
            continue
        p50 = max(row["p50"] for row in found)
        p95 = max(row["p95"] for row in found)
        ratios = " | ".join(f"{p95 / max(floor['p95'], 1):.1f}" for _, floor in floors)
        count = sum(row["count"] for row in found)
        print(f"| {kind} | {count} | {p50:.0f} | {p95:.0f} | {ratios} |")
    total = next(row for row in rows if row["name"] == "overall")
    print(f"requests per second: {total['count'] / max(seconds, 1):.1f}")


def _server_errors(log: str) -> list[str]:
    """Each error the server logged, with its whole traceback (the folder is deleted after)."""
    errors: list[str] = []
    for line in log.splitlines():
        if "Traceback" in line or "[ERROR]" in line:
            errors.append(line)
        elif errors and (line.startswith((" ", "\t")) or not line.startswith("[")):
            errors[-1] += "\n    " + line
    return errors


if __name__ == "__main__":
    main()
