"""Reliable and clinically significant change, and NHS Talking Therapies outcomes.

Reliable change follows Jacobson & Truax (1991): a change counts when it is larger than the
measurement error of the difference between two scores. Clinically significant change adds a
cutoff between the clinical and the functional population: a client *recovered* when they started
in the clinical range, improved reliably and ended in the non-clinical range.

Conventions used throughout (and in ``docs/science/change.md``):

- A change is reliable when it is **at least** the reliable-change value (ORS "5 points or more",
  NHS Talking Therapies "6 or more" on PHQ-9). Differences are compared with a tolerance of
  ``CHANGE_TOLERANCE`` so that 25.3 - 20.3 (4.999999999999998 in binary) counts as 5.
- A score **on the cutoff belongs to the upper side** (see
  :func:`alliance.science.instruments.in_clinical_range`): ORS 25 is non-clinical ("below 25 is
  clinical"), PHQ-9 10 and GAD-7 8 are clinical ("10 or above", caseness "8 or above").

References
----------
Jacobson NS, Truax P (1991). Clinical significance: a statistical approach to defining meaningful
change in psychotherapy research. Journal of Consulting and Clinical Psychology 59(1):12-19.
NHS England (2024). NHS Talking Therapies for anxiety and depression manual, version 7.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from alliance.science.instruments import (
    Instrument,
    cutoff_for,
    in_clinical_range,
    reliable_change_for,
)

__all__ = [
    "CHANGE_CLASSES",
    "CHANGE_TOLERANCE",
    "GAD7_CASENESS",
    "GAD7_RELIABLE_CHANGE",
    "MIN_TREATMENT_SESSIONS",
    "PHQ9_CASENESS",
    "PHQ9_RELIABLE_CHANGE",
    "Z_95",
    "ChangeClass",
    "CutoffPoints",
    "TalkingTherapiesOutcome",
    "TalkingTherapiesOutcomes",
    "classify_change",
    "classify_changes",
    "classify_episode",
    "classify_goal_changes",
    "clinical_cutoffs",
    "reliable_change_index",
    "reliable_change_threshold",
    "standard_error_of_difference",
    "standard_error_of_measurement",
    "talking_therapies_outcome",
    "talking_therapies_outcomes",
]

Z_95 = 1.959963984540054
"""The two-sided 95% normal quantile, ``scipy.stats.norm.ppf(0.975)``."""

CHANGE_TOLERANCE = 1e-9
"""Slack when comparing a change with a threshold, to absorb binary floating-point error."""

PHQ9_CASENESS = 10
GAD7_CASENESS = 8
PHQ9_RELIABLE_CHANGE = 6
GAD7_RELIABLE_CHANGE = 4
MIN_TREATMENT_SESSIONS = 2
_PHQ9_MAX = 27
_GAD7_MAX = 21


class ChangeClass(StrEnum):
    """Jacobson & Truax outcome classes, best first."""

    RECOVERED = "recovered"
    RELIABLY_IMPROVED = "reliably_improved"
    NO_RELIABLE_CHANGE = "no_reliable_change"
    RELIABLY_DETERIORATED = "reliably_deteriorated"


CHANGE_CLASSES: tuple[ChangeClass, ...] = tuple(ChangeClass)
"""The order of the codes returned by :func:`classify_changes` (code ``i`` is
``CHANGE_CLASSES[i]``)."""

_CODE = {change: np.int8(index) for index, change in enumerate(CHANGE_CLASSES)}


@dataclass(frozen=True)
class CutoffPoints:
    """Jacobson & Truax cutoffs a (2 SD beyond the clinical mean), b (2 SD short of the functional
    mean) and c (where the two distributions meet, weighted by their SDs)."""

    a: float
    b: float
    c: float


@dataclass(frozen=True)
class TalkingTherapiesOutcome:
    """NHS Talking Therapies outcome of one finished course, from first and last PHQ-9 and GAD-7.

    ``finished_course`` is None when the number of treatment sessions was not given; when it is
    False the four outcome flags are False because the manual counts outcomes only for finished
    courses.
    """

    caseness: bool
    recovered: bool
    reliable_improvement: bool
    reliable_recovery: bool
    reliable_deterioration: bool
    finished_course: bool | None


@dataclass(frozen=True)
class TalkingTherapiesOutcomes:
    """:class:`TalkingTherapiesOutcome` for many episodes: one boolean array per field."""

    caseness: NDArray[np.bool_]
    recovered: NDArray[np.bool_]
    reliable_improvement: NDArray[np.bool_]
    reliable_recovery: NDArray[np.bool_]
    reliable_deterioration: NDArray[np.bool_]
    finished_course: NDArray[np.bool_] | None


def _finite(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise ValueError(f"{name}: must be a number, not {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name}: must be a finite number, not {value!r}")
    return float(value)


def _positive(name: str, value: float) -> float:
    if _finite(name, value) <= 0:
        raise ValueError(f"{name}: must be above 0, not {value!r}")
    return float(value)


def _check_reliability(reliability: float) -> float:
    if not 0 <= _finite("reliability", reliability) < 1:
        raise ValueError(f"reliability: must be from 0 up to (not including) 1, not {reliability}")
    return float(reliability)


def standard_error_of_measurement(sd: float, reliability: float) -> float:
    """Standard error of measurement, S_E = SD * sqrt(1 - r).

    Jacobson & Truax (1991), equation under "Reliable change index"; SD is the pre-treatment (or
    normative) standard deviation, r the test-retest (or internal-consistency) reliability.

    Examples
    --------
    Check value from the clinicalsignificance package's tests (SD 5, r .80):

    >>> round(standard_error_of_measurement(5, 0.8), 4)
    2.2361
    """
    return _positive("sd", sd) * math.sqrt(1 - _check_reliability(reliability))


def standard_error_of_difference(sd: float, reliability: float) -> float:
    """Standard error of the difference of two scores, S_diff = sqrt(2 * S_E^2).

    Jacobson & Truax (1991).

    Examples
    --------
    Check value from the clinicalsignificance package's tests (SD 5, r .80):

    >>> round(standard_error_of_difference(5, 0.8), 4)
    3.1623
    """
    return math.sqrt(2 * standard_error_of_measurement(sd, reliability) ** 2)


def reliable_change_threshold(sd: float, reliability: float, *, z: float = Z_95) -> float:
    """Smallest change, in points, that is reliable: z * S_diff.

    Jacobson & Truax (1991): a change is reliable when |RCI| exceeds 1.96 (the default ``z`` is the
    exact 97.5% normal quantile, 1.959963984540054).

    Examples
    --------
    Check value from the CECPfuns package's tests (SD 7.5, r .80); with z = 1.96 it is 9.30:

    >>> round(reliable_change_threshold(7.5, 0.8), 4)
    9.2969
    >>> round(reliable_change_threshold(7.5, 0.8, z=1.96), 2)
    9.3
    """
    return _positive("z", z) * standard_error_of_difference(sd, reliability)


def reliable_change_index(before: float, after: float, *, sd: float, reliability: float) -> float:
    """Jacobson & Truax reliable change index, RCI = (after - before) / S_diff.

    Examples
    --------
    >>> round(reliable_change_index(20, 30, sd=7.5, reliability=0.8), 4)
    2.1082
    """
    change = _finite("after", after) - _finite("before", before)
    return change / standard_error_of_difference(sd, reliability)


def clinical_cutoffs(
    *,
    clinical_mean: float,
    clinical_sd: float,
    functional_mean: float,
    functional_sd: float,
    higher_is_better: bool = True,
) -> CutoffPoints:
    """Jacobson & Truax cutoffs a, b and c between a clinical and a functional population.

    a = M_clin + 2 SD_clin (towards better); b = M_func - 2 SD_func (towards worse);
    c = (SD_clin * M_func + SD_func * M_clin) / (SD_clin + SD_func). When lower is better the
    signs of the 2 SD steps swap. Jacobson & Truax (1991), p. 13.

    Examples
    --------
    Check values from the clinicalsignificance package's tests:

    >>> clinical_cutoffs(clinical_mean=40, clinical_sd=7.5, functional_mean=60, functional_sd=7.5)
    CutoffPoints(a=55.0, b=45.0, c=50.0)
    """
    m_clin, m_func = (
        _finite("clinical_mean", clinical_mean),
        _finite("functional_mean", functional_mean),
    )
    sd_clin, sd_func = (
        _positive("clinical_sd", clinical_sd),
        _positive("functional_sd", functional_sd),
    )
    if (m_func > m_clin) != higher_is_better or m_func == m_clin:
        side = "above" if higher_is_better else "below"
        raise ValueError(f"functional_mean: must be {side} clinical_mean ({m_clin:g})")
    sign = 1.0 if higher_is_better else -1.0
    return CutoffPoints(
        a=m_clin + sign * 2 * sd_clin,
        b=m_func - sign * 2 * sd_func,
        c=(sd_clin * m_func + sd_func * m_clin) / (sd_clin + sd_func),
    )


def _check_threshold(reliable_change: float) -> float:
    if _finite("reliable_change", reliable_change) < 1e-6:
        raise ValueError(
            f"reliable_change: must be a positive number of points, not {reliable_change}"
        )
    return float(reliable_change)


def classify_change(
    first: float,
    last: float,
    *,
    cutoff: float | None,
    reliable_change: float,
    higher_is_better: bool,
) -> ChangeClass:
    """Classify one episode's change from first to last score (Jacobson & Truax 1991).

    - ``recovered``: improved by at least ``reliable_change``, first score in the clinical range
      and last score not (a score on the cutoff belongs to the upper side: non-clinical when
      higher is better, clinical when lower is better);
    - ``reliably_improved``: improved by at least ``reliable_change`` without crossing the cutoff
      (or no cutoff is published);
    - ``reliably_deteriorated``: worsened by at least ``reliable_change``;
    - ``no_reliable_change`` otherwise.

    Examples
    --------
    ORS (higher is better, adult cutoff 25, reliable change 5):

    >>> classify_change(18, 27, cutoff=25, reliable_change=5, higher_is_better=True)
    <ChangeClass.RECOVERED: 'recovered'>
    >>> classify_change(20.3, 25.3, cutoff=None, reliable_change=5, higher_is_better=True).value
    'reliably_improved'
    """
    start, end = _finite("first", first), _finite("last", last)
    threshold = _check_threshold(reliable_change) - CHANGE_TOLERANCE
    improvement = end - start if higher_is_better else start - end
    if improvement <= -threshold:
        return ChangeClass.RELIABLY_DETERIORATED
    if improvement < threshold:
        return ChangeClass.NO_RELIABLE_CHANGE
    if cutoff is not None:
        limit = _finite("cutoff", cutoff)
        if in_clinical_range(
            start, cutoff=limit, higher_is_better=higher_is_better
        ) and not in_clinical_range(end, cutoff=limit, higher_is_better=higher_is_better):
            return ChangeClass.RECOVERED
    return ChangeClass.RELIABLY_IMPROVED


def _finite_array(name: str, values: ArrayLike) -> NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(array.ravel()))
    if bad.size:
        raise ValueError(
            f"{name}: row {int(bad[0])} is {float(array.ravel()[bad[0]])!r}, not a finite number"
        )
    return array


def _paired(**arrays: ArrayLike) -> list[NDArray[np.float64]]:
    checked = [_finite_array(name, values) for name, values in arrays.items()]
    if len({array.shape for array in checked}) > 1:
        shapes = ", ".join(
            f"{name} {array.shape}" for name, array in zip(arrays, checked, strict=True)
        )
        raise ValueError(f"scores must have the same shape; got {shapes}")
    return checked


def classify_changes(
    first: ArrayLike,
    last: ArrayLike,
    *,
    cutoff: float | None,
    reliable_change: float,
    higher_is_better: bool,
) -> NDArray[np.int8]:
    """Vectorised :func:`classify_change` for many episodes.

    Returns int8 codes: code ``i`` means ``CHANGE_CLASSES[i]`` (0 recovered, 1 reliably improved,
    2 no reliable change, 3 reliably deteriorated); one byte per episode keeps a report over a
    million episodes small. NaN or infinite scores are refused, naming the row.

    Examples
    --------
    >>> codes = classify_changes([18, 20, 30], [27, 22, 24], cutoff=25, reliable_change=5,
    ...                          higher_is_better=True)
    >>> [CHANGE_CLASSES[code].value for code in codes]
    ['recovered', 'no_reliable_change', 'reliably_deteriorated']
    """
    start, end = _paired(first=first, last=last)
    threshold = _check_threshold(reliable_change) - CHANGE_TOLERANCE
    improvement = end - start if higher_is_better else start - end
    codes = np.full(start.shape, _CODE[ChangeClass.NO_RELIABLE_CHANGE], dtype=np.int8)
    improved = improvement >= threshold
    codes[improved] = _CODE[ChangeClass.RELIABLY_IMPROVED]
    codes[improvement <= -threshold] = _CODE[ChangeClass.RELIABLY_DETERIORATED]
    if cutoff is not None:
        limit = _finite("cutoff", cutoff)
        clinical_start = start < limit if higher_is_better else start >= limit
        clinical_end = end < limit if higher_is_better else end >= limit
        codes[improved & clinical_start & ~clinical_end] = _CODE[ChangeClass.RECOVERED]
    return codes


def classify_episode(
    instrument: Instrument, first: float, last: float, *, age_group: str
) -> ChangeClass:
    """Classify an episode's first and last totals with the instrument file's cutoff and
    reliable-change value for the age group.

    Raises ``ValueError`` if the instrument publishes no reliable-change value for the age group,
    if a total is outside the instrument's range, or for goal-based measures, whose change is
    judged per goal (:func:`classify_goal_changes`). Without a published cutoff no episode can be
    ``recovered``.

    Examples
    --------
    >>> from alliance.science.instruments import load_instruments
    >>> phq9 = load_instruments()["phq9"]
    >>> classify_episode(phq9, 16, 8, age_group="adult").value
    'recovered'
    >>> classify_episode(phq9, 16, 11, age_group="adult").value
    'no_reliable_change'
    """
    if instrument.kind == "goal":
        raise ValueError(f"{instrument.code}: change is judged per goal; use classify_goal_changes")
    rc = reliable_change_for(instrument, age_group)
    if rc is None:
        published = ", ".join(r.age_group for r in instrument.reliable_changes) or "none"
        raise ValueError(
            f"age_group: {instrument.code} has no published reliable-change value for "
            f"{age_group!r}; age groups with one: {published}"
        )
    _within_total(instrument, "first", first)
    _within_total(instrument, "last", last)
    cutoff = cutoff_for(instrument, age_group)
    return classify_change(
        first,
        last,
        cutoff=None if cutoff is None else cutoff.total,
        reliable_change=rc.points,
        higher_is_better=instrument.higher_is_better,
    )


def _within_total(instrument: Instrument, name: str, value: float) -> None:
    low, high = instrument.scoring.min, instrument.scoring.max
    if not low <= _finite(name, value) <= high:
        raise ValueError(
            f"{name}: {value!r} is outside {instrument.code}'s range {low:g} to {high:g}"
        )


def classify_goal_changes(
    instrument: Instrument,
    first: Mapping[str, float],
    last: Mapping[str, float],
    *,
    age_group: str,
) -> dict[str, ChangeClass]:
    """Classify change per goal for a goal-based measure (GBO).

    Each goal rated at both times is classified on its own with the instrument's reliable-change
    value (GBO: 2.45 points, unverified) and no cutoff, since goals have no clinical norm. Goals
    rated only once are left out.

    Examples
    --------
    >>> from alliance.science.instruments import load_instruments
    >>> gbo = load_instruments()["gbo"]
    >>> changes = classify_goal_changes(gbo, {"gbo_1": 2, "gbo_2": 5}, {"gbo_1": 7, "gbo_2": 6},
    ...                                 age_group="adolescent")
    >>> {goal: change.value for goal, change in changes.items()}
    {'gbo_1': 'reliably_improved', 'gbo_2': 'no_reliable_change'}
    """
    if instrument.kind != "goal":
        raise ValueError(f"{instrument.code}: not a goal-based measure; use classify_episode")
    rc = reliable_change_for(instrument, age_group)
    if rc is None:
        raise ValueError(
            f"age_group: {instrument.code} has no reliable-change value for {age_group!r}"
        )
    changes: dict[str, ChangeClass] = {}
    for item in instrument.scored_items:
        if item.code in first and item.code in last:
            changes[item.code] = classify_change(
                first[item.code],
                last[item.code],
                cutoff=None,
                reliable_change=rc.points,
                higher_is_better=instrument.higher_is_better,
            )
    return changes


def _score_in_range(name: str, value: float, high: int) -> float:
    if not 0 <= _finite(name, value) <= high:
        raise ValueError(f"{name}: {value!r} is outside 0 to {high}")
    return float(value)


def _finished(treatment_sessions: int | None) -> bool | None:
    if treatment_sessions is None:
        return None
    if isinstance(treatment_sessions, bool) or not isinstance(treatment_sessions, int | np.integer):
        raise ValueError(f"treatment_sessions: must be a whole number, not {treatment_sessions!r}")
    if treatment_sessions < 0:
        raise ValueError(f"treatment_sessions: must be 0 or more, not {treatment_sessions}")
    return bool(treatment_sessions >= MIN_TREATMENT_SESSIONS)


def talking_therapies_outcome(
    *,
    phq9_first: float,
    phq9_last: float,
    gad7_first: float,
    gad7_last: float,
    treatment_sessions: int | None = None,
) -> TalkingTherapiesOutcome:
    """NHS Talking Therapies outcome from first and last PHQ-9 and GAD-7 totals.

    Definitions (NHS Talking Therapies for anxiety and depression manual, NHS England 2024, v7, and
    the NHS Digital annual-report definitions):

    - caseness: PHQ-9 >= 10 or GAD-7 >= 8 at the first score;
    - reliable deterioration: PHQ-9 up by >= 6 or GAD-7 up by >= 4;
    - reliable improvement: PHQ-9 down by >= 6 or GAD-7 down by >= 4, and no reliable
      deterioration on the other measure;
    - recovery: a case at the start and below caseness on both measures at the end;
    - reliable recovery: recovery and reliable improvement.

    A finished course of treatment needs at least two attended treatment sessions; given
    ``treatment_sessions`` below two, the outcome flags are all False and ``finished_course`` is
    False. Prorated (fractional) totals are accepted.

    Examples
    --------
    >>> outcome = talking_therapies_outcome(phq9_first=15, phq9_last=7, gad7_first=12, gad7_last=6)
    >>> outcome.caseness, outcome.recovered, outcome.reliable_recovery, outcome.finished_course
    (True, True, True, None)
    """
    phq_first = _score_in_range("phq9_first", phq9_first, _PHQ9_MAX)
    phq_last = _score_in_range("phq9_last", phq9_last, _PHQ9_MAX)
    gad_first = _score_in_range("gad7_first", gad7_first, _GAD7_MAX)
    gad_last = _score_in_range("gad7_last", gad7_last, _GAD7_MAX)
    finished = _finished(treatment_sessions)
    caseness = phq_first >= PHQ9_CASENESS or gad_first >= GAD7_CASENESS
    if finished is False:
        return TalkingTherapiesOutcome(caseness, False, False, False, False, False)
    phq_drop, gad_drop = phq_first - phq_last, gad_first - gad_last
    deteriorated = phq_drop <= -(PHQ9_RELIABLE_CHANGE - CHANGE_TOLERANCE) or gad_drop <= -(
        GAD7_RELIABLE_CHANGE - CHANGE_TOLERANCE
    )
    improved = not deteriorated and (
        phq_drop >= PHQ9_RELIABLE_CHANGE - CHANGE_TOLERANCE
        or gad_drop >= GAD7_RELIABLE_CHANGE - CHANGE_TOLERANCE
    )
    recovered = caseness and phq_last < PHQ9_CASENESS and gad_last < GAD7_CASENESS
    return TalkingTherapiesOutcome(
        caseness=caseness,
        recovered=recovered,
        reliable_improvement=improved,
        reliable_recovery=recovered and improved,
        reliable_deterioration=deteriorated,
        finished_course=finished,
    )


def _in_range_array(name: str, values: NDArray[np.float64], high: int) -> None:
    bad = np.flatnonzero((values.ravel() < 0) | (values.ravel() > high))
    if bad.size:
        raise ValueError(
            f"{name}: row {int(bad[0])} is {float(values.ravel()[bad[0]])!r}, outside 0 to {high}"
        )


def _finished_array(
    treatment_sessions: ArrayLike | None, shape: tuple[int, ...]
) -> NDArray[np.bool_] | None:
    if treatment_sessions is None:
        return None
    sessions = np.asarray(treatment_sessions)
    if sessions.shape != shape or not np.issubdtype(sessions.dtype, np.integer):
        raise ValueError(f"treatment_sessions: must be whole numbers of shape {shape}")
    if (sessions < 0).any():
        raise ValueError(f"treatment_sessions: row {int(np.argmax(sessions < 0))} is below 0")
    return np.asarray(sessions >= MIN_TREATMENT_SESSIONS)


def talking_therapies_outcomes(
    *,
    phq9_first: ArrayLike,
    phq9_last: ArrayLike,
    gad7_first: ArrayLike,
    gad7_last: ArrayLike,
    treatment_sessions: ArrayLike | None = None,
) -> TalkingTherapiesOutcomes:
    """Vectorised :func:`talking_therapies_outcome` for many episodes (same definitions).

    Examples
    --------
    >>> outcomes = talking_therapies_outcomes(phq9_first=[15, 8], phq9_last=[7, 15],
    ...     gad7_first=[12, 5], gad7_last=[6, 5], treatment_sessions=[6, 1])
    >>> outcomes.recovered.tolist(), outcomes.reliable_deterioration.tolist()
    ([True, False], [False, False])
    """
    phq_first, phq_last, gad_first, gad_last = _paired(
        phq9_first=phq9_first, phq9_last=phq9_last, gad7_first=gad7_first, gad7_last=gad7_last
    )
    for name, values, high in (
        ("phq9_first", phq_first, _PHQ9_MAX),
        ("phq9_last", phq_last, _PHQ9_MAX),
        ("gad7_first", gad_first, _GAD7_MAX),
        ("gad7_last", gad_last, _GAD7_MAX),
    ):
        _in_range_array(name, values, high)
    finished = _finished_array(treatment_sessions, phq_first.shape)
    counted = np.ones(phq_first.shape, dtype=bool) if finished is None else finished
    caseness = (phq_first >= PHQ9_CASENESS) | (gad_first >= GAD7_CASENESS)
    phq_drop, gad_drop = phq_first - phq_last, gad_first - gad_last
    deteriorated = (phq_drop <= -(PHQ9_RELIABLE_CHANGE - CHANGE_TOLERANCE)) | (
        gad_drop <= -(GAD7_RELIABLE_CHANGE - CHANGE_TOLERANCE)
    )
    improved = ~deteriorated & (
        (phq_drop >= PHQ9_RELIABLE_CHANGE - CHANGE_TOLERANCE)
        | (gad_drop >= GAD7_RELIABLE_CHANGE - CHANGE_TOLERANCE)
    )
    recovered = caseness & (phq_last < PHQ9_CASENESS) & (gad_last < GAD7_CASENESS)
    return TalkingTherapiesOutcomes(
        caseness=caseness,
        recovered=recovered & counted,
        reliable_improvement=improved & counted,
        reliable_recovery=recovered & improved & counted,
        reliable_deterioration=deteriorated & counted,
        finished_course=finished,
    )
