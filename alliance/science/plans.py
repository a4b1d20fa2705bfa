"""Measurement plans: which measures are due at a session.

A plan lists the measures an episode uses and when each is given. Feedback-informed treatment
asks for the outcome and the alliance measure at every session (Miller, Duncan, Brown, Sorrell &
Chalk 2006, "Using formal client feedback to improve retention and outcome", Journal of Brief
Therapy 5(1):5-22); longer symptom measures such as the PHQ-9 and GAD-7 are commonly given at
intake, at a fixed interval and at the end (ICHOM Depression & Anxiety Standard Set, 2017:
baseline, then at set points; Boswell, Kraus, Miller & Lambert 2015, "Implementing routine
outcome monitoring in clinical practice", Psychotherapy Research 25(1):6-19). The plan therefore
allows, per measure, any of: at intake, at the end, every N sessions, every N weeks.

Plain data, no Django: the web app builds :class:`PlanItem` values from the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

__all__ = ["Phase", "PlanItem", "Repeat", "check_plan", "due_measures", "is_due"]

Repeat = Literal["", "sessions", "weeks"]
Phase = Literal["start", "end"]

MAX_INTERVAL = 52
"""The longest interval a plan may set, in sessions or weeks (a year of weekly sessions)."""


@dataclass(frozen=True)
class PlanItem:
    """When one measure is given in an episode.

    Attributes
    ----------
    instrument : str
        The instrument code, e.g. ``"phq9"``.
    at_intake : bool
        Due at the first session.
    at_end : bool
        Due at the session planned as the last one.
    repeat : {"", "sessions", "weeks"}
        Repeated every ``interval`` sessions (sessions ``interval``, ``2 * interval``, ...; an
        interval of 1 is every session) or every ``interval`` weeks since it was last given; ""
        for no repetition.
    interval : int or None
        The interval, from 1 to :data:`MAX_INTERVAL`; ``None`` exactly when ``repeat`` is "".
    position : int
        Order within its phase (start or end of the session), smallest first.

    Examples
    --------
    >>> PlanItem("phq9", repeat="sessions", interval=0)
    Traceback (most recent call last):
    ...
    ValueError: interval: must be a whole number from 1 to 52 when repeating, got 0
    """

    instrument: str
    at_intake: bool = False
    at_end: bool = False
    repeat: Repeat = ""
    interval: int | None = None
    position: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.instrument, str) or not self.instrument:
            raise ValueError(f"instrument: must be an instrument code, got {self.instrument!r}")
        if self.repeat not in get_args(Repeat):
            allowed = ", ".join(repr(r) for r in get_args(Repeat))
            raise ValueError(f"repeat: must be one of {allowed}, got {self.repeat!r}")
        if self.repeat:
            ok = (
                isinstance(self.interval, int)
                and not isinstance(self.interval, bool)
                and 1 <= self.interval <= MAX_INTERVAL
            )
            if not ok:
                raise ValueError(
                    f"interval: must be a whole number from 1 to {MAX_INTERVAL} when repeating,"
                    f" got {self.interval!r}"
                )
        elif self.interval is not None:
            raise ValueError(f"interval: must be empty when not repeating, got {self.interval!r}")
        if not (self.at_intake or self.at_end or self.repeat):
            raise ValueError(
                f"{self.instrument}: must be given at intake, at the end or repeatedly"
                " (choose at least one)"
            )


def check_plan(items: Iterable[PlanItem]) -> tuple[PlanItem, ...]:
    """The plan's items, refusing a measure listed twice.

    Examples
    --------
    >>> check_plan([PlanItem("ors", repeat="sessions", interval=1)] * 2)
    Traceback (most recent call last):
    ...
    ValueError: instrument: ors is listed twice; list each measure once
    """
    seen: set[str] = set()
    plan = tuple(items)
    for item in plan:
        if item.instrument in seen:
            raise ValueError(
                f"instrument: {item.instrument} is listed twice; list each measure once"
            )
        seen.add(item.instrument)
    return plan


def is_due(
    item: PlanItem,
    *,
    number: int,
    final: bool = False,
    on: dt.date | None = None,
    started_on: dt.date | None = None,
    last_given: dt.date | None = None,
) -> bool:
    """Whether ``item`` is due at session ``number`` (1-based).

    ``final`` marks the session planned as the last. For a measure repeated every N weeks, ``on``
    is the session date, ``last_given`` the date it was last answered in the episode (``None``
    when never) and ``started_on`` the episode's start: it is due once N weeks have passed since
    it was last given, or since the start when it never was.

    Examples
    --------
    >>> phq9 = PlanItem("phq9", at_intake=True, at_end=True, repeat="sessions", interval=4)
    >>> [n for n in range(1, 13) if is_due(phq9, number=n)]
    [1, 4, 8, 12]
    >>> is_due(phq9, number=6, final=True)
    True
    >>> wai = PlanItem("wai_sr", repeat="weeks", interval=4)
    >>> day = dt.date(2026, 1, 1)
    >>> is_due(wai, number=3, on=day + dt.timedelta(weeks=3), started_on=day)
    False
    >>> is_due(wai, number=5, on=day + dt.timedelta(weeks=4), started_on=day)
    True
    """
    if number < 1:
        raise ValueError(f"number: must be a session number >= 1, got {number!r}")
    if (item.at_intake and number == 1) or (item.at_end and final):
        return True
    if item.repeat == "sessions":
        assert item.interval is not None
        return number % item.interval == 0
    if item.repeat == "weeks":
        assert item.interval is not None
        since = last_given or started_on
        if on is None or since is None:
            return last_given is None and number == 1
        return (on - since).days >= 7 * item.interval
    return False


def due_measures(
    plan: Sequence[PlanItem],
    *,
    number: int,
    phases: Mapping[str, Phase],
    final: bool = False,
    on: dt.date | None = None,
    started_on: dt.date | None = None,
    last_given: Mapping[str, dt.date] | None = None,
) -> list[str]:
    """The codes of the measures due at a session, in the order the client answers them:
    measures of the start of the session (outcome) first, those of its end (alliance) last
    (Miller et al. 2006: the outcome measure before the session, the alliance measure at its
    end), each phase in plan order.

    ``phases`` gives each instrument's phase; an instrument missing from it is a start measure.

    Examples
    --------
    >>> plan = [
    ...     PlanItem("srs", repeat="sessions", interval=1),
    ...     PlanItem("ors", repeat="sessions", interval=1),
    ...     PlanItem("phq9", at_intake=True, repeat="sessions", interval=4),
    ... ]
    >>> due_measures(plan, number=1, phases={"srs": "end"})
    ['ors', 'phq9', 'srs']
    >>> due_measures(plan, number=2, phases={"srs": "end"})
    ['ors', 'srs']
    """
    given = last_given or {}
    due = [
        item
        for item in check_plan(plan)
        if is_due(
            item,
            number=number,
            final=final,
            on=on,
            started_on=started_on,
            last_given=given.get(item.instrument),
        )
    ]
    order = {"start": 0, "end": 1}
    due.sort(key=lambda item: (order[phases.get(item.instrument, "start")], item.position))
    return [item.instrument for item in due]
