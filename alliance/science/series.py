"""One episode's series of sessions, as the alert rules and reports see it.

Plain frozen dataclasses, checked on construction: a bad value raises ``ValueError`` naming the
field and the allowed range. Used by :mod:`alliance.science.signals`; the shell builds them from
the database, the research CLI from a CSV.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

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
from alliance.science.series_types import (
    MISSED,
    EpisodeSeries,
    MeasureSeries,
    RiskAnswer,
    SessionPoint,
    Status,
)

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
    "measure_fields",
    "refuse_unless",
    "thresholds_for",
]


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
        sessions=made,
        alliance_measure=alliance_measure or "",
        **measure_fields(outcome_file, scale, own, bond),
        measures=tuple(
            _with_own_path(measure, other_models or {}, percentile)
            for measure in _other_outcomes(
                first, instruments, outcome_measure, age_group, overrides
            )
        ),
        **_baseline_fields(baseline, outcome_measure),
    )


def measure_fields(
    outcome_file: Instrument | None,
    scale: Instrument | None,
    own: Thresholds,
    bond: Thresholds,
) -> dict[str, Any]:
    """The fields of an :class:`EpisodeSeries` that come from its two measures' files and
    thresholds: the outcome's direction, cutoff and reliable change, the alliance scale's
    maximum (total and item) and its cutoffs. Shared with ``alliance analyze``
    (:mod:`alliance.science.analysis_series`), so both build a series the same way; with no
    alliance measure the SRS's scale (40, items 10) is assumed, as the rules' defaults."""
    return {
        "higher_is_better": True if outcome_file is None else outcome_file.higher_is_better,
        "cutoff": own.cutoff,
        "reliable_change": own.reliable_change,
        "alliance_max": 40.0 if scale is None else scale.scoring.max,
        "alliance_item_max": 10.0
        if scale is None
        else max(item.scale.max for item in scale.scored_items),
        "alliance_cutoff": bond.cutoff,
        "alliance_item_cutoff": bond.item_cutoff,
        "alliance_subscale_cutoffs": bond.subscale_cutoffs,
    }


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
