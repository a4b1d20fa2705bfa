"""One episode's series of sessions, as the alert rules and reports see it.

Plain frozen dataclasses, checked on construction: a bad value raises ``ValueError`` naming the
field and the allowed range. Used by :mod:`alliance.science.signals`; the shell builds them from
the database, the research CLI from a CSV.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, get_args

__all__ = [
    "EpisodeSeries",
    "RiskAnswer",
    "SessionPoint",
    "Status",
    "check_number",
    "refuse_unless",
]

Status = Literal["attended", "cancelled", "no_show"]


def refuse_unless(ok: bool, name: str, allowed: str, value: object) -> None:
    """Raise ``ValueError`` naming the field and what it allows unless ``ok``.

    Examples
    --------
    >>> refuse_unless(False, "alliance", "between 0 and 40", 41)
    Traceback (most recent call last):
    ...
    ValueError: alliance: must be between 0 and 40, got 41
    """
    if not ok:
        raise ValueError(f"{name}: must be {allowed}, got {value!r}")


def check_number(value: object, name: str, low: float = -math.inf, high: float = math.inf) -> None:
    """Refuse anything but a finite real number in ``[low, high]`` (booleans and NaN included).

    Examples
    --------
    >>> check_number(float("nan"), "outcome")
    Traceback (most recent call last):
    ...
    ValueError: outcome: must be a finite number, got nan
    """
    ok = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and low <= float(value) <= high
    )
    refuse_unless(ok, name, _allowed_range(low, high), value)


def _allowed_range(low: float, high: float) -> str:
    if math.isinf(low) and math.isinf(high):
        return "a finite number"
    if math.isinf(high):
        return f"a finite number >= {low:g}"
    return f"a number between {low:g} and {high:g}"


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
    status : {"attended", "cancelled", "no_show"}
    outcome : float or None
        Total of the episode's outcome measure (e.g. ORS, PHQ-9), if recorded.
    alliance : float or None
        The client's alliance total (e.g. SRS, 0-40). Only for attended sessions.
    alliance_items : mapping of str to float
        The client's alliance items by code, e.g. ``{"relationship": 9.5, "goals": 7.0}``.
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
    clinician_alliance: float | None = None
    risk_answers: tuple[RiskAnswer, ...] = ()
    new_task: bool = False
    expected_boundary: float | None = None

    def __post_init__(self) -> None:
        ok = _is_count(self.number) and self.number >= 1
        refuse_unless(ok, "number", "a whole number >= 1", self.number)
        where = f"session {self.number}"
        refuse_unless(isinstance(self.date, dt.date), f"{where}: date", "a date", self.date)
        refuse_unless(
            self.status in get_args(Status), f"{where}: status", str(get_args(Status)), self.status
        )
        for name in ("outcome", "expected_boundary", "alliance", "clinician_alliance"):
            value = getattr(self, name)
            if value is not None:
                check_number(value, f"{where}: {name}", 0.0 if "alliance" in name else -math.inf)
        items = MappingProxyType(dict(self.alliance_items))
        for code, value in items.items():
            check_number(value, f"{where}: alliance_items[{code!r}]", 0.0)
        object.__setattr__(self, "alliance_items", items)
        object.__setattr__(self, "risk_answers", tuple(self.risk_answers))
        if self.status != "attended":
            self._refuse_ratings_of_a_missed_session(where)

    def _refuse_ratings_of_a_missed_session(self, where: str) -> None:
        for name in ("alliance", "clinician_alliance", "alliance_items", "new_task"):
            value = getattr(self, name)
            empty = value is None or value is False or (isinstance(value, Mapping) and not value)
            refuse_unless(empty, f"{where}: {name}", f"empty for a {self.status} session", value)


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
    """

    episode: str
    measure: str
    higher_is_better: bool
    cutoff: float | None
    reliable_change: float | None
    sessions: tuple[SessionPoint, ...]
    alliance_max: float = 40.0
    alliance_item_max: float = 10.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "sessions", tuple(self.sessions))
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
