"""Benchmark: REML growth-model fit time and memory, against statsmodels MixedLM.

Run: ``python bench/bench_growth.py`` (add ``--quick`` to skip the 1M-rating size; ``--small`` or
``ALLIANCE_BENCH_SIZE=small``: 2,000 ratings only, one repeat, a smoke run; ``--help``: this text).

Simulates a clinic's ratings from the growth model (its own seeded numpy generator), fits
``score ~ log_session * intake + (log_session | episode)`` with
:func:`alliance.science.growth.fit_growth_model` at 10k, 100k and 1M ratings, and prints time and
peak memory. Three layouts of time: *regular* (sessions 1, 2, ..., n: episodes of the same length
share their time pattern, which the fit exploits), *gaps* (missed sessions: many more patterns) and
*dated* (t = ln(weeks since intake + 1) from real-valued dates: every episode has its own pattern,
the worst case). statsmodels MixedLM (REML, its default optimiser list, which reaches the optimum
where ``method=["lbfgs"]`` alone stops 69-76 log-likelihood units short: issue 18) is timed on the
10k size in the same run, and both REML log-likelihoods are printed: a comparison is only fair when
both fits reach the same optimum. Times are wall-clock and CPU (``time.process_time``) seconds, the
best of three.

``--lme4``: when ``Rscript`` with lme4 is installed, the largest dated data set is also written to
a temporary CSV and ``lmer(score ~ log_session * intake + (log_session | episode), REML=TRUE)`` is
timed in Rscript in the same run (once: it takes a minute at 1M ratings); the ratio and both sets
of estimates are printed side by side (skipped, saying why, when R or lme4 is missing).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from alliance.science.growth import GrowthFit, fit_growth_model, group_rows

RATINGS_PER_EPISODE = 20 / 3  # 1,000,000 ratings from 150,000 episodes
SMALL = "--small" in sys.argv or os.environ.get("ALLIANCE_BENCH_SIZE") == "small"
SIZES = (2_000,) if SMALL else (10_000, 100_000, 1_000_000)
REPEATS = 1 if SMALL else 3
BETA = (1.0, 4.0, 0.95, -0.2)  # intercept, log_session, intake, intake:log_session
G = np.array([[4.0, -1.0], [-1.0, 3.0]])
SIGMA = 4.0


def episode_lengths(rng: np.random.Generator, n_ratings: int) -> np.ndarray:
    """1 to 12 ratings per episode (mean 6.67), adjusted to sum to exactly n_ratings."""
    n_episodes = round(n_ratings / RATINGS_PER_EPISODE)
    lengths = 1 + rng.binomial(11, (RATINGS_PER_EPISODE - 1) / 11, n_episodes)
    gap = n_ratings - int(lengths.sum())
    room = np.flatnonzero(lengths < 12) if gap > 0 else np.flatnonzero(lengths > 1)
    lengths[rng.choice(room, abs(gap), replace=False)] += np.sign(gap)
    return lengths


def simulate(n_ratings: int, *, layout: str, seed: int = 20260101) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lengths = episode_lengths(rng, n_ratings)
    episode = np.repeat(np.arange(lengths.size), lengths)
    # Steps between ratings: one session, more when sessions were missed, or days / 7 when dated.
    steps = {
        "regular": lambda: np.ones(episode.size),
        "gaps": lambda: rng.geometric(0.6, episode.size).astype(float),
        "dated": lambda: rng.gamma(4.0, 2.5, episode.size) / 7.0,
    }[layout]()
    starts = np.cumsum(lengths) - lengths
    steps[starts] = 1.0
    total = np.cumsum(steps)
    t = np.log(total - np.repeat(total[starts] - 1.0, lengths))
    intake = rng.normal(19.0, 7.5, lengths.size)[episode]
    b = rng.multivariate_normal([0.0, 0.0], G, lengths.size)[episode]
    mean = BETA[0] + BETA[2] * intake + (BETA[1] + BETA[3] * intake) * t
    score = mean + b[:, 0] + b[:, 1] * t + rng.normal(0.0, SIGMA, episode.size)
    return pd.DataFrame({"episode": episode, "log_session": t, "score": score, "intake": intake})


def ours(ratings: pd.DataFrame) -> GrowthFit:
    return fit_growth_model(
        ratings, group="episode", time="log_session", outcome="score", covariates=["intake"]
    )


def statsmodels_fit(ratings: pd.DataFrame) -> object:
    model = smf.mixedlm(
        "score ~ log_session * intake",
        ratings,
        groups=ratings["episode"],
        re_formula="~log_session",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(reml=True)


def best_time(fit: Callable[[], object], repeats: int) -> float:
    return best_times(fit, repeats)[0]


def best_times(fit: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds over ``repeats`` runs."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fit()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(wall), min(cpu)


def peak_memory_mb(fit: Callable[[], object]) -> float:
    """Peak memory allocated while fitting (numpy and Python allocations, via tracemalloc)."""
    tracemalloc.start()
    fit()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def grouping(n_ratings: int) -> None:
    """Time of grouping the dated episodes by time pattern: numpy's row unique vs the sort."""
    ratings = simulate(n_ratings, layout="dated")
    t = ratings["log_session"].to_numpy()
    by = ratings.groupby("episode").agg(n=("log_session", "size"))
    keys = np.column_stack(
        [
            by["n"].to_numpy(dtype=float),
            np.bincount(ratings["episode"], weights=t),
            np.bincount(ratings["episode"], weights=t * t),
        ]
    )
    row_unique = best_time(lambda: np.unique(keys, axis=0, return_inverse=True), REPEATS)
    lexsort = best_time(lambda: group_rows(keys), REPEATS)
    same = all(
        np.array_equal(a.reshape(-1), b.reshape(-1))
        for a, b in zip(np.unique(keys, axis=0, return_inverse=True), group_rows(keys), strict=True)
    )
    print(
        f"grouping {keys.shape[0]:,} dated episodes: np.unique(axis=0) {row_unique:.4f} s, "
        f"lexicographic sort {lexsort:.4f} s, identical {same}"
    )
    print(f"ratio np.unique(axis=0) / lexicographic sort: {row_unique / lexsort:.1f}")


