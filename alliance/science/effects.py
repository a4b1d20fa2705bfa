"""Pre-post effect sizes and the severity-adjusted effect against the expected trajectory.

Both are reported per outcome measure for a group of closed episodes (an organisation, a team, a
clinician), each episode contributing its first and last client score.

References
----------
Cohen J (1988). Statistical power analysis for the behavioral sciences, 2nd ed. Erlbaum
(standardised mean difference; here the pre-post form divided by the SD at intake).
Seidel JA, Miller SD, Chow DL (2014). Effect size calculations for the clinician: methods and
comparability. Psychotherapy Research 24(4):470-484 (pre-post d over intake SD, and the
severity-adjusted effect used by OpenFIT: (actual change - expected change) / SD at intake)
[secondary: OpenFIT knowledge base, REFERENCES.md].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["PrePostEffect", "SeverityAdjustedEffect", "pre_post_effect", "severity_adjusted_effect"]


@dataclass(frozen=True)
class PrePostEffect:
    """Mean improvement, SD at intake and their ratio d over ``n`` episodes (None when n < 2 or
    the intake SD is 0, since a ratio computed from nothing would mislead)."""

    n: int
    mean_change: float | None
    sd_intake: float | None
    d: float | None


@dataclass(frozen=True)
class SeverityAdjustedEffect:
    """Observed and expected mean improvement, and (observed - expected) / SD at intake."""

    n: int
    mean_change: float | None
    mean_expected_change: float | None
    sd_intake: float | None
    effect: float | None


def _pair(first: ArrayLike, last: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    start = np.asarray(first, dtype=np.float64)
    end = np.asarray(last, dtype=np.float64)
    if start.ndim != 1 or start.shape != end.shape:
        raise ValueError(
            f"first, last: need two 1-d arrays of one length, got {start.shape} and {end.shape}"
        )
    if not (np.all(np.isfinite(start)) and np.all(np.isfinite(end))):
        raise ValueError("first, last: scores must be finite numbers")
    return start, end


def _improvement(
    start: NDArray[np.float64], end: NDArray[np.float64], higher_is_better: bool
) -> NDArray[np.float64]:
    # Positive always means the client is better, whichever way the measure runs.
    return end - start if higher_is_better else start - end


def _intake_sd(start: NDArray[np.float64]) -> float | None:
    # All intakes alike: the float SD may come out as 1e-15 instead of 0 and blow the ratio up.
    if start.size < 2 or np.ptp(start) == 0:
        return None
    sd = float(np.std(start, ddof=1))
    return sd if sd > 0 else None


def pre_post_effect(first: ArrayLike, last: ArrayLike, *, higher_is_better: bool) -> PrePostEffect:
    """Pre-post effect size d = mean(improvement) / SD(intake).

    Improvement is last - first when higher scores are better (ORS), first - last otherwise
    (PHQ-9), so a positive d always means clients improved. The SD is the sample SD (ddof 1) of
    the first scores (Seidel, Miller & Chow 2014, Psychotherapy Research 24(4):470-484).

    Examples
    --------
    >>> effect = pre_post_effect([10, 20, 30], [16, 24, 32], higher_is_better=True)
    >>> effect.n, effect.mean_change, effect.sd_intake, effect.d
    (3, 4.0, 10.0, 0.4)
    >>> pre_post_effect([12], [6], higher_is_better=False).d is None
    True
    """
    start, end = _pair(first, last)
    if start.size == 0:
        return PrePostEffect(n=0, mean_change=None, sd_intake=None, d=None)
    change = float(np.mean(_improvement(start, end, higher_is_better)))
    sd = _intake_sd(start)
    return PrePostEffect(
        n=int(start.size), mean_change=change, sd_intake=sd, d=None if sd is None else change / sd
    )


def severity_adjusted_effect(
    first: ArrayLike, last: ArrayLike, expected_last: ArrayLike, *, higher_is_better: bool
) -> SeverityAdjustedEffect:
    """Severity-adjusted effect = mean(actual change - expected change) / SD(intake).

    The expected change of each episode is the expected score at its last rated session, for a
    client who started where this one started, minus the intake score. Zero means clients
    changed as much as expected given how ill they were at intake; positive means more (OpenFIT
    severity-adjusted effect size [secondary: OpenFIT knowledge base]; Seidel, Miller & Chow
    2014, Psychotherapy Research 24(4):470-484).

    Examples
    --------
    >>> effect = severity_adjusted_effect([10, 20, 30], [16, 24, 32], [14, 24, 33],
    ...                                   higher_is_better=True)
    >>> effect.mean_change, effect.mean_expected_change, effect.effect
    (4.0, 3.6666666666666665, 0.03333333333333333)
    """
    start, end = _pair(first, last)
    _, expected = _pair(first, expected_last)
    if start.size == 0:
        return SeverityAdjustedEffect(0, None, None, None, None)
    change = _improvement(start, end, higher_is_better)
    expected_change = _improvement(start, expected, higher_is_better)
    sd = _intake_sd(start)
    surplus = float(np.mean(change - expected_change))
    return SeverityAdjustedEffect(
        n=int(start.size),
        mean_change=float(np.mean(change)),
        mean_expected_change=float(np.mean(expected_change)),
        sd_intake=sd,
        effect=None if sd is None else surplus / sd,
    )
