"""The value types of an episode's series: a session, a measure's scores, the whole episode.

Plain frozen dataclasses, checked on construction: a bad value raises ``ValueError`` naming the
field and the allowed range. :func:`alliance.science.series.episode_series` builds them from
plain records; :mod:`alliance.science.signals` reads them.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, get_args

from alliance.science.checks import check_number, refuse_unless

if TYPE_CHECKING:
    pass

__all__ = [
    "MISSED",
    "EpisodeSeries",
    "MeasureSeries",
    "RiskAnswer",
    "SessionPoint",
    "Status",
]

Status = Literal["attended", "cancelled", "no_show", "scheduled"]
MISSED: frozenset[str] = frozenset({"cancelled", "no_show"})
"""A session that did not happen: it carries no alliance rating."""


def _is_count(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@dataclass(frozen=True)
class RiskAnswer:
    """The answer to a risk item, e.g. PHQ-9 item 9 (``item="phq9_9"``).

    ``threshold`` comes from the instrument file (``risk_above``); a value strictly above it is a
    risk answer. A value at or below it raises no alert but never means the client is safe.
    """

    item: str
    value: float
    threshold: float = 0.0

    def __post_init__(self) -> None:
        refuse_unless(isinstance(self.item, str) and self.item != "", "item", "a code", self.item)
        check_number(self.value, f"risk answer {self.item}: value")
        check_number(self.threshold, f"risk answer {self.item}: threshold")


@dataclass(frozen=True)
class SessionPoint:
    """One session of an episode, as the rules see it.

    Attributes
    ----------
    number : int
        1-based session number within the episode.
    date : datetime.date
        The session date.
    status : {"attended", "cancelled", "no_show", "scheduled"}
        ``scheduled``: not yet marked attended, but the client already rated it (a link
        answered before the session); its ratings count, it is not a missed session.
    outcome : float or None
        Total of the episode's outcome measure (e.g. ORS, PHQ-9), if recorded.
    alliance : float or None
        The client's alliance total (e.g. SRS, 0-40). Only for attended sessions.
    alliance_items : mapping of str to float
        The client's alliance items by code, e.g. ``{"relationship": 9.5, "goals": 7.0}``.
    alliance_subscales : mapping of str to float
        The client's alliance subscale scores by subscale code (WAI-SR ``bond``, ``goal``,
        ``task``), for a measure with subscales.
    clinician_alliance : float or None
        The clinician's own rating of the same session on the same measure.
    risk_answers : tuple of RiskAnswer
        Every risk item answered in this session, including those answered 0.
    new_task : bool
        A new homework or task was agreed in this session.
    expected_boundary : float or None
        The worse edge of the expected band at this session, from the expected trajectory: the
        lower edge when higher is better (ORS), the upper edge when lower is better (PHQ-9).
    """

    number: int
    date: dt.date
    status: Status = "attended"
    outcome: float | None = None
    alliance: float | None = None
    alliance_items: Mapping[str, float] = field(default_factory=dict)
    alliance_subscales: Mapping[str, float] = field(default_factory=dict)
    clinician_alliance: float | None = None
    risk_answers: tuple[RiskAnswer, ...] = ()
    new_task: bool = False
    expected_boundary: float | None = None

    def __post_init__(self) -> None:
        ok = _is_count(self.number) and self.number >= 1
        refuse_unless(ok, "number", "a whole number >= 1", self.number)
        where = f"session {self.number}"
        refuse_unless(isinstance(self.date, dt.date), f"{where}: date", "a date", self.date)
        refuse_unless(self.status in _STATUSES, f"{where}: status", str(_STATUSES), self.status)
        for name, low in _SESSION_NUMBERS:
            value = getattr(self, name)
            if value is not None:
                check_number(value, f"{where}: {name}", low)
        items = MappingProxyType(dict(self.alliance_items))
        for code, value in items.items():
            check_number(value, f"{where}: alliance_items[{code!r}]", 0.0)
        object.__setattr__(self, "alliance_items", items)
        subscales = MappingProxyType(dict(self.alliance_subscales))
        for code, value in subscales.items():
            check_number(value, f"{where}: alliance_subscales[{code!r}]", 0.0)
        object.__setattr__(self, "alliance_subscales", subscales)
        object.__setattr__(self, "risk_answers", tuple(self.risk_answers))
        if self.status in MISSED:
            self._refuse_ratings_of_a_missed_session(where)

    def _refuse_ratings_of_a_missed_session(self, where: str) -> None:
        for name in (
            "alliance",
            "clinician_alliance",
            "alliance_items",
            "alliance_subscales",
            "new_task",
        ):
            value = getattr(self, name)
            empty = value is None or value is False or (isinstance(value, Mapping) and not value)
            refuse_unless(empty, f"{where}: {name}", f"empty for a {self.status} session", value)


_STATUSES = get_args(Status)
_SESSION_NUMBERS = (
    ("outcome", -math.inf),
    ("expected_boundary", -math.inf),
    ("alliance", 0.0),
    ("clinician_alliance", 0.0),
)


@dataclass(frozen=True)
class MeasureSeries:
    """One more outcome measure of an episode (e.g. the PHQ-9 beside the ORS): its scores by
    session and its thresholds from the instrument file.

    Attributes
    ----------
    measure : str
        Instrument code, e.g. ``"phq9"``.
    higher_is_better : bool
    cutoff, reliable_change : float or None
        From the instrument file for the client's age group (None: not published).
    scores : tuple of (int, float)
        (session number, client's total), sessions strictly increasing.
    boundaries : mapping of int to float
        The worse edge of the measure's own expected band by session, where it has an expected
        trajectory (PHQ-9, GAD-7) and the series was built with it; empty otherwise.
    """

    measure: str
    higher_is_better: bool
    cutoff: float | None
    reliable_change: float | None
    scores: tuple[tuple[int, float], ...]
    boundaries: Mapping[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "scores", tuple((int(n), float(v)) for n, v in self.scores))
        edges = MappingProxyType({int(n): float(b) for n, b in self.boundaries.items()})
        object.__setattr__(self, "boundaries", edges)
        if self.reliable_change is not None:
            check_number(self.reliable_change, f"{self.measure}: reliable_change", 0.0)
        numbers = [n for n, _ in self.scores]
        refuse_unless(
            numbers == sorted(set(numbers)), f"{self.measure}: scores", "one per session", numbers
        )


@dataclass(frozen=True)
class EpisodeSeries:
    """One episode's sessions in order, with what the rules need to know about its measures.

    Attributes
    ----------
    episode : str
        Episode id.
    measure : str
        Outcome measure code, e.g. ``"ors"`` or ``"phq9"``.
    higher_is_better : bool
        Direction of the outcome measure (ORS True, PHQ-9 False).
    cutoff : float or None
        Clinical cutoff of the measure for the client's age group (instrument file).
    reliable_change : float or None
        Reliable change value of the measure for the age group (instrument file); None turns
        the reliable deterioration alert off.
    sessions : tuple of SessionPoint
        Strictly increasing session numbers, dates never going back.
    alliance_max, alliance_item_max : float
        Top of the alliance scale, total and per item (SRS: 40 and 10).
    alliance_measure : str
        The alliance measure's code. Empty (series built by hand): the alliance rules use the
        cutoffs of their :class:`~alliance.science.signals.SignalSettings` (the SRS's). Set (by
        :func:`episode_series`): they use ``alliance_cutoff`` and ``alliance_item_cutoff`` below,
        from the measure's instrument file, and a None turns that check off (the WAI-SR has no
        published cutoff).
    alliance_cutoff, alliance_item_cutoff : float or None
        The alliance measure's cutoffs (total at or below, item strictly below, is a concern).
    alliance_subscale_cutoffs : mapping of str to float
        The alliance measure's subscale cutoffs by subscale code (a score strictly below is a
        concern); only the subscales that have one (none published for the WAI-SR).
    measures : tuple of MeasureSeries
        The episode's other outcome measures (e.g. PHQ-9 and GAD-7 beside the ORS), each judged
        for reliable deterioration on its own.
    baseline : float or None
        The outcome measure's score **before treatment** (issue 19: answered by the link sent
        when the first session was booked), shown as session 0. No rule reads it: the expected
        path and every alert start from the first session's score, as the published expected
        trajectories do (Finch, Lambert & Schaalje 2001 model change from the first session).
    baseline_date : datetime.date or None
        The day the baseline was answered.
    """

    episode: str
    measure: str
    higher_is_better: bool
    cutoff: float | None
    reliable_change: float | None
    sessions: tuple[SessionPoint, ...]
    alliance_max: float = 40.0
    alliance_item_max: float = 10.0
    alliance_measure: str = ""
    alliance_cutoff: float | None = None
    alliance_item_cutoff: float | None = None
    measures: tuple[MeasureSeries, ...] = ()
    alliance_subscale_cutoffs: Mapping[str, float] = field(default_factory=dict)
    baseline: float | None = None
    baseline_date: dt.date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "sessions", tuple(self.sessions))
        if self.baseline is not None:
            check_number(self.baseline, "baseline")
            ok = isinstance(self.baseline_date, dt.date)
            refuse_unless(ok, "baseline_date", "a date", self.baseline_date)
        ok = isinstance(self.higher_is_better, bool)
        refuse_unless(ok, "higher_is_better", "True or False", self.higher_is_better)
        check_number(self.alliance_max, "alliance_max", 0.0)
        check_number(self.alliance_item_max, "alliance_item_max", 0.0)
        if self.cutoff is not None:
            check_number(self.cutoff, "cutoff")
        if self.reliable_change is not None:
            check_number(self.reliable_change, "reliable_change", 0.0)
            refuse_unless(self.reliable_change > 0, "reliable_change", "> 0", self.reliable_change)
        for index, point in enumerate(self.sessions):
            self._check_session(index, point)
        if self.alliance_cutoff is not None:
            check_number(self.alliance_cutoff, "alliance_cutoff", 0.0, self.alliance_max)
        if self.alliance_item_cutoff is not None:
            check_number(
                self.alliance_item_cutoff, "alliance_item_cutoff", 0.0, self.alliance_item_max
            )
        cutoffs = MappingProxyType(dict(self.alliance_subscale_cutoffs))
        for code, value in cutoffs.items():
            check_number(value, f"alliance_subscale_cutoffs[{code!r}]", 0.0)
        object.__setattr__(self, "alliance_subscale_cutoffs", cutoffs)
        object.__setattr__(self, "measures", tuple(self.measures))
        for measure in self.measures:
            refuse_unless(isinstance(measure, MeasureSeries), "measures", "MeasureSeries", measure)

    def scores(self, measure: str) -> tuple[tuple[int, float], ...]:
        """The client's scores on one outcome measure as (session, score), in session order:
        the episode's own measure's, or another's (:attr:`measures`); empty if never scored.

        Examples
        --------
        >>> day = dt.date(2025, 1, 6)
        >>> s = EpisodeSeries("e1", "ors", True, 25.0, 5.0, (SessionPoint(1, day, outcome=20.0),))
        >>> s.scores("ors"), s.scores("phq9")
        (((1, 20.0),), ())
        """
        if measure == self.measure:
            return tuple((p.number, p.outcome) for p in self.sessions if p.outcome is not None)
        other = next((m for m in self.measures if m.measure == measure), None)
        return () if other is None else other.scores

    def _check_session(self, index: int, point: SessionPoint) -> None:
        name = f"sessions[{index}]"
        refuse_unless(isinstance(point, SessionPoint), name, "a SessionPoint", point)
        if index > 0:
            before = self.sessions[index - 1]
            refuse_unless(
                point.number > before.number, f"{name}.number", f"> {before.number}", point.number
            )
            refuse_unless(
                point.date >= before.date, f"{name}.date", f"on or after {before.date}", point.date
            )
        for attribute in ("alliance", "clinician_alliance"):
            value = getattr(point, attribute)
            if value is not None:
                check_number(value, f"{name}.{attribute}", 0.0, self.alliance_max)
        for code, value in point.alliance_items.items():
            check_number(value, f"{name}.alliance_items[{code!r}]", 0.0, self.alliance_item_max)


# The plain records an episode's series is built from ---------------------------------------