LMER = """suppressMessages(library(lme4)); d <- read.csv(commandArgs(TRUE)[1])
t0 <- proc.time()[["elapsed"]]
m <- lmer(score ~ log_session * intake + (log_session | episode), data = d, REML = TRUE)
cat("seconds", proc.time()[["elapsed"]] - t0, "\\n")
v <- VarCorr(m)$episode
e <- c(fixef(m), v[1, 1], v[1, 2], v[2, 2], sigma(m)^2, logLik(m))
cat("estimates", format(e, digits = 15), "\\n")
"""
ESTIMATES = (
    "intercept",
    "log_session",
    "intake",
    "intake:log_session",
    "var(a)",
    "cov(a,b)",
    "var(b)",
    "sigma^2",
    "REML log-lik",
)


def lme4_missing() -> str | None:
    """Why lme4 cannot be run here, or None when it can."""
    if shutil.which("Rscript") is None:
        return "Rscript is not installed (apt-get install r-base-core r-cran-lme4)"
    probe = subprocess.run(["Rscript", "-e", "library(lme4)"], capture_output=True, text=True)
    return None if probe.returncode == 0 else "the R package lme4 is not installed (r-cran-lme4)"


def lme4_fit(ratings: pd.DataFrame) -> tuple[float, list[float], list[str]]:
    """lmer's wall-clock seconds (the fit alone, not reading the CSV), estimates and warnings."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "ratings.csv")
        ratings.to_csv(path, index=False, float_format="%.17g")
        done = subprocess.run(
            ["Rscript", "-e", LMER, path], capture_output=True, text=True, check=True
        )
    lines = dict(line.split(" ", 1) for line in done.stdout.strip().splitlines())
    warned = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    return float(lines["seconds"]), [float(v) for v in lines["estimates"].split()], warned


def our_estimates(fit: GrowthFit) -> list[float]:
    g = fit.random_cov
    return [
        *fit.fixed_effects.values(),
        g[0, 0],
        g[0, 1],
        g[1, 1],
        fit.residual_variance,
        fit.reml_loglik,
    ]


def compare_with_lme4(n_ratings: int) -> None:
    reason = lme4_missing()
    if reason is not None:
        print(f"\nlme4 comparison skipped: {reason}")
        return
    ratings = simulate(n_ratings, layout="dated")
    runs = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        ours(ratings)
        runs.append(time.perf_counter() - start)
    ours_s = min(runs)
    theirs_s, theirs, warned = lme4_fit(ratings)
    mine = our_estimates(ours(ratings))
    each = ", ".join(f"{v:.2f}" for v in runs)
    print(f"\nlme4 lmer on {n_ratings:,} dated ratings: {theirs_s:.2f} s; ours {ours_s:.2f} s")
    print(f"(ours, best of {REPEATS}: {each} s; lme4 once)")
    print(f"ratio lme4 / ours = {theirs_s / ours_s:.1f}x (load average {os.getloadavg()[0]:.1f})")
    print(f"{'estimate':<20} {'ours':>18} {'lme4':>18} same to 4 significant figures")
    for name, a, b in zip(ESTIMATES, mine, theirs, strict=True):
        print(f"{name:<20} {a:>18.12g} {b:>18.12g} {f'{a:.4g}' == f'{b:.4g}'}")
    for line in warned:
        print(f"lme4 said: {line}")


def main() -> None:
    if "--help" in sys.argv or "-h" in sys.argv:
        print(__doc__)
        return
    sizes = SIZES[:-1] if "--quick" in sys.argv and len(SIZES) > 1 else SIZES
    print(
        f"{'layout':<10} {'ratings':>10} {'episodes':>9} {'wall s':>8} {'CPU s':>8} "
        f"{'peak MB':>8} conv"
    )
    largest: dict[str, float] = {}
    for layout in ("regular", "gaps", "dated"):
        for n_ratings in sizes:
            ratings = simulate(n_ratings, layout=layout)
            seconds, cpu = best_times(lambda r=ratings: ours(r), repeats=REPEATS)
            largest[layout] = seconds
            megabytes = peak_memory_mb(lambda r=ratings: ours(r))
            fit = ours(ratings)
            print(
                f"{layout:<10} {fit.n_obs:>10,} {fit.n_groups:>9,} {seconds:>8.3f} {cpu:>8.3f} "
                f"{megabytes:>8.1f} {fit.converged}"
            )
    print(
        f"\nratio dated (real-valued times) / regular (whole sessions) at {sizes[-1]:,} ratings: "
        f"{largest['dated'] / largest['regular']:.2f}"
    )
    grouping(sizes[-1])
    small = simulate(SIZES[0], layout="regular")
    ours_s = best_time(lambda: ours(small), repeats=REPEATS)
    theirs_s = best_time(lambda: statsmodels_fit(small), repeats=1)
    result, fit = statsmodels_fit(small), ours(small)
    gap = np.max(np.abs(np.array(list(fit.fixed_effects.values())) - result.fe_params.to_numpy()))  # type: ignore[attr-defined]
    print(f"\nstatsmodels MixedLM on {SIZES[0]:,} ratings: {theirs_s:.3f} s; ours {ours_s:.4f} s;")
    print(f"ratio statsmodels / ours = {theirs_s / ours_s:,.0f}x; max |fixed effect gap| {gap:.2e}")
    llf = float(result.llf)  # type: ignore[attr-defined]
    print(f"REML log-lik: ours {fit.reml_loglik:.6f}, statsmodels {llf:.6f}")
    print(f"statsmodels minus ours: {llf - fit.reml_loglik:+.2e} (>= 0 only if ours is short)")
    if "--lme4" in sys.argv:
        compare_with_lme4(sizes[-1])
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    print(f"process peak resident memory: {peak_rss:,.0f} MB")


if __name__ == "__main__":
    main()
