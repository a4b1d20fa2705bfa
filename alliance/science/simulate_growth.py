"""Seeded growth-model ratings, vectorised, for benchmarks and parameter recovery.

Unlike :func:`alliance.science.simulate.simulate_clinic` (a whole clinic with appointments), this
draws only ratings from the dose-effect log model of Finch, Lambert & Schaalje (2001, Clin Psychol
Psychother 8:231-242), fast enough for a million rows; never a real person's data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["simulate_growth_ratings"]

Ints = NDArray[np.int64]


def simulate_growth_ratings(
    n_ratings: int,
    n_episodes: int,
    *,
    seed: int,
    n_clinicians: int | None = None,
    intake_mean: float = 19.6,
    intake_sd: float = 7.5,
    slope_mean: float = 3.0,
    intake_on_slope: float = -0.1,
    intercept_sd: float = 2.0,
    slope_sd: float = 1.5,
    slope_correlation: float = -0.3,
    clinician_slope_sd: float = 0.4,
    residual_sd: float = 3.0,
    max_sessions: int = 30,
) -> pd.DataFrame:
    """Fast, vectorised ORS growth ratings for benchmarks and parameter recovery.

    Dose-effect log model (Finch, Lambert & Schaalje 2001, Clin Psychol Psychother 8:231-242)::

        score_ij = intake_i + b0_i + (slope_mean + intake_on_slope * (intake_i - intake_mean)
                   + c_k + b1_i) * ln(session_j) + e_ij

    with (b0, b1) bivariate normal (SDs ``intercept_sd``, ``slope_sd``, correlation
    ``slope_correlation``), clinician slope effects c_k ~ N(0, clinician_slope_sd^2) and
    e ~ N(0, residual_sd^2). Scores are not clipped, so the linear model holds exactly. Episode
    lengths are geometric (many short episodes) within 1..``max_sessions`` and add up to
    ``n_ratings`` exactly. ``frame.attrs["truth"]`` holds the generating parameters in the
    parametrisation X = [1, t, intake, intake:t], Z = [1, t] with t = ln(session).

    Parameters
    ----------
    n_ratings, n_episodes : int
        Total rows and number of episodes (``n_episodes <= n_ratings <= n_episodes *
        max_sessions``).
    seed : int
        Seed for ``numpy.random.default_rng``.
    n_clinicians : int, optional
        Default ``max(2, n_episodes // 40)``.

    Returns
    -------
    pandas.DataFrame
        Columns episode_id, clinician_id, session, log_session, intake, score.

    Examples
    --------
    >>> frame = simulate_growth_ratings(1000, 150, seed=3)
    >>> len(frame), frame["episode_id"].nunique(), int(frame["session"].max()) <= 30
    (1000, 150, True)
    """
    _check_growth_sizes(n_ratings, n_episodes, max_sessions)
    rng = np.random.default_rng(seed)
    lengths = _growth_lengths(rng, n_ratings, n_episodes, max_sessions)
    episode = np.repeat(np.arange(n_episodes), lengths)
    session = np.arange(n_ratings) - np.repeat(np.cumsum(lengths) - lengths, lengths) + 1
    k = n_clinicians or max(2, n_episodes // 40)
    clinician = rng.integers(0, k, n_episodes)
    intake = rng.normal(intake_mean, intake_sd, n_episodes)
    cov = slope_correlation * intercept_sd * slope_sd
    g = np.array([[intercept_sd**2, cov], [cov, slope_sd**2]])
    b = rng.multivariate_normal(np.zeros(2), g, n_episodes)
    slope = slope_mean + intake_on_slope * (intake - intake_mean) + b[:, 1]
    slope += rng.normal(0.0, clinician_slope_sd, k)[clinician]
    t = np.log(session)
    score = intake[episode] + b[episode, 0] + slope[episode] * t
    frame = pd.DataFrame(
        {
            "episode_id": episode + 1,
            "clinician_id": clinician[episode] + 1,
            "session": session,
            "log_session": t,
            "intake": intake[episode],
            "score": score + rng.normal(0.0, residual_sd, n_ratings),
        }
    )
    frame.attrs["truth"] = {
        "intercept": 0.0,
        "log_session": slope_mean - intake_on_slope * intake_mean,
        "intake": 1.0,
        "intake:log_session": intake_on_slope,
        "intercept_variance": intercept_sd**2,
        "slope_variance": slope_sd**2 + clinician_slope_sd**2,
        "intercept_slope_covariance": cov,
        "clinician_slope_variance": clinician_slope_sd**2,
        "residual_variance": residual_sd**2,
    }
    return frame


def _check_growth_sizes(n_ratings: int, n_episodes: int, max_sessions: int) -> None:
    if n_episodes < 2:
        raise ValueError(f"n_episodes: must be at least 2, got {n_episodes}")
    if max_sessions < 1:
        raise ValueError(f"max_sessions: must be at least 1, got {max_sessions}")
    if not n_episodes <= n_ratings <= n_episodes * max_sessions:
        raise ValueError(
            f"n_ratings: must be in {n_episodes}..{n_episodes * max_sessions} "
            f"(n_episodes to n_episodes * max_sessions), got {n_ratings}"
        )


def _growth_lengths(rng: np.random.Generator, n_ratings: int, n_episodes: int, cap: int) -> Ints:
    """Geometric lengths in 1..cap, nudged one session at a time until they sum to n_ratings."""
    lengths = np.minimum(rng.geometric(n_episodes / n_ratings, n_episodes), cap)
    gap = n_ratings - int(lengths.sum())
    while gap != 0:
        room = np.flatnonzero(lengths < cap) if gap > 0 else np.flatnonzero(lengths > 1)
        chosen = rng.choice(room, size=min(abs(gap), room.size), replace=False)
        lengths[chosen] += 1 if gap > 0 else -1
        gap = n_ratings - int(lengths.sum())
    return lengths.astype(np.int64)
