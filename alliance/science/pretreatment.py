"""Change before treatment: from the baseline (the outcome measure answered when the first
session was booked) to the first session's score.

Many clients improve between the call that books their first appointment and the first
session: Weiner-Davis, de Shazer & Gingerich (1987) found two thirds of the clients they asked
reported a change for the better, and Howard, Kopta, Krause & Orlinsky (1986) that 15% improve
before the first session. A clinic that measures it sees how much of its clients' change comes
before treatment starts; the expected path and the alerts still start from the first
session's score (``alliance.science.series``).

A change counts as reliable as in :mod:`alliance.science.change` (Jacobson & Truax 1991: at
least the measure's reliable-change value, with the same tolerance).

References
----------
Weiner-Davis M, de Shazer S, Gingerich WJ (1987). Building on pretreatment change to construct
the therapeutic solution: an exploratory study. Journal of Marital and Family Therapy
13(4):359-363.
Howard KI, Kopta SM, Krause MS, Orlinsky DE (1986). The dose-effect relationship in
psychotherapy. American Psychologist 41(2):159-164.
Jacobson NS, Truax P (1991). Clinical significance: a statistical approach to defining meaningful
change in psychotherapy research. Journal of Consulting and Clinical Psychology 59(1):12-19.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from alliance.science.change import CHANGE_CLASSES, ChangeClass, classify_changes
from alliance.science.checks import check_number

__all__ = ["PreTreatmentChange", "pre_treatment_change"]


@dataclass(frozen=True)
class PreTreatmentChange:
    """Change from the baseline to the first session over a group of episodes.

    Attributes
    ----------
    n : int
        Episodes with both a baseline and a first-session score.
    mean_change : float or None
        Mean change, signed so that a positive value is an improvement (None when n is 0).
    improved, deteriorated : int
        Episodes whose change reaches the reliable-change value, for the better or the worse
        (0 when the measure has no reliable-change value).
    """

    n: int
    mean_change: float | None
    improved: int
    deteriorated: int


def pre_treatment_change(
    baseline: ArrayLike,
    first_session: ArrayLike,
    *,
    higher_is_better: bool,
    reliable_change: float | None,
) -> PreTreatmentChange:
    """Change before treatment: ``first_session - baseline``, turned so that better is positive
    (``-(first - baseline)`` when lower is better, as for the PHQ-9), its mean, and how many
    episodes changed reliably (a change of at least ``reliable_change``, Jacobson & Truax 1991).

    Examples
    --------
    >>> found = pre_treatment_change([18.0, 20.0, 22.0], [24.0, 19.0, 22.5],
    ...                              higher_is_better=True, reliable_change=5.0)
    >>> found.n, round(found.mean_change, 4), found.improved, found.deteriorated
    (3, 1.8333, 1, 0)
    >>> pre_treatment_change([], [], higher_is_better=True, reliable_change=5.0).mean_change
    """
    before = np.asarray(baseline, dtype=np.float64)
    after = np.asarray(first_session, dtype=np.float64)
    if before.shape != after.shape or before.ndim != 1:
        raise ValueError(
            f"baseline and first_session must be lists of the same length; got {before.shape} "
            f"and {after.shape}"
        )
    for name, values in (("baseline", before), ("first_session", after)):
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{name}: every score must be a finite number")
    if reliable_change is not None:
        check_number(reliable_change, "reliable_change", 0.0)
    change = (after - before) * (1.0 if higher_is_better else -1.0)
    if change.size == 0:
        return PreTreatmentChange(0, None, 0, 0)
    improved = deteriorated = 0
    if reliable_change is not None and reliable_change > 0:
        # The reliable-change rule is change.py's (same threshold and tolerance); no cutoff, so
        # an improvement counts as reliably improved, never recovered.
        codes = classify_changes(
            before,
            after,
            cutoff=None,
            reliable_change=reliable_change,
            higher_is_better=higher_is_better,
        )
        improved = int((codes == CHANGE_CLASSES.index(ChangeClass.RELIABLY_IMPROVED)).sum())
        deteriorated = int((codes == CHANGE_CLASSES.index(ChangeClass.RELIABLY_DETERIORATED)).sum())
    return PreTreatmentChange(int(change.size), float(change.mean()), improved, deteriorated)
