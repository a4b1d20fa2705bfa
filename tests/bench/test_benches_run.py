"""The benches whose figures the docs quote still run (at a tiny size) and print their tables.

Speed is not asserted: the benches print times, tests do not check them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_bench(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("script", "args", "header"),
    [
        (
            "bench_local_fit.py",
            ("--fits", "1", "--sizes", "50"),
            "| episodes | 2-10 ratings: median / 90th pct abs error / share within 1 |",
        ),
        (
            "bench_recovery.py",
            ("--seeds", "2", "--episodes", "200"),
            "| times | parameter | truth | mean | Monte-Carlo SD | test tolerance / SD |",
        ),
    ],
    ids=["local_fit", "recovery"],
)
def test_the_bench_runs_at_a_tiny_size_and_prints_its_table(
    script: str, args: tuple[str, ...], header: str
) -> None:
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        pytest.skip("uses no database: run once, on the SQLite pass")
    result = run_bench(script, *args)
    assert result.returncode == 0, result.stderr
    assert header in result.stdout
    assert len([line for line in result.stdout.splitlines() if line.startswith("| ")]) >= 3
