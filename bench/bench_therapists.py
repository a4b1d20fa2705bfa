"""Benchmark: clinician effects (our REML) against statsmodels MixedLM, and the clinic simulator.

Run: ``python bench/bench_therapists.py`` (``--small`` or ``ALLIANCE_BENCH_SIZE=small``: 2,000
episodes, smaller simulations, one repeat, a smoke run). Prints seconds per call; speed is never
asserted in tests. Data are seeded synthetic episodes:
final = 12 + 0.6 * intake + clinician + noise.
"""

from __future__ import annotations

import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from alliance.science.simulate import ClinicParameters, simulate_clinic, simulate_growth_ratings
from alliance.science.therapists import alliance_outcome_split, clinician_effects

SMALL = "--small" in sys.argv or os.environ.get("ALLIANCE_BENCH_SIZE") == "small"
SIZES = ((2_000, 20),) if SMALL else ((10_000, 100), (100_000, 1_000), (1_000_000, 5_000))
COMPARED = 2_000 if SMALL else 10_000  # episodes in the statsmodels comparison
CLINIC = (15, 1_500, 100) if SMALL else (150, 15_000, 400)  # clinicians, clients, weeks
GROWTH = (20_000, 3_000) if SMALL else (1_000_000, 150_000)  # ratings, episodes
REPEAT = 1 if SMALL else 3


def episodes(n: int, n_clinicians: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    clinician = rng.integers(0, n_clinicians, n)
    intake = rng.normal(19.6, 7.5, n)
    effect = rng.normal(0.0, 1.5, n_clinicians)[clinician]
    final = 12 + 0.6 * intake + effect + rng.normal(0.0, 6.3, n)
    alliance = rng.normal(0.0, 1.0, n)
    return pd.DataFrame({"clinician": clinician, "intake": intake, "final": final, "srs": alliance})


def seconds(call: object, repeat: int = REPEAT) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    print(f"{'task':<60}{'seconds':>10}")
    for n, k in SIZES:
        frame = episodes(n, k)
        ours = seconds(
            lambda f=frame: clinician_effects(
                f, clinician="clinician", outcome="final", covariates=["intake"]
            )
        )
        print(f"{f'clinician_effects, {n:,} episodes / {k:,} clinicians':<60}{ours:>10.3f}")
    frame = episodes(COMPARED, COMPARED // 100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = seconds(
            lambda: smf.mixedlm("final ~ intake", frame, groups=frame["clinician"]).fit(reml=True),
            1,
        )
    ours = seconds(
        lambda: clinician_effects(
            frame, clinician="clinician", outcome="final", covariates=["intake"]
        )
    )
    print(f"{f'statsmodels MixedLM, {COMPARED:,} episodes':<60}{theirs:>10.3f}")
    print(f"{f'ratio statsmodels / ours at {COMPARED:,} episodes':<60}{theirs / ours:>10.1f}")
    split = seconds(
        lambda: alliance_outcome_split(
            frame, clinician="clinician", alliance="srs", outcome="final", covariates=["intake"]
        )
    )
    print(f"{f'alliance_outcome_split, {COMPARED:,} clients':<60}{split:>10.3f}")
    big = ClinicParameters(n_clinicians=CLINIC[0], n_clients=CLINIC[1], observed_weeks=CLINIC[2])
    clinic = seconds(lambda: simulate_clinic(big, seed=1))
    print(f"{f'simulate_clinic, {CLINIC[1]:,} clients':<60}{clinic:>10.3f}")
    growth = seconds(lambda: simulate_growth_ratings(*GROWTH, seed=1))
    print(f"{f'simulate_growth_ratings, {GROWTH[0]:,} ratings':<60}{growth:>10.3f}")


if __name__ == "__main__":
    main()
