"""Benchmark: ``alliance analyze`` on a large synthetic CSV, against pandas reading the same file.

Run: ``python bench/bench_analyze.py`` (``--clients N`` to choose the size: 22,000 clients make
about 310,000 ratings, a run of a minute or two here; 75,000 make about 1.05M; ``--small`` or
``ALLIANCE_BENCH_SIZE=small``: 300 clients, a smoke run). The CSV comes from
:func:`alliance.science.simulate.simulate_clinic` (seeded) and is written to a temporary folder.

The baseline is ``pandas.read_csv`` of the same file with its default settings, timed in the
same run: the least any analysis of the file must do. The command then runs in a child process
(so its peak resident memory is its own) with a progress recorder in place of the progress bars,
and the bench prints the seconds of each stage (from the stage's first progress report, made
as it starts, to the next stage's), the JSON's size, the child's peak
memory and the ratio of the whole command's time to pandas' read. Speed is never asserted in
tests.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

SMALL = "--small" in sys.argv or os.environ.get("ALLIANCE_BENCH_SIZE") == "small"


def make_csv(path: Path, clients: int) -> int:
    from alliance.science.simulate import ClinicParameters, simulate_clinic

    clinicians = max(4, clients // 75)
    ratings = simulate_clinic(ClinicParameters(n_clients=clients, n_clinicians=clinicians), seed=16)
    ratings.ratings.to_csv(path, index=False)
    return len(ratings.ratings)


def child(csv: Path, out: Path) -> None:
    """Run the command as ``alliance analyze`` does, recording when each stage first reports."""
    from contextlib import contextmanager

    from alliance.cli import analyze as analyze_command

    stages: dict[str, float] = {"starting (instruments, settings, paths)": 0.0}
    start = time.perf_counter()

    @contextmanager
    def recorder():  # type: ignore[no-untyped-def]
        def advance(stage: str, done: int, total: int) -> None:
            stages.setdefault(stage, time.perf_counter() - start)

        yield advance

    analyze_command.progress_bars = recorder  # type: ignore[assignment]
    code = analyze_command.run(csv, out, None)
    total = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    print(json.dumps({"code": code, "total": total, "stages": stages, "peak_mb": peak}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=300 if SMALL else 22_000)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="bench_analyze_") as folder:
        csv, out = Path(folder) / "ratings.csv", Path(folder) / "analysis.json"
        n_ratings = make_csv(csv, args.clients)
        size_mb = csv.stat().st_size / 2**20
        start = time.perf_counter()
        frame = pd.read_csv(csv)
        read = time.perf_counter() - start
        del frame
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(csv), str(out)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            sys.exit(f"the child failed:\n{done.stderr[-4000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if result["code"] != 0:
            sys.exit(f"alliance analyze exited {result['code']}:\n{done.stderr[-4000:]}")
        json_mb = out.stat().st_size / 2**20
    print(f"{n_ratings:,} ratings from {args.clients:,} clients; CSV {size_mb:.1f} MB")
    print("| stage | starts at s | seconds |")
    print("|---|---:|---:|")
    marks = sorted(result["stages"].items(), key=lambda item: item[1])
    ends = [at for _, at in marks[1:]] + [result["total"]]
    for (stage, at), end in zip(marks, ends, strict=True):
        print(f"| {stage} | {at:.2f} | {end - at:.2f} |")
    print(f"\npandas read_csv of the same file: {read:.3f} s")
    total, peak = result["total"], result["peak_mb"]
    print(f"alliance analyze: {total:.2f} s, peak resident memory {peak:,.0f} MB")
    print(f"JSON written: {json_mb:.1f} MB")
    print(f"ratio alliance analyze / pandas read_csv: {result['total'] / read:.1f}")


if __name__ == "__main__":
    main()
