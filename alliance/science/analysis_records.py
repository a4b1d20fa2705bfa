"""The parts of a research analysis and their plain JSON form (schema: docs/science/analysis.md).

Computation lives in :mod:`alliance.science.analysis`; this module only holds the frozen results
and turns them into JSON-ready dicts: numbers stay unrounded, NaN becomes ``null``, numpy scalars
become Python numbers, dates become ISO text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from typing import Any

import numpy as np
import pandas as pd

from alliance.science.signals import Alert
from alliance.science.therapists import (
    AllianceOutcomeSplit,
    ClinicianEffects,
    Coefficient,
    DistinguishableGroups,
)
from alliance.science.trajectories import TrajectoryModel

__all__ = [
    "JSON_FORMAT",
    "JSON_VERSION",
    "AllianceOutcomeReport",
    "ClinicianReport",
    "EpisodeAlert",
    "TrajectoryReport",
    "alert_record",
    "alliance_outcome_record",
    "clinician_record",
    "plain",
    "plain_object",
    "records",
    "trajectory_record",
]

JSON_FORMAT = "alliance.analysis"
JSON_VERSION = 1


@dataclass(frozen=True, eq=False)
class TrajectoryReport:
    """The expected-treatment-response model used for one outcome measure, and how clients fared.

    ``model`` is None when the measure has no provisional default and too few episodes for a
    local fit; ``note`` says which model was chosen and why. ``path`` has one row per session
    number: ``session``, ``n_ratings``, ``observed_mean`` (mean score), ``expected_mean``,
    ``lower_mean`` and ``upper_mean`` (means of each rating's expected score and band edges given
    its episode's intake).
    """

    measure: str
    model: TrajectoryModel | None
    note: str
    n_episodes: int
    n_ratings: int
    path: pd.DataFrame


@dataclass(frozen=True)
class ClinicianReport:
    """Clinician effects on one outcome measure, or why they could not be estimated."""

    measure: str
    higher_is_better: bool
    n_episodes: int
    effects: ClinicianEffects | None
    groups: DistinguishableGroups | None
    note: str


@dataclass(frozen=True)
class AllianceOutcomeReport:
    """The within/between alliance-outcome split on one outcome measure, or why it is missing."""

    measure: str
    alliance_measures: tuple[str, ...]
    n_episodes: int
    split: AllianceOutcomeSplit | None
    note: str


@dataclass(frozen=True)
class EpisodeAlert:
    """An alert of one episode; ``measure`` is the outcome measure the rules read (None when the
    episode has none) and ``dated`` says whether the session had a date in the file."""

    episode_id: str
    measure: str | None
    alert: Alert
    dated: bool


def plain(value: Any) -> Any:
    """A value as plain JSON: NaN and NaT to None, numpy to Python, dates to ISO text.

    Examples
    --------
    >>> plain({"a": np.float64("nan"), "b": [np.int64(3), pd.Timestamp("2025-01-31")]})
    {'a': None, 'b': [3, '2025-01-31']}
    """
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value  # the common cases first, without the abstract-class checks (issue 16)
    if kind is float:
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NaT or (not isinstance(value, str | bool | int | float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | datetime | date):
        return _iso_date(value)
    return value


def plain_object(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`plain` for a JSON object, typed as one.

    Examples
    --------
    >>> plain_object({"share": np.float64(0.25)})
    {'share': 0.25}
    """
    # Text, whole numbers, truth values and None are kept without a call per value (an alert's
    # record is mostly these, and there are hundreds of thousands at agency size: issue 16).
    return {
        str(key): value if type(value) in _PLAIN_AS_IS or value is None else plain(value)
        for key, value in mapping.items()
    }


_PLAIN_AS_IS = frozenset({str, int, bool})


def _iso_date(moment: date) -> str:
    if isinstance(moment, pd.Timestamp):
        moment = moment.to_pydatetime()
    # a session date read from the file is a whole day: write it as one
    if isinstance(moment, datetime) and moment.time() == time(0) and moment.tzinfo is None:
        return moment.date().isoformat()
    return moment.isoformat()


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as a list of plain JSON objects, one per row.

    Examples
    --------
    >>> records(pd.DataFrame({"x": [1.5, float("nan")]}))
    [{'x': 1.5}, {'x': None}]
    """
    names = [str(name) for name in frame.columns]
    columns = [_plain_column(frame.iloc[:, position]) for position in range(frame.shape[1])]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _plain_column(column: pd.Series) -> list[Any]:
    """:func:`plain` of every value of a column; a column of numbers is converted at once (a
    value at a time took a fifth of writing the JSON at agency size, issue 16)."""
    if not isinstance(column.dtype, np.dtype):  # pandas' own types (nullable, text): as they come
        return [plain(value) for value in column.tolist()]
    values = column.to_numpy()
    if values.dtype.kind == "f":
        plain_values = values.astype(object)
        plain_values[~np.isfinite(values)] = None
        return list(plain_values.tolist())
    if values.dtype.kind in "iub":
        return list(values.tolist())
    return [plain(value) for value in column.tolist()]


def _coefficient(coefficient: Coefficient) -> dict[str, float]:
    return {key: float(value) for key, value in asdict(coefficient).items()}


def trajectory_record(report: TrajectoryReport) -> dict[str, Any]:
    """JSON form of a :class:`TrajectoryReport`; the model is its own ``to_json`` form."""
    model = None if report.model is None else json.loads(report.model.to_json())
    return {
        "measure": report.measure,
        "source": None if report.model is None else report.model.source,
        "singular": None if report.model is None else report.model.singular,
        "note": report.note,
        "n_episodes": report.n_episodes,
        "n_ratings": report.n_ratings,
        "model": model,
        "path": records(report.path),
    }


def _group_of(groups: DistinguishableGroups, clinician: Hashable) -> str:
    for name in ("above", "below", "hidden"):
        if clinician in getattr(groups, name):
            return name
    return "within"


def clinician_record(report: ClinicianReport) -> dict[str, Any]:
    """JSON form of a :class:`ClinicianReport`; estimates of hidden clinicians are null."""
    base: dict[str, Any] = {
        "measure": report.measure,
        "higher_is_better": report.higher_is_better,
        "better_side": "above" if report.higher_is_better else "below",
        "n_episodes": report.n_episodes,
        "note": report.note,
    }
    effects, groups = report.effects, report.groups
    if effects is None or groups is None:
        return {**base, "estimated": False}
    return {
        **base,
        "estimated": True,
        "n_clinicians": effects.n_clinicians,
        "clinician_variance": effects.clinician_variance,
        "residual_variance": effects.residual_variance,
        "variance_share": effects.variance_share,
        "level": effects.level,
        "min_caseload": effects.min_caseload,
        "coefficients": {k: _coefficient(c) for k, c in effects.coefficients.items()},
        "clinicians": [_clinician_row(effect, groups) for effect in effects.clinicians],
    }


def _clinician_row(effect: Any, groups: DistinguishableGroups) -> dict[str, Any]:
    shown = bool(effect.shown)
    numbers = ("raw_mean_residual", "estimate", "se", "lower", "upper", "reliability")
    return {
        "clinician_id": plain(effect.clinician),
        "n_episodes": effect.n_episodes,
        "shown": shown,
        "group": _group_of(groups, effect.clinician),
        **{name: (float(getattr(effect, name)) if shown else None) for name in numbers},
    }


def alliance_outcome_record(report: AllianceOutcomeReport) -> dict[str, Any]:
    """JSON form of an :class:`AllianceOutcomeReport`."""
    base: dict[str, Any] = {
        "measure": report.measure,
        "alliance_measures": list(report.alliance_measures),
        "n_episodes": report.n_episodes,
        "note": report.note,
    }
    split = report.split
    if split is None:
        return {**base, "estimated": False}
    return {
        **base,
        "estimated": True,
        "within": _coefficient(split.within),
        "between": _coefficient(split.between),
        "coefficients": {k: _coefficient(c) for k, c in split.coefficients.items()},
        "correlation": split.correlation,
        "correlation_lower": split.correlation_lower,
        "correlation_upper": split.correlation_upper,
        "n_clients": split.n_clients,
        "n_clinicians": split.n_clinicians,
        "clinician_variance": split.clinician_variance,
        "residual_variance": split.residual_variance,
        "level": split.level,
    }


def alert_record(found: EpisodeAlert) -> dict[str, Any]:
    """JSON form of one alert, with its episode and outcome measure.

    The date in a risk alert's evidence is null when the file gave the session no date.
    """
    record = found.alert.as_record()
    evidence = dict(record["evidence"])  # type: ignore[call-overload]  # as_record gives a dict
    if not found.dated and "date" in evidence:
        evidence["date"] = None
    return plain_object(
        {"episode_id": found.episode_id, "measure": found.measure, **record, "evidence": evidence}
    )
