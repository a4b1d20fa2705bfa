"""Recovery of known growth-model parameters on 20,000 simulated episodes, over several seeds.

Run: ``python bench/bench_recovery.py`` (12 seeds, 20,000 episodes, the documented run); for a
quick look ``python bench/bench_recovery.py --seeds 2 --episodes 2000``.

The simulation of ``test_it_recovers_the_generating_parameters_on_a_large_sample`` in
tests/science/test_trajectories.py (the same draws: seed 2026 is the test's sample): 1 to 12
ratings per episode, time t = ln(session) (*sessions*) or uniform on [0, 3] (*real-valued*),
intake N(19, 7.5), beta = (1, 4, 0.95, -0.2), G = [[4, -1], [-1, 3]], sigma^2 = 16, fitted with
:func:`alliance.science.growth.fit_growth_model` (the intake is a covariate here, not a score).
Printed per layout: each parameter's mean and Monte-Carlo SD over the seeds, the test's tolerance
as a multiple of that SD, and for the fixed effects the largest |estimate - truth| / SE.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from alliance.science.growth import fit_growth_model

BETA = {"intercept": 1.0, "log_session": 4.0, "intake": 0.95, "intake:log_session": -0.2}
G = np.array([[4.0, -1.0], [-1.0, 3.0]])
SIGMA2 = 16.0
FIRST_SEED = 2026
# The test's tolerances (tests/science/test_trajectories.py).
TOLERANCE = {"G_00": 0.95, "G_01": 0.6, "G_11": 0.45, "sigma^2": 0.3}


def simulate(seed: int, n_episodes: int, *, irregular: bool) -> pd.DataFrame:
    """As ``simulate_ratings`` in tests/science/test_trajectories.py (same draws, same order)."""
    rng = np.random.default_rng(seed)
    n = rng.integers(1, 13, size=n_episodes)
    episode = np.repeat(np.arange(n_episodes), n)
    session = np.arange(episode.size) - np.repeat(np.cumsum(n) - n, n) + 1
    t = np.log(session) if not irregular else rng.uniform(0.0, 3.0, episode.size)
    intake = rng.normal(19.0, 7.5, n_episodes)[episode]
    b = rng.multivariate_normal([0.0, 0.0], G, size=n_episodes)[episode]
    mean = BETA["intercept"] + BETA["intake"] * intake
    mean = mean + (BETA["log_session"] + BETA["intake:log_session"] * intake) * t
    score = mean + b[:, 0] + b[:, 1] * t + rng.normal(0.0, np.sqrt(SIGMA2), episode.size)
    return pd.DataFrame({"episode": episode, "log_session": t, "score": score, "intake": intake})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=12, help="seeds 2026, 2027, ... (default 12)")
    parser.add_argument("--episodes", type=int, default=20_000, help="episodes per fit")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    truth = {"G_00": G[0, 0], "G_01": G[0, 1], "G_11": G[1, 1], "sigma^2": SIGMA2}
    print(f"{args.episodes} episodes, seeds {FIRST_SEED}-{FIRST_SEED + args.seeds - 1}")
    print()
    print("| times | parameter | truth | mean | Monte-Carlo SD | test tolerance / SD |")
    print("| --- | --- | --- | --- | --- | --- |")
    worst = {}
    for irregular, layout in ((False, "sessions"), (True, "real-valued")):
        rows, z = [], []
        for k in range(args.seeds):
            fit = fit_growth_model(
                simulate(FIRST_SEED + k, args.episodes, irregular=irregular),
                group="episode",
                time="log_session",
                outcome="score",
                covariates=["intake"],
            )
            g = fit.random_cov
            rows.append((g[0, 0], g[0, 1], g[1, 1], fit.residual_variance))
            z.append(
                max(
                    abs(fit.fixed_effects[name] - value) / fit.fixed_effects_se[name]
                    for name, value in BETA.items()
                )
            )
        values = np.array(rows)
        sd = values.std(axis=0, ddof=1) if len(rows) > 1 else np.full(4, np.nan)
        for j, name in enumerate(truth):
            print(
                f"| {layout} | {name} | {truth[name]:g} | {values[:, j].mean():.3f} | "
                f"{sd[j]:.3f} | {TOLERANCE[name] / sd[j]:.1f} |"
            )
        worst[layout] = max(z)
    print()
    for layout, value in worst.items():
        print(f"{layout}: largest |fixed effect - truth| / SE over the seeds: {value:.2f}")
    print(f"({time.perf_counter() - started:.1f} s wall)")


if __name__ == "__main__":
    main()
