"""One episode's series of sessions, as the alert rules and reports see it.

Plain frozen dataclasses, checked on construction: a bad value raises ``ValueError`` naming the
field and the allowed range. Used by :mod:`alliance.science.signals`; the shell builds them from
the database, the research CLI from a CSV.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, get_args

from alliance.science.checks import check_number, refuse_unless
from alliance.science.instruments import Instrument
from alliance.science.thresholds import (
    OVERRIDE_KEYS,
    Overrides,
    Thresholds,
    check_threshold_overrides,
    thresholds_for,
)

if TYPE_CHECKING:
    from alliance.science.trajectories import TrajectoryModel

__all__ = [
    "OVERRIDE_KEYS",
    "BaselineRecord",
    "EpisodeSeries",
    "MeasureSeries",
    "Overrides",
    "RatingRecord",
    "RiskAnswer",
    "SessionPoint",
    "SessionRecord",
    "Status",
    "Thresholds",
    "check_number",
    "check_threshold_overrides",
    "episode_series",
    "item_keys",
    "refuse_unless",
    "thresholds_for",
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


@dataclass(frozen=True)
class SessionRecord:
    """One session as stored: number, date, attendance and whether a new task was agreed."""

    number: int
    date: dt.date
    status: Status = "attended"
    new_task: bool = False


@dataclass(frozen=True)
class RatingRecord:
    """One stored rating: who rated what in which session, its total, item values and
    subscale scores.

    ``rater`` is ``"client"``, ``"clinician"``, ``"collateral"`` or ``"team_member"``;
    ``about_someone`` marks a rating about a team member rather than the client's own.
    """

    session: int
    instrument: str
    total: float | None
    items: Mapping[str, float] = field(default_factory=dict)
    rater: str = "client"
    about_someone: bool = False
    subscales: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class BaselineRecord:
    """The stored score before treatment: which measure, its total and the day answered."""

    instrument: str
    total: float
    date: dt.date


def episode_series(
    episode: str,
    sessions: Sequence[SessionRecord],
    ratings: Iterable[RatingRecord],
    instruments: Mapping[str, Instrument],
    *,
    outcome_measure: str | None,
    alliance_measure: str | None,
    age_group: str,
    model: TrajectoryModel | None = None,
    percentile: float = 25.0,
    boundaries: Mapping[int, float] | None = None,
    overrides: Overrides | None = None,
    other_models: Mapping[str, TrajectoryModel] | None = None,
    baseline: BaselineRecord | None = None,
) -> EpisodeSeries:
    """The one way an episode's stored sessions and ratings become the series the alert rules,
    charts and reports read, for any installed instrument (web, API, reports and the research
    CLI all call it).

    Per session: the client's total on the outcome measure; the worse edge of the expected band
    (``boundaries`` given, else from ``model`` and the first outcome score: Finch, Lambert &
    Schaalje 2001); on attended sessions only, the client's alliance total and items (keyed by
    the item's English label as a code, which the repair advice reads), the clinician's own
    total on the same measure and whether a new task was agreed; and every risk item answered.
    Cutoffs, item cutoffs, reliable change and direction come from the instrument files
    (:func:`thresholds_for`, with the site's ``overrides``), a subscale's cutoff too. Every
    other outcome measure the client rated (PHQ-9, GAD-7 beside the ORS) comes as a
    :class:`MeasureSeries`.

    Parameters
    ----------
    episode : str
        Episode id.
    sessions : sequence of SessionRecord
        In session order.
    ratings : iterable of RatingRecord
        The episode's ratings; the first of each (session, instrument, rater) counts.
    instruments : mapping of code to Instrument
    outcome_measure, alliance_measure : str or None
        The episode's measures (None: the episode has none).
    age_group : str
        The client's age group, which picks the cutoffs.
    model : TrajectoryModel, optional
    percentile : float
        Lower edge of the expected band, percent.
    boundaries : mapping of session number to float, optional
        Expected boundaries already computed (the research CLI computes them for all at once).
    overrides : mapping, optional
        The site's per-instrument thresholds (:func:`check_threshold_overrides`).
    other_models : mapping of code to TrajectoryModel, optional
        The expected trajectories of the other outcome measures (PHQ-9, GAD-7): each such
        measure's series gets the worse edge of its band from its own first score.
    baseline : BaselineRecord, optional
        The score before treatment; kept as :attr:`EpisodeSeries.baseline` when it is on the
        episode's outcome measure, and never the intake of the expected path.

    Examples
    --------
    >>> from alliance.science.instruments import load_instruments
    >>> day = dt.date(2025, 1, 6)
    >>> wai = {f"wai_sr_{n}": 4.0 for n in range(1, 13)}
    >>> series = episode_series(
    ...     "e1", [SessionRecord(1, day)], [RatingRecord(1, "wai_sr", 48.0, wai)],
    ...     load_instruments(), outcome_measure="ors", alliance_measure="wai_sr",
    ...     age_group="adult")
    >>> series.sessions[0].alliance, series.alliance_max, series.alliance_cutoff
    (48.0, 60.0, None)
    """
    first: dict[tuple[int, str, str], RatingRecord] = {}
    by_session: dict[int, list[RatingRecord]] = {}
    for rating in ratings:
        by_session.setdefault(rating.session, []).append(rating)
        if not rating.about_someone and rating.total is not None:
            first.setdefault((rating.session, rating.instrument, rating.rater), rating)
    scale = instruments[alliance_measure] if alliance_measure else None
    labels = item_keys(scale) if scale is not None else {}
    points: list[dict[str, Any]] = []
    for record in sessions:
        attended = record.status == "attended"
        outcome = first.get((record.number, outcome_measure or "", "client"))
        alliance = first.get((record.number, alliance_measure or "", "client"))
        clinician = first.get((record.number, alliance_measure or "", "clinician"))
        if record.status in MISSED:
            # The rules refuse an alliance rating on a missed session; a stray one (entered
            # before the attendance was corrected) is left out rather than stopping every alert.
            alliance = clinician = None
        points.append(
            {
                "number": record.number,
                "date": record.date,
                "status": record.status,
                "outcome": None if outcome is None else outcome.total,
                "alliance": None if alliance is None else alliance.total,
                "alliance_items": {}
                if alliance is None
                else {labels[c]: float(v) for c, v in alliance.items.items() if c in labels},
                "alliance_subscales": {}
                if alliance is None
                else {c: float(v) for c, v in alliance.subscales.items()},
                "clinician_alliance": None if clinician is None else clinician.total,
                "risk_answers": tuple(
                    _risk_answers(by_session.get(record.number, []), instruments)
                ),
                "new_task": record.new_task and attended,
            }
        )
    edges = _boundaries(points, outcome_measure, instruments, model, percentile, boundaries)
    # Each point is made once, with its boundary (not made and then replaced: issue 16).
    made = tuple(
        SessionPoint(**point, expected_boundary=edges.get(point["number"])) for point in points
    )
    outcome_file = instruments[outcome_measure] if outcome_measure else None
    own = (
        thresholds_for(outcome_file, age_group, overrides)
        if outcome_file is not None
        else Thresholds(None, None, None)
    )
    bond = (
        thresholds_for(scale, age_group, overrides)
        if scale is not None
        else Thresholds(None, None, None)
    )
    return EpisodeSeries(
        episode=episode,
        measure=outcome_measure or "",
        higher_is_better=True if outcome_file is None else outcome_file.higher_is_better,
        cutoff=own.cutoff,
        reliable_change=own.reliable_change,
        sessions=made,
        alliance_max=40.0 if scale is None else scale.scoring.max,
        alliance_item_max=10.0
        if scale is None
        else max(item.scale.max for item in scale.scored_items),
        alliance_measure=alliance_measure or "",
        alliance_cutoff=bond.cutoff,
        alliance_item_cutoff=bond.item_cutoff,
        alliance_subscale_cutoffs=bond.subscale_cutoffs,
        measures=tuple(
            _with_own_path(measure, other_models or {}, percentile)
            for measure in _other_outcomes(
                first, instruments, outcome_measure, age_group, overrides
            )
        ),
        **_baseline_fields(baseline, outcome_measure),
    )


def _baseline_fields(
    baseline: BaselineRecord | None, outcome_measure: str | None
) -> dict[str, Any]:
    if baseline is None or not outcome_measure or baseline.instrument != outcome_measure:
        return {}
    return {"baseline": float(baseline.total), "baseline_date": baseline.date}


def item_keys(instrument: Instrument) -> dict[str, str]:
    """Item code -> the key of its value in :attr:`SessionPoint.alliance_items`: its English
    label as a code ("goals_and_topics"), which the repair advice reads to tell which part of
    the alliance is strained.

    Examples
    --------
    >>> from alliance.science.instruments import load_instruments
    >>> item_keys(load_instruments()["srs"])["srs_2"]
    'goals_and_topics'
    """
    return {
        item.code: re.sub(r"[^a-z0-9]+", "_", item.label.get("en", item.code).lower()).strip("_")
        for item in instrument.scored_items
    }


def _risk_answers(
    ratings: Sequence[RatingRecord], instruments: Mapping[str, Instrument]
) -> Iterator[RiskAnswer]:
    for rating in ratings:
        instrument = instruments.get(rating.instrument)
        if instrument is None:
            continue
        for item in instrument.items:
            if item.risk_above is not None and item.code in rating.items:
                yield RiskAnswer(
                    item=item.code, value=float(rating.items[item.code]), threshold=item.risk_above
                )


def _boundaries(
    points: Sequence[Mapping[str, Any]],
    outcome_measure: str | None,
    instruments: Mapping[str, Instrument],
    model: TrajectoryModel | None,
    percentile: float,
    boundaries: Mapping[int, float] | None,
) -> Mapping[int, float]:
    """Session number -> the worse edge of the expected band (none before the first score)."""
    scored = [p for p in points if p["outcome"] is not None]
    if not scored or not outcome_measure:
        return {}
    if boundaries is None:
        if model is None:
            return {}
        later = [p["number"] for p in points if p["number"] >= scored[0]["number"]]
        better = instruments[outcome_measure].higher_is_better
        boundaries = _worse_edge(model, float(scored[0]["outcome"]), later, percentile, better)
    return boundaries


def _worse_edge(
    model: TrajectoryModel,
    intake: float,
    sessions: Sequence[int],
    percentile: float,
    higher_is_better: bool,
) -> dict[int, float]:
    """Session number -> the worse edge of the expected band from this first score: the lower
    edge when higher is better, else the upper (Finch, Lambert & Schaalje 2001)."""
    path = model.expected_path(intake=intake, sessions=sessions, percentile=percentile)
    edge = path.lower if higher_is_better else path.upper
    return {n: float(b) for n, b in zip(sessions, edge, strict=True)}


def _other_outcomes(
    first: Mapping[tuple[int, str, str], RatingRecord],
    instruments: Mapping[str, Instrument],
    outcome_measure: str | None,
    age_group: str,
    overrides: Overrides | None,
) -> Iterator[MeasureSeries]:
    scores: dict[str, list[tuple[int, float]]] = {}
    for (session, code, rater), rating in sorted(first.items()):
        instrument = instruments.get(code)
        if rater != "client" or code == outcome_measure or instrument is None:
            continue
        if instrument.kind == "outcome" and rating.total is not None:
            scores.setdefault(code, []).append((session, float(rating.total)))
    for code, found in sorted(scores.items()):
        instrument = instruments[code]
        own = thresholds_for(instrument, age_group, overrides)
        yield MeasureSeries(
            code, instrument.higher_is_better, own.cutoff, own.reliable_change, tuple(found)
        )


def _with_own_path(
    measure: MeasureSeries, models: Mapping[str, TrajectoryModel], percentile: float
) -> MeasureSeries:
    """The measure's series with the worse edge of its own expected band at each scored
    session, from its first score (Finch, Lambert & Schaalje 2001), where it has a model."""
    model = models.get(measure.measure)
    if model is None or not measure.scores:
        return measure
    numbers = [n for n, _ in measure.scores]
    edges = _worse_edge(model, measure.scores[0][1], numbers, percentile, measure.higher_is_better)
    return replace(measure, boundaries=edges)
