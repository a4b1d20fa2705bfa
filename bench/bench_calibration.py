"""Calibration of the expected band on simulated clinics: the share of held-out clients inside it.

Run: ``python bench/bench_calibration.py`` (``--small`` or ``ALLIANCE_BENCH_SIZE=small``: one seed,
800 clients, a smoke run whose shares are too noisy to read).

The procedure of ``tests/science/test_trajectory_calibration.py``: clinics from
:func:`alliance.science.simulate.simulate_clinic` (8,000 clients, seeds 1 and 2, intakes
N(19.6, 7.5), N(14, 5) and N(25, 9)); the model fitted on the closed episodes of half the
clients; the ORS ratings of the other half at sessions 2 to 12 checked against their 25th-75th
(nominal 50%) and 10th-90th (nominal 80%) bands. Printed for the fit after intake
(:func:`alliance.science.trajectories.fit_trajectory`, the product's), for the old fit that also
kept the intake as the session-1 outcome, and for the provisional ORS default on the same clinics
(default intake distribution only), pooled over the clinics.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import numpy as np
import pandas as pd

from alliance.science.growth import GrowthFit, fit_growth_model
from alliance.science.simulate import ClinicParameters, simulate_clinic
from alliance.science.trajectories import (
    INTAKE,
    TIME,
    TrajectoryModel,
    band_coverage,
    default_model,
    fit_trajectory,
    with_intake,
)

SMALL = "--small" in sys.argv or os.environ.get("ALLIANCE_BENCH_SIZE") == "small"
SEEDS = (1,) if SMALL else (1, 2)
CLIENTS, CLINICIANS = (800, 16) if SMALL else (8000, 160)
INTAKES = {"clinical": (19.6, 7.5), "low": (14.0, 5.0), "high_wide": (25.0, 9.0)}
SESSIONS = range(2, 13)
PERCENTILES = (25.0, 10.0)


def after_intake(train: pd.DataFrame) -> GrowthFit | TrajectoryModel:
    return fit_trajectory(train, group="episode_id")


def intake_twice(train: pd.DataFrame) -> GrowthFit | TrajectoryModel:
    rows = with_intake(train, group="episode_id")
    return fit_growth_model(
        rows, group="episode_id", time=TIME, outcome="score", covariates=[INTAKE]
    )


def provisional_default(train: pd.DataFrame) -> GrowthFit | TrajectoryModel:
    return default_model("ors")


def split(seed: int, mean: float, sd: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    params = ClinicParameters(
        n_clients=CLIENTS, n_clinicians=CLINICIANS, intake_mean=mean, intake_sd=sd
    )
    clinic = simulate_clinic(params, seed=seed)
    ratings = clinic.ratings
    ors = ratings[(ratings["measure"] == "ors") & (ratings["rater"] == "client")]
    episodes = clinic.episodes
    fitted = np.random.default_rng(seed + 100).random(len(episodes)) < 0.5
    closed = episodes["ending"].notna().to_numpy()
    train = ors[ors["episode_id"].isin(episodes["episode_id"][fitted & closed])]
    return train, ors[ors["episode_id"].isin(episodes["episode_id"][~fitted])]


def pooled(
    fit: Callable[[pd.DataFrame], GrowthFit | TrajectoryModel], intakes: dict[str, tuple]
) -> pd.DataFrame:
    parts = []
    for seed in SEEDS:
        for mean, sd in intakes.values():
            train, test = split(seed, mean, sd)
            model = fit(train)
            for percentile in PERCENTILES:
                table = band_coverage(
                    model, test, group="episode_id", percentile=percentile, score_range=(0, 40)
                )
                table = table.loc[table.index.isin(SESSIONS)]
                parts.append(
                    pd.DataFrame(
                        {"band": f"{percentile:g}-{100 - percentile:g}", "n": table["n"]}
                    ).assign(k=table["n"] * table["inside"])
                )
    total = pd.concat(parts).reset_index().groupby(["band", "session"]).sum()
    return (total["k"] / total["n"]).unstack("session")


def main() -> None:
    pd.set_option("display.width", 200)
    for name, fit, intakes in (
        ("fit after intake (the product)", after_intake, INTAKES),
        ("old fit: intake also the session-1 outcome", intake_twice, INTAKES),
        ("provisional ORS default", provisional_default, {"clinical": INTAKES["clinical"]}),
    ):
        print(f"\n{name}: share inside the band, sessions 2-12 (nominal 0.50 and 0.80)")
        print(pooled(fit, intakes).round(3).to_string())


if __name__ == "__main__":
    main()
