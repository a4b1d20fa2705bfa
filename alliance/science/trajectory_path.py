"""The expected path of a trajectory model, the band around it, and the departures from it.

For a given intake score a trajectory model (:mod:`alliance.science.trajectories`, a growth model
of scores on ln(session number), the intake predicting intercept and slope: Finch, Lambert &
Schaalje 2001) gives the expected score at each session and a band holding the middle of the
scores of clients who started there; a client outside the band on the worse side is *not on
track*.

References
----------
Finch, A. E., Lambert, M. J., & Schaalje, B. G. (2001). Psychotherapy quality control: the
statistical generation of expected recovery curves for integration into an early warning system.
Clinical Psychology & Psychotherapy, 8(4), 231-242.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from alliance.science.growth import GrowthFit, design_rows

if TYPE_CHECKING:
    from alliance.science.trajectories import TrajectoryModel

__all__ = [
    "DEFAULT_BAND_PERCENTILE",
    "INTAKE",
    "TIME",
    "Departure",
    "ExpectedPath",
    "band_coverage",
    "departures",
    "expected_path",
    "log_session",
    "with_intake",
]

FloatArray = NDArray[np.float64]

DEFAULT_BAND_PERCENTILE = 25.0
"""Lower edge of the band: the 25th percentile of clients who started at the same score (upper:
the 75th), so the band holds the middle half. Reasons: docs/science/trajectories.md."""

INTAKE = "intake"
"""Name of the covariate every trajectory model has: the score at the first session."""

TIME = "log_session"
"""Time variable of every trajectory model: ln(session number), 0 at the first session."""


def log_session(sessions: ArrayLike) -> FloatArray:
    """Time on Finch et al.'s (2001) scale: t = ln(session number), so the first session is t = 0.

    Parameters
    ----------
    sessions : array_like
        Session numbers, 1 for the first (intake) session; fractional values are allowed.

    Returns
    -------
    ndarray
        ln(sessions).

    Examples
    --------
    >>> log_session([1, 2]).tolist()
    [0.0, 0.6931471805599453]
    """
    values = np.asarray(sessions, dtype=np.float64)
    if not np.all(np.isfinite(values)) or np.any(values < 1):
        raise ValueError("sessions: session numbers must be 1 (the first session) or more")
    return np.log(values)


def with_intake(
    ratings: pd.DataFrame, *, group: str, session: str = "session", score: str = "score"
) -> pd.DataFrame:
    """Each episode's intake score beside its ratings, and t = ln(session number).

    Parameters
    ----------
    ratings : pandas.DataFrame
        One rating per row, with the columns named by ``group``, ``session`` and ``score``.
    group, session, score : str
        Episode id, session number (1 = the first session) and score columns.

    Returns
    -------
    pandas.DataFrame
        The ratings in session order within each episode, with :data:`INTAKE` (the score at the
        episode's first rated session), :data:`TIME` and ``is_intake`` (True on that first rating).

    Examples
    --------
    >>> ratings = pd.DataFrame({"episode": [1, 1, 2], "session": [2, 1, 1],
    ...                         "score": [22.0, 18.0, 30.0]})
    >>> with_intake(ratings, group="episode")[["intake", "is_intake"]].values.tolist()
    [[18.0, True], [18.0, False], [30.0, True]]
    """
    for name in (group, session, score):
        if name not in ratings.columns:
            raise ValueError(f"{name}: no such column in the ratings")
    ordered = ratings.sort_values([group, session], kind="stable").reset_index(drop=True)
    ordered[TIME] = log_session(ordered[session].to_numpy(dtype=np.float64))
    ordered[INTAKE] = ordered.groupby(group, sort=False)[score].transform("first")
    ordered["is_intake"] = ~ordered.duplicated(group, keep="first")
    return ordered


def band_coverage(
    model: GrowthFit | TrajectoryModel,
    ratings: pd.DataFrame,
    *,
    group: str,
    session: str = "session",
    score: str = "score",
    percentile: float = DEFAULT_BAND_PERCENTILE,
    score_range: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Share of ratings after intake inside the band, per session: the band's calibration.

    Parameters
    ----------
    model : GrowthFit or TrajectoryModel
        The expected-trajectory model to check (fitted on other clients).
    ratings : pandas.DataFrame
        Held-out clients' ratings (columns as for :func:`with_intake`).
    percentile : float
        The band's lower percentile; a calibrated band holds 100 - 2 * percentile percent.
    score_range : (float, float), optional
        Clip the band to the measure's range (as the product shows it).

    Returns
    -------
    pandas.DataFrame
        Indexed by session number: ``n`` ratings, ``inside`` (their share within the band,
        edges included), ``nominal`` (1 - 2 * percentile / 100), ``below`` and ``above``.

    Examples
    --------
    >>> ratings = pd.DataFrame({"episode": [1, 1, 1], "session": [1, 2, 3],
    ...                         "score": [19.0, 21.0, 40.0]})
    >>> from alliance.science.trajectories import default_model
    >>> band_coverage(default_model("ors"), ratings, group="episode")["inside"].tolist()
    [1.0, 0.0]
    """
    rows = with_intake(ratings, group=group, session=session, score=score)
    rows = rows[~rows["is_intake"]]
    sessions = np.unique(rows[session].to_numpy(dtype=np.float64))
    intakes, intake_index = np.unique(rows[INTAKE].to_numpy(dtype=np.float64), return_inverse=True)
    path = expected_path(
        model, intake=intakes, sessions=sessions, percentile=percentile, score_range=score_range
    )
    pick = (intake_index.reshape(-1), np.searchsorted(sessions, rows[session].to_numpy(float)))
    y = rows[score].to_numpy(dtype=np.float64)
    frame = pd.DataFrame(
        {
            "session": rows[session].to_numpy(),
            "below": y < path.lower[pick],
            "above": y > path.upper[pick],
        }
    )
    frame["inside"] = ~(frame["below"] | frame["above"])
    table = frame.groupby("session").agg(
        n=("inside", "size"), inside=("inside", "mean"), below=("below", "mean"),
        above=("above", "mean"),
    )  # fmt: skip
    table.insert(2, "nominal", 1.0 - 2.0 * percentile / 100.0)
    return table


@dataclass(frozen=True)
class Departure:
    """Where a fitted path's expected score differs from another's by more than its interval."""

    intake: float
    session: float
    difference: float  # model minus reference
    half_width: float  # of the model's interval for its expected score


def departures(
    model: GrowthFit | TrajectoryModel,
    reference: GrowthFit | TrajectoryModel,
    *,
    intakes: ArrayLike,
    sessions: ArrayLike,
    level: float = 0.95,
) -> list[Departure]:
    """Intakes and sessions where ``model``'s expected score is outside its interval around it.

    Parameters
    ----------
    model : GrowthFit or TrajectoryModel
        A fitted model (its ``fixed_effects_cov`` gives the interval).
    reference : GrowthFit or TrajectoryModel
        The model compared with, e.g. the provisional default.
    intakes, sessions : array_like
        Intake scores and session numbers to compare at.
    level : float
        Coverage of the interval, strictly between 0 and 1 (the site's interval level).

    Returns
    -------
    list of Departure
        Each (intake, session) where |mean_model - mean_reference| > z_((1+level)/2) *
        sqrt(x' cov(beta) x), the Wald interval of the model's expected score.

    Examples
    --------
    >>> from alliance.science.trajectories import default_model
    >>> default = default_model("ors")
    >>> departures(default, default, intakes=[20.0], sessions=[4, 8])
    []
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level: must be above 0 and below 1, got {level}")
    session_numbers = _check_path_inputs(model, sessions, DEFAULT_BAND_PERCENTILE)
    values = np.atleast_1d(np.asarray(intakes, dtype=np.float64))
    t = np.log(session_numbers)
    own = expected_path(model, intake=values, sessions=session_numbers)
    other = expected_path(reference, intake=values, sessions=session_numbers)
    rows = design_rows(model.covariates, t, {INTAKE: values[:, None]})
    spread = np.einsum("...i,ij,...j->...", rows, model.fixed_effects_cov, rows)
    half = float(stats.norm.ppf(0.5 + level / 2.0)) * np.sqrt(np.maximum(spread, 0.0))
    gap = own.expected - other.expected
    return [
        Departure(float(values[i]), float(session_numbers[j]), float(gap[i, j]), float(half[i, j]))
        for i, j in zip(*np.nonzero(np.abs(gap) > half), strict=True)
        if session_numbers[j] > 1
    ]


@dataclass(frozen=True, eq=False)
class ExpectedPath:
    """Expected scores and band for one or more clients over sessions.

    Attributes
    ----------
    sessions : ndarray, shape (T,)
        Session numbers (1 = first session).
    expected : ndarray, shape intake.shape + (T,)
        Mean score of clients who started at the same intake score.
    lower, upper : ndarray, same shape as ``expected``
        The ``percentile``-th and (100 - ``percentile``)-th percentiles of those clients' scores.
    percentile : float
        The lower band's percentile.
    """

    sessions: FloatArray
    expected: FloatArray
    lower: FloatArray
    upper: FloatArray
    percentile: float


def expected_path(
    fit: GrowthFit | TrajectoryModel,
    *,
    intake: ArrayLike,
    sessions: ArrayLike,
    percentile: float = DEFAULT_BAND_PERCENTILE,
    covariates: Mapping[str, ArrayLike] | None = None,
    score_range: tuple[float, float] | None = None,
) -> ExpectedPath:
    """Expected path and band for clients with the given intake scores.

    Parameters
    ----------
    fit : GrowthFit or TrajectoryModel
        A growth model on t = ln(session number) with an ``intake`` covariate.
    intake : array_like
        Intake score(s); any shape S (a scalar for one client).
    sessions : array_like, shape (T,)
        Session numbers, 1 or more.
    percentile : float, default :data:`DEFAULT_BAND_PERCENTILE`
        Lower edge of the band, strictly between 0 and 50; the upper edge is 100 - percentile.
    covariates : mapping of str to array_like, optional
        Values of the model's other covariates, broadcastable to S.
    score_range : (float, float), optional
        The measure's lowest and highest possible scores; mean and band are clipped to it.

    Returns
    -------
    ExpectedPath
        Arrays of shape S + (T,).

    Notes
    -----
    With x(t) = [1, t, c, c t] and z(t) = [1, t], the score at session s (t = ln s) of a new client
    whose covariates are c is predicted as normal with

        mean(t) = x(t)' beta,
        var(t)  = z(t)' G z(t) + sigma^2 + x(t)' cov(beta) x(t),

    that is, over the spread of clients' own lines (G), session-to-session noise (sigma^2) and the
    uncertainty of the fitted mean. The model is fitted on the scores after intake, conditional on
    the intake (:func:`fit_trajectory`), so it describes sessions 2 onwards; at session 1 the path
    is the intake score itself, with a band of zero width. The band is
    mean(t) +/- z_(1 - percentile/100) sqrt(var(t)).
    Finch, Lambert & Schaalje (2001) put tolerance intervals around each session's expected mean;
    this plug-in predictive interval is the large-sample form of such an interval (the fixed-effect
    term keeps it honest for smaller fits). It is not conditioned on the client's own later scores:
    the band describes clients who started where this client started.

    Examples
    --------
    >>> from alliance.science.trajectories import default_model
    >>> path = expected_path(default_model("phq9"), intake=[15.0, 20.0], sessions=[2, 4, 8])
    >>> path.expected.shape
    (2, 3)
    >>> bool(np.all(path.lower < path.expected)) and bool(np.all(path.expected < path.upper))
    True
    """
    session_numbers = _check_path_inputs(fit, sessions, percentile)
    t = np.log(session_numbers)
    values = {**(covariates or {}), INTAKE: intake}
    expanded = {name: np.asarray(v, dtype=np.float64)[..., None] for name, v in values.items()}
    rows = design_rows(fit.covariates, t, expanded)
    mean = rows @ np.array(list(fit.fixed_effects.values()))
    half_width = -stats.norm.ppf(percentile / 100.0) * np.sqrt(_predictive_variance(fit, t, rows))
    lower, upper = mean - half_width, mean + half_width
    # Session 1 is the intake itself: the model describes the sessions after it.
    first = session_numbers == 1.0
    if np.any(first):
        known = np.broadcast_to(expanded[INTAKE], mean.shape)
        mean, lower, upper = (np.where(first, known, a) for a in (mean, lower, upper))
    if score_range is not None:
        mean, lower, upper = (np.clip(a, *score_range) for a in (mean, lower, upper))
    return ExpectedPath(
        session_numbers, expected=mean, lower=lower, upper=upper, percentile=percentile
    )


def _check_path_inputs(
    fit: GrowthFit | TrajectoryModel, sessions: ArrayLike, percentile: float
) -> FloatArray:
    """Check the inputs of :func:`expected_path`; return the session numbers as floats."""
    if not 0.0 < percentile < 50.0:
        raise ValueError(f"percentile: must be above 0 and below 50, got {percentile}")
    if INTAKE not in fit.covariates:
        raise ValueError(f"intake: the model has no '{INTAKE}' covariate")
    session_numbers = np.atleast_1d(np.asarray(sessions, dtype=np.float64))
    log_session(session_numbers)
    if session_numbers.ndim != 1:
        raise ValueError("sessions: must be a one-dimensional list of session numbers")
    return session_numbers


def _predictive_variance(
    fit: GrowthFit | TrajectoryModel, t: FloatArray, rows: FloatArray
) -> FloatArray:
    g = fit.random_cov
    between_clients = g[0, 0] + 2.0 * t * g[0, 1] + t * t * g[1, 1]
    fitted_mean = np.einsum("...i,ij,...j->...", rows, fit.fixed_effects_cov, rows)
    return cast(FloatArray, between_clients + fit.residual_variance + fitted_mean)
