"""The alert rules' inputs for many episodes at once, as columns: what ``alliance analyze``
hands to the columnar twins of the rules (:mod:`alliance.science.signals_columnar`).

One row per session of every episode, in episode and session order, instead of one
:class:`~alliance.science.series.SessionPoint` per session: at agency size building and checking
those objects cost more than the rules themselves (issue 16). A research file has no appointment
status and no tasks, so every session counts as attended and no new task was agreed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from numpy.typing import NDArray

from alliance.science.series import RiskAnswer

__all__ = ["UNDATED", "AllianceItems", "EpisodeColumns", "OtherScores", "SessionColumns"]

UNDATED = date.min
"""As :data:`alliance.science.analysis_series.UNDATED`: a session the file gave no date."""

Floats = NDArray[np.float64]
Indices = NDArray[np.intp]


@dataclass(frozen=True, eq=False)
class AllianceItems:
    """The client's alliance items of the sessions rated on one alliance measure.

    ``names`` are the item keys in the instrument's order (as
    :attr:`SessionPoint.alliance_items` holds them); ``values`` has one row per session of
    :class:`SessionColumns` (NaN: not rated, or another measure) and one column per name.
    """

    names: tuple[str, ...]
    values: Floats


@dataclass(frozen=True, eq=False)
class OtherScores:
    """The episodes' other outcome measures (:class:`~alliance.science.series.MeasureSeries`),
    one row per first client score of a session, ordered by episode, measure code, session.

    ``row`` is the session's row in :class:`SessionColumns`; ``order`` the measure's place among
    the episode's other measures (1 for the first code, as the series lists them).
    """

    episode: Indices
    row: Indices
    measure: NDArray[np.object_]
    order: Indices
    score: Floats
    higher_is_better: NDArray[np.bool_]
    cutoff: Floats
    reliable_change: Floats


@dataclass(frozen=True, eq=False)
class EpisodeColumns:
    """Per episode (index ``e``), the fields of its :class:`~alliance.science.series.EpisodeSeries`
    the rules read; NaN where the series has None.

    ``alliance_cutoff`` and ``alliance_item_cutoff`` are the cutoffs in force
    (:func:`alliance.science.signal_base._alliance_cutoffs`): the measure's own when the episode
    has an alliance measure, else the settings'.
    """

    episode_id: tuple[str, ...]
    measure: tuple[str, ...]
    alliance_measure: tuple[str, ...]
    higher_is_better: NDArray[np.bool_]
    cutoff: Floats
    reliable_change: Floats
    alliance_max: Floats
    alliance_cutoff: Floats
    alliance_item_cutoff: Floats
    subscale_cutoffs: tuple[Mapping[str, float], ...]


@dataclass(frozen=True, eq=False)
class SessionColumns:
    """Every session of many episodes, in episode and session order (NaN: none).

    ``episode`` is the row's episode index in :class:`EpisodeColumns`; ``boundary`` the worse
    edge of the expected band (set only for episodes with an outcome score, as the series
    builder does); ``items`` the client's alliance items by alliance measure code; ``risks``
    every risk item answered, by row, in file order; ``dated`` whether the file gave the
    session a date and ``day`` its day (filled from a neighbour otherwise; NaT when the episode
    has no date at all).
    """

    episode: Indices
    number: NDArray[np.int64]
    day: NDArray[np.datetime64]
    dated: NDArray[np.bool_]
    outcome: Floats
    boundary: Floats
    alliance: Floats
    clinician: Floats
    items: Mapping[str, AllianceItems]
    risks: Mapping[int, tuple[RiskAnswer, ...]]
    episodes: EpisodeColumns
    others: OtherScores
    first: NDArray[np.bool_] = field(init=False)
    """True at each episode's first session."""

    def date_of(self, row: int) -> date:
        """The session's date as the series has it (:data:`UNDATED` for an episode without)."""
        day = self.day[row]
        return UNDATED if np.isnat(day) else day.astype(object)

    def __post_init__(self) -> None:
        first = np.ones(len(self.episode), dtype=bool)
        first[1:] = self.episode[1:] != self.episode[:-1]
        object.__setattr__(self, "first", first)
