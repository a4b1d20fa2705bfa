"""Per-episode sufficient statistics of the growth model: the six sums and the covariates.

As covariates are constant within an episode, the likelihood of the model of Finch, Lambert &
Schaalje (2001) needs only six sums per episode (n, sum t, sum t^2, sum y, sum t*y, sum y^2) and
its covariates; :mod:`alliance.science.growth` fits from them, and a database ``GROUP BY`` can
supply them instead of the ratings.

References
----------
Finch, A. E., Lambert, M. J., & Schaalje, B. G. (2001). Psychotherapy quality control: the
statistical generation of expected recovery curves for integration into an early warning system.
Clinical Psychology & Psychotherapy, 8(4), 231-242.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "GrowthStatistics",
    "design_rows",
    "fixed_effect_names",
    "growth_sufficient_statistics",
]

FloatArray = NDArray[np.float64]

# A covariate differing from its episode mean by more than this (relative) is "varying".
_WITHIN_EPISODE_TOLERANCE = 1e-9


@dataclass(frozen=True, eq=False)
class GrowthStatistics:
    """Per-episode sums from which the REML fit of the growth model is computed exactly.

    Attributes
    ----------
    group, time, outcome : str
        Names of the episode, time and outcome columns the sums came from.
    covariates : tuple of str
        Names of the per-episode covariates, in the order of ``covariate_values``' columns.
    count, sum_time, sum_time_sq, sum_outcome, sum_time_outcome, sum_outcome_sq : ndarray
        Per episode: n_i, sum t, sum t^2, sum y, sum t*y and sum y^2 (one entry per episode).
    covariate_values : ndarray, shape (n_groups, len(covariates))
        Each episode's covariate values.
    offsets : tuple of float, optional
        Values subtracted from time, outcome and each covariate (in that order) before summing,
        to keep the sums' digits (:func:`growth_sufficient_statistics` subtracts the means); empty
        means nothing was subtracted. The fit reports everything on the original scale.

    Notes
    -----
    With a_i = (1, c_i) and X_i = Z_i (I_2 kron a_i'): Z'Z = [[n, sum t], [sum t, sum t^2]],
    Z'y = (sum y, sum t*y), X'X = (I_2 kron a_i) Z'Z (I_2 kron a_i'), X'y = Z'y kron a_i, y'y =
    sum y^2: a database ``GROUP BY`` episode can produce everything the fit needs.

    Examples
    --------
    >>> sums = {name: np.array([2.0, 1.0]) for name in _SUM_FIELDS}
    >>> stats = GrowthStatistics("episode", "t", "y", (), **sums, covariate_values=np.empty((2, 0)))
    >>> stats.n_groups, stats.n_obs
    (2, 3)
    """

    group: str
    time: str
    outcome: str
    covariates: tuple[str, ...]
    count: FloatArray
    sum_time: FloatArray
    sum_time_sq: FloatArray
    sum_outcome: FloatArray
    sum_time_outcome: FloatArray
    sum_outcome_sq: FloatArray
    covariate_values: FloatArray = field(repr=False)
    offsets: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "covariates", tuple(self.covariates))
        offsets = tuple(float(v) for v in self.offsets) or (0.0,) * (2 + len(self.covariates))
        if len(offsets) != 2 + len(self.covariates) or not np.all(np.isfinite(offsets)):
            raise ValueError("offsets: one finite number each for time, outcome and covariates")
        object.__setattr__(self, "offsets", offsets)
        n_groups = np.shape(self.count)[0] if np.ndim(self.count) == 1 else -1
        for name in _SUM_FIELDS:
            values = np.asarray(getattr(self, name), dtype=np.float64)
            if values.shape != (n_groups,) or not np.all(np.isfinite(values)):
                raise ValueError(f"{name}: must be finite numbers, one per episode")
            object.__setattr__(self, name, values)
        if np.any(self.count < 1):
            raise ValueError("count: every episode needs at least 1 rating")
        # No episodes (an empty GROUP BY): -1 cannot be inferred from zero values.
        shape = (n_groups, -1) if n_groups else (0, len(self.covariates))
        values = np.asarray(self.covariate_values, dtype=np.float64).reshape(shape)
        if values.shape[1] != len(self.covariates) or not np.all(np.isfinite(values)):
            raise ValueError("covariate_values: must be finite, one row per episode and column")
        object.__setattr__(self, "covariate_values", values)

    @property
    def n_groups(self) -> int:
        """Number of episodes."""
        return int(self.count.shape[0])

    @property
    def n_obs(self) -> int:
        """Number of ratings."""
        return round(float(self.count.sum()))


_SUM_FIELDS = (
    "count",
    *(f"sum_{s}" for s in ("time", "time_sq", "outcome", "time_outcome", "outcome_sq")),
)


def fixed_effect_names(time: str, covariates: Sequence[str]) -> tuple[str, ...]:
    """Names of the fixed effects, in the order used by every array of a fit.

    Parameters
    ----------
    time : str
        Name of the time column (e.g. ``"log_session"``).
    covariates : sequence of str
        Names of the per-episode covariates.

    Returns
    -------
    tuple of str
        ``("intercept", time, c_1, ..., c_k, "c_1:time", ..., "c_k:time")``, the columns of
        X = [1, t, c, c * t] (the order of R's ``y ~ t * c``).

    Examples
    --------
    >>> fixed_effect_names("log_session", ["intake"])
    ('intercept', 'log_session', 'intake', 'intake:log_session')
    """
    return ("intercept", time, *covariates, *(f"{c}:{time}" for c in covariates))


def design_rows(
    covariate_names: Sequence[str], time: ArrayLike, covariates: Mapping[str, ArrayLike]
) -> FloatArray:
    """Fixed-effects design rows x = [1, t, c, c*t], broadcast over time and covariate values.

    Parameters
    ----------
    covariate_names : sequence of str
        The model's covariates, in order; each needs a value in ``covariates``.
    time : array_like
        Times.
    covariates : mapping of str to array_like
        Covariate values, broadcastable with ``time``.

    Returns
    -------
    ndarray
        Shape broadcast(time, covariates) + (p,), columns in :func:`fixed_effect_names` order.

    Examples
    --------
    >>> design_rows(["intake"], [0.0, 2.0], {"intake": 10.0}).tolist()
    [[1.0, 0.0, 10.0, 0.0], [1.0, 2.0, 10.0, 20.0]]
    """
    missing = [name for name in covariate_names if name not in covariates]
    if missing:
        raise ValueError(f"{missing[0]}: a value is needed for every covariate of the model")
    t = np.asarray(time, dtype=np.float64)
    values = [np.asarray(covariates[name], dtype=np.float64) for name in covariate_names]
    t, *values = np.broadcast_arrays(t, *values)
    return np.stack([np.ones_like(t), t, *values, *(v * t for v in values)], axis=-1)


def growth_sufficient_statistics(
    data: pd.DataFrame,
    *,
    group: str,
    time: str,
    outcome: str,
    covariates: Sequence[str] = (),
) -> GrowthStatistics:
    """Per-episode sums of a long table of ratings, the only data the REML fit needs.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per rating.
    group, time, outcome : str
        Columns of the episode id, the (already transformed) time, e.g. ``log_session`` =
        ln(session number), and the score.
    covariates : sequence of str
        Per-episode covariates (e.g. ``intake``), each constant within an episode.

    Returns
    -------
    GrowthStatistics
        Per episode (in order of first appearance, via ``numpy.bincount``): n_i, sum t, sum t^2,
        sum y, sum t*y, sum y^2 and the covariates, of the values minus their means (the
        ``offsets``: means over ratings for t and y, over episodes for covariates), which keeps
        the sums' digits when the values are far from zero.

    Raises
    ------
    ValueError
        Naming the column when it is missing, not numeric, has missing or infinite values, or (for
        a covariate) varies within an episode.

    Examples
    --------
    >>> ratings = pd.DataFrame({"episode": ["a", "a", "b"], "t": [0.0, 2.0, 1.0],
    ...                         "y": [1.0, 3.0, 2.0], "intake": [1.0, 1.0, 3.0]})
    >>> stats = growth_sufficient_statistics(ratings, group="episode", time="t", outcome="y",
    ...                                      covariates=["intake"])
    >>> stats.offsets  # the means of t and y over ratings, of intake over episodes
    (1.0, 2.0, 2.0)
    >>> stats.count.tolist(), stats.sum_time_outcome.tolist(), stats.covariate_values.tolist()
    ([2.0, 1.0], [2.0, 0.0], [[-1.0], [1.0]])
    """
    if isinstance(covariates, str):
        raise ValueError(
            f"covariates: must be a list of column names, got the string {covariates!r}"
        )
    names = (group, time, outcome, *covariates)
    _check_columns(data, names)
    codes, n_groups = _episode_codes(data[group])
    t_raw, y_raw = _numeric_column(data, time), _numeric_column(data, outcome)
    # Sums of values far from zero lose their digits (scores of 1e6 + noise): subtract the means
    # first; the fit works on the offsets' scale and reports on the original one.
    offset_t, offset_y = float(np.mean(t_raw)), float(np.mean(y_raw))
    t, y = t_raw - offset_t, y_raw - offset_y

    def per_episode(weights: FloatArray | None) -> FloatArray:
        return np.bincount(codes, weights=weights, minlength=n_groups).astype(np.float64)

    count = per_episode(None)
    values = [_episode_constant(data, name, codes, count) for name in covariates]
    offset_c = [float(np.mean(v)) for v in values]
    values = [v - o for v, o in zip(values, offset_c, strict=True)]
    return GrowthStatistics(
        group=group,
        time=time,
        outcome=outcome,
        covariates=tuple(covariates),
        count=count,
        sum_time=per_episode(t),
        sum_time_sq=per_episode(t * t),
        sum_outcome=per_episode(y),
        sum_time_outcome=per_episode(t * y),
        sum_outcome_sq=per_episode(y * y),
        covariate_values=np.column_stack(values) if values else np.empty((n_groups, 0)),
        offsets=(offset_t, offset_y, *offset_c),
    )


def _check_columns(data: pd.DataFrame, names: Sequence[str]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ValueError("data: must be a pandas DataFrame with one row per rating")
    if len(set(names)) != len(names):
        raise ValueError(f"{names}: group, time, outcome and covariates must be different columns")
    for name in names:
        if name not in data.columns:
            raise ValueError(f"{name}: no such column in data")
        if data[name].isna().any():
            raise ValueError(f"{name}: has missing values; drop or complete those ratings first")


def _episode_codes(labels: pd.Series[Any]) -> tuple[NDArray[np.intp], int]:
    codes, uniques = pd.factorize(labels, sort=False)
    return codes.astype(np.intp, copy=False), len(uniques)


def _numeric_column(data: pd.DataFrame, name: str) -> FloatArray:
    column = data[name]
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        raise ValueError(f"{name}: must be numeric, got {column.dtype}")
    values = column.to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name}: must be finite numbers")
    return values


def _episode_constant(
    data: pd.DataFrame, name: str, codes: NDArray[np.intp], count: FloatArray
) -> FloatArray:
    values = _numeric_column(data, name)
    means = np.bincount(codes, weights=values, minlength=count.shape[0]) / count
    spread = np.abs(values - means[codes])
    if np.any(spread > _WITHIN_EPISODE_TOLERANCE * (1.0 + np.abs(values))):
        raise ValueError(f"{name}: covariates must be constant within each episode")
    return means
