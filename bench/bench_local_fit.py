"""How many closed episodes a clinic needs for its own trajectory fit (``enough_for_local_fit``).

Run: ``python bench/bench_local_fit.py`` (200 fits per size, the documented run); for a quick
look ``python bench/bench_local_fit.py --fits 10 --sizes 50,300``.

Truth: ORS-like, the provisional ORS default's fixed effects
(:func:`alliance.science.trajectories.default_model`) with G = [[4, -1], [-1, 8.1]] and
sigma^2 = 19.1. Each simulated episode has an intake score drawn from N(19.6, 7.5) at session 1 and
scores at sessions 2, ..., n drawn from the truth given that intake. Each fit is
:func:`alliance.science.trajectories.fit_trajectory` (the product's: the scores after intake,
conditional on intake) on a fresh sample of episodes. Printed per size and layout: the median and
90th percentile of the absolute error of the fitted band's lower edge (25th percentile) at session
8 for intake 19.6, against the truth's, and the share of fits within one ORS point (a fifth of the
5-point reliable change). Layouts: 2-10 ratings per episode (uniform, intake included) and 1-5
ratings (uniform, mean 3: episodes with only an intake drop out of the fit, and session 8 is an
extrapolation). A fit that fails is counted and left out; singular fits are counted.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from alliance.science.trajectories import (
    DEFAULT_BAND_PERCENTILE,
    TrajectoryModel,
    default_model,
    expected_path,
    fit_trajectory,
)

SIZES = (50, 100, 200, 300, 500, 1000)
LAYOUTS = {"2-10 ratings": (2, 10), "1-5 ratings (mean 3)": (1, 5)}
G = np.array([[4.0, -1.0], [-1.0, 8.1]])
SIGMA2 = 19.1
INTAKE_MEAN, INTAKE_SD = 19.6, 7.5
SESSION = 8.0


def truth() -> TrajectoryModel:
    base = default_model("ors")
    return TrajectoryModel(
        measure="ors",
        time=base.time,
        covariates=base.covariates,
        fixed_effects=dict(base.fixed_effects),
        fixed_effects_cov=np.zeros((4, 4)),
        random_cov=G,
        residual_variance=SIGMA2,
        score_range=None,
        source="provisional_default",
        citation="bench truth",
    )


def simulate(model: TrajectoryModel, n_episodes: int, ratings: tuple[int, int], seed: int):
    rng = np.random.default_rng(seed)
    n = rng.integers(ratings[0], ratings[1] + 1, size=n_episodes)
    episode = np.repeat(np.arange(n_episodes), n)
    session = np.arange(episode.size) - np.repeat(np.cumsum(n) - n, n) + 1
    t = np.log(session)
    intake = rng.normal(INTAKE_MEAN, INTAKE_SD, n_episodes)
    b = rng.multivariate_normal([0.0, 0.0], model.random_cov, size=n_episodes)
    beta = model.fixed_effects
    c = intake[episode]
    mean = beta["intercept"] + beta["intake"] * c
    mean = mean + (beta["log_session"] + beta["intake:log_session"] * c) * t
    noise = rng.normal(0.0, np.sqrt(model.residual_variance), episode.size)
    score = mean + b[episode, 0] + b[episode, 1] * t + noise
    score = np.where(session == 1, c, score)  # the intake rating is the intake score
    return pd.DataFrame({"episode": episode, "session": session, "score": score})


def lower_edge(model) -> float:
    path = expected_path(model, intake=INTAKE_MEAN, sessions=[SESSION])
    return float(path.lower[0])


def errors(n_episodes: int, ratings: tuple[int, int], fits: int, seed: int, true_edge: float):
    model = truth()
    found, failed, singular = [], 0, 0
    for k in range(fits):
        try:
            with warnings.catch_warnings():  # the optimiser probing the boundary of small fits
                warnings.simplefilter("ignore", RuntimeWarning)
                ratings_k = simulate(model, n_episodes, ratings, seed + k)
                fit = fit_trajectory(ratings_k, group="episode")
        except ValueError:
            failed += 1
            continue
        singular += bool(fit.singular)
        found.append(abs(lower_edge(fit) - true_edge))
    return np.array(found), failed, singular


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=200, help="fits per size (default 200)")
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SIZES)),
        help="comma-separated episode counts (default %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    true_edge = lower_edge(truth())
    print(
        f"Truth: ORS default fixed effects, G = [[4, -1], [-1, 8.1]], sigma^2 = {SIGMA2}; "
        f"true {DEFAULT_BAND_PERCENTILE:g}th-percentile edge at session {SESSION:g} for intake "
        f"{INTAKE_MEAN}: {true_edge:.3f}. {args.fits} fits per size (fit_trajectory)."
    )
    print()
    header = "| episodes | " + " | ".join(
        f"{name}: median / 90th pct abs error / share within 1" for name in LAYOUTS
    )
    print(header + " |")
    print("| --- |" + " --- |" * len(LAYOUTS))
    started = time.perf_counter()
    notes = []
    for size in sizes:
        cells = []
        for name, ratings in LAYOUTS.items():
            found, failed, singular = errors(size, ratings, args.fits, args.seed, true_edge)
            if found.size == 0:
                cells.append("no fit")
            else:
                cells.append(
                    f"{np.median(found):.2f} / {np.quantile(found, 0.9):.2f} / "
                    f"{np.mean(found <= 1.0):.2f}"
                )
            if failed or singular:
                notes.append(f"{size} episodes, {name}: {failed} failed, {singular} singular")
        print(f"| {size} | " + " | ".join(cells) + " |")
    print()
    for note in notes:
        print(note)
    print(f"({time.perf_counter() - started:.1f} s wall)")


if __name__ == "__main__":
    main()
