"""The alliance-outcome link split into its between- and within-clinician parts for a report
(Baldwin, Wampold & Imel 2007; computed by ``alliance.science.therapists``)."""

from collections.abc import Sequence

import pandas as pd
from django.utils.translation import gettext_lazy as _

from alliance.science.therapists import alliance_outcome_split

# (measure, intake, final, mean client alliance, primary clinician id) per closed episode.
SplitRow = tuple[str, float, float, float | None, int | None]


def split_frame(rows: Sequence[SplitRow], measure: str) -> pd.DataFrame:
    """One row per episode of the measure with an alliance mean and a primary clinician, in a
    fixed order so that the same episodes always give the same fit."""
    usable = [r for r in rows if r[0] == measure and r[3] is not None and r[4] is not None]
    frame = pd.DataFrame(
        [(r[4], r[3], r[1], r[2]) for r in usable],
        columns=["clinician", "alliance", "intake", "final"],
    )
    return frame.sort_values(["alliance", "intake", "final"]).reset_index(drop=True)


def clinician_split(frame: pd.DataFrame) -> tuple[float | None, float | None]:
    """(within, between): outcome points per alliance point at the end of care, adjusted for
    intake; None when the data cannot carry the model (e.g. fewer than two clinicians)."""
    try:
        split = alliance_outcome_split(
            frame,
            clinician="clinician",
            alliance="alliance",
            outcome="final",
            covariates=["intake"],
        )
    except ValueError:
        return None, None
    return split.within.estimate, split.between.estimate


LABELS = {
    "alliance_within": _("Within a clinician's caseload: outcome points per alliance point"),
    "alliance_between": _("Between clinicians: outcome points per alliance point"),
}
