"""Each episode of a ratings table as the alert rules see it: one :class:`EpisodeSeries`.

The per-episode path: the reference that ``alliance analyze``'s columnar one
(:mod:`alliance.science.analysis_columns`, which shares its helpers) is tested against. Per
session: the client's score on the episode's outcome measure, the worse edge of its expected band
(from the measure's trajectory model and the episode's intake), the client's alliance total and
items, the clinician's own rating of the same alliance measure, and every risk item answered
(PHQ-9 item 9). A research file has no appointment status, so every session with a rating counts
as attended.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from alliance.science.instruments import Instrument
from alliance.science.series import (
    EpisodeSeries,
    MeasureSeries,
    Overrides,
    RiskAnswer,
    SessionPoint,
    Thresholds,
    measure_fields,
    thresholds_for,
)
from alliance.science.trajectories import TrajectoryModel

__all__ = [
    "UNDATED",
    "alliance_item_columns",
    "alliance_item_names",
    "episode_series",
    "expected_for_ratings",
    "risks_by_session",
]

Floats = NDArray[np.float64]

UNDATED = date.min
"""Stands in for the date of a session the file gave none (the rules only compare dates)."""


def expected_for_ratings(
    model: TrajectoryModel, intake: Floats, session: NDArray[np.int64], percentile: float
) -> tuple[Floats, Floats, Floats]:
    """Expected score and band edges of each rating, given its episode's intake score.

    The path is :meth:`TrajectoryModel.expected_path` (Finch, Lambert & Schaalje 2001: the mean
    and band of clients who started at the same score, at t = ln(session)). Intakes and sessions
    repeat a lot (ORS in tenths has at most 401 intakes), so it is computed once per distinct
    intake and session and looked up.

    Examples
    --------
    >>> from alliance.science.trajectories import default_model
    >>> mean, lower, upper = expected_for_ratings(
    ...     default_model("ors"), np.array([19.0, 19.0]), np.array([1, 4]), 25.0)
    >>> bool(mean[0] == 19.0), bool(mean[1] > mean[0]), bool(lower[1] < mean[1] < upper[1])
    (True, True, True)
    """
    intakes, intake_index = np.unique(np.asarray(intake, dtype=np.float64), return_inverse=True)
    sessions, session_index = np.unique(np.asarray(session), return_inverse=True)
    path = model.expected_path(intake=intakes, sessions=sessions, percentile=percentile)
    pick = (intake_index.reshape(-1), session_index.reshape(-1))
    return path.expected[pick], path.lower[pick], path.upper[pick]


def alliance_item_names(instrument: Instrument) -> dict[int, str]:
    """Item number -> the item's English label as a code, which the repair advice reads.

    Examples
    --------
    >>> from alliance.science.instruments import load_instruments
    >>> alliance_item_names(load_instruments()["srs"])
    {1: 'relationship', 2: 'goals_and_topics', 3: 'approach_or_method', 4: 'overall'}
    """
    return {
        item.number: re.sub(r"[^a-z0-9]+", "_", item.label.get("en", item.code).lower()).strip("_")
        for item in instrument.scored_items
    }


def alliance_item_columns(instrument: Instrument, ratings: pd.DataFrame) -> list[tuple[str, str]]:
    """(item name, column) of each of the instrument's alliance items that the ratings have a
    column for (``item_N``), in the instrument's item order; names as :func:`alliance_item_names`.

    Examples
    --------
    >>> from alliance.science.instruments import load_instruments
    >>> alliance_item_columns(load_instruments()["srs"], pd.DataFrame(columns=["item_1", "item_3"]))
    [('relationship', 'item_1'), ('approach_or_method', 'item_3')]
    """
    names = alliance_item_names(instrument)
    return [
        (names[item.number], f"item_{item.number}")
        for item in instrument.items
        if item.number in names and f"item_{item.number}" in ratings
    ]


def episode_series(
    ratings: pd.DataFrame,
    primary: pd.Series,
    models: Mapping[str, TrajectoryModel],
    catalogue: Mapping[str, Instrument],
    *,
    alliance_measures: Sequence[str],
    percentile: float,
    overrides: Overrides | None = None,
) -> Iterator[tuple[EpisodeSeries, dict[int, bool]]]:
    """One series per episode, with which of its sessions had a date in the file.

    Each series is what :func:`alliance.science.series.episode_series` (the one function the
    web app uses) makes of the episode's sessions and ratings, with the same thresholds from
    the instrument files (``tests/science/test_analysis_series.py`` builds both and compares
    them), but its inputs per session (outcome, alliance totals and items, clinician's
    alliance, risk answers) are read from the table's columns with array operations for all
    episodes at once rather than from one record per rating: at agency size the records cost
    more than the rules (issue 16). The series are built lazily, one episode at a time, in the
    order of ``ratings``; the expected boundaries are computed for all episodes at once first.

    Parameters
    ----------
    ratings : pandas.DataFrame
        Typed ratings (:class:`alliance.science.ratings_table.RatingsTable`) in episode and
        session order.
    primary : pandas.Series
        Episode id -> the outcome measure the rules read; episodes missing here have none.
    models : mapping of measure code to TrajectoryModel
        Where a measure has no model, no expected boundary is set (no not-on-track alert).
    catalogue : mapping of code to Instrument
    alliance_measures : sequence of str
        Client alliance measures in order of preference; an episode uses the first it has.
    percentile : float
        Lower edge of the expected band, percent.
    overrides : mapping, optional
        Per-instrument threshold overrides (:func:`alliance.science.series.thresholds_for`).
    """
    sessions = _session_dates(ratings)
    sessions = _with_outcome(sessions, ratings, primary, models, catalogue, percentile)
    alliance = _alliance_choice(ratings, alliance_measures)
    ages = ratings.groupby("episode_id", sort=False)["age_group"].first()
    return _build(sessions, ratings, primary, alliance, ages, catalogue, overrides)


def _session_dates(ratings: pd.DataFrame) -> pd.DataFrame:
    grouped = ratings.groupby(["episode_id", "session"], sort=False)
    sessions = grouped["date"].first().reset_index()
    sessions["dated"] = sessions["date"].notna()
    # An undated session takes its neighbour's date, so dates never go back within an episode.
    by_episode = sessions.groupby("episode_id", sort=False)["date"]
    sessions["date"] = by_episode.ffill()
    sessions["date"] = sessions.groupby("episode_id", sort=False)["date"].bfill()
    return sessions


def _with_outcome(
    sessions: pd.DataFrame,
    ratings: pd.DataFrame,
    primary: pd.Series,
    models: Mapping[str, TrajectoryModel],
    catalogue: Mapping[str, Instrument],
    percentile: float,
) -> pd.DataFrame:
    chosen = ratings["episode_id"].map(primary)
    rows = ratings[(ratings["measure"] == chosen) & (ratings["rater"] == "client")]
    first = rows.groupby("episode_id", sort=False).agg(
        intake=("score", "first"), intake_session=("session", "first")
    )
    sessions = sessions.join(first, on="episode_id")
    sessions["measure"] = sessions["episode_id"].map(primary)
    sessions["boundary"] = np.nan
    for measure, model in models.items():
        mask = (sessions["measure"] == measure) & (
            sessions["session"] >= sessions["intake_session"]
        )
        if not mask.any():
            continue
        _, lower, upper = expected_for_ratings(
            model,
            sessions.loc[mask, "intake"].to_numpy(),
            sessions.loc[mask, "session"].to_numpy(),
            percentile,
        )
        sessions.loc[mask, "boundary"] = lower if catalogue[measure].higher_is_better else upper
    return sessions


def _alliance_choice(ratings: pd.DataFrame, measures: Sequence[str]) -> pd.Series:
    """Episode id -> the first of ``measures`` the episode has."""
    rank = {code: position for position, code in enumerate(measures)}
    rows = ratings[ratings["measure"].isin(list(rank))]
    return (
        rows.assign(_rank=rows["measure"].map(rank))
        .sort_values("_rank", kind="stable")
        .groupby("episode_id", sort=False)["measure"]
        .first()
    )


def _build(
    sessions: pd.DataFrame,
    ratings: pd.DataFrame,
    primary: pd.Series,
    alliance: pd.Series,
    ages: pd.Series,
    catalogue: Mapping[str, Instrument],
    overrides: Overrides | None,
) -> Iterator[tuple[EpisodeSeries, dict[int, bool]]]:
    """Each episode's series, its sessions' inputs read from columns (:class:`_SessionInputs`)
    instead of one record per rating grouped again per episode (issue 16)."""
    inputs = _SessionInputs.of(sessions, ratings, primary, alliance, catalogue)
    others = _other_outcomes(ratings, primary, catalogue)
    facts = _Facts(catalogue, overrides)
    primary_of, alliance_of, age_of = primary.to_dict(), alliance.to_dict(), ages.to_dict()
    for episode_id, (start, stop) in _spans(sessions["episode_id"].to_numpy()):
        episode = str(episode_id)
        outcome, bond = primary_of.get(episode), alliance_of.get(episode)
        age_group = str(age_of[episode])
        points = inputs.points(start, stop, scored=bool(outcome))
        measures = tuple(
            facts.measure_series(code, age_group, found)
            for code, found in sorted(others.get(episode, {}).items())
        )
        series = facts.series(episode, outcome, bond, age_group, points, measures)
        yield series, {inputs.numbers[i]: inputs.dated[i] for i in range(start, stop)}


class _SessionInputs:
    """Per session (one row of ``sessions``), what :func:`alliance.science.series.episode_series`
    reads from the episode's ratings, found with array operations: the client's total on the
    episode's outcome measure, the client's and the clinician's alliance total, the client's
    alliance items and every risk item answered. As there, the first rating of a session,
    measure and rater counts; alliance items are keyed by :func:`alliance_item_names`."""

    def __init__(self, sessions: pd.DataFrame, ratings: pd.DataFrame) -> None:
        self.numbers: list[int] = sessions["session"].to_numpy(dtype=np.int64).tolist()
        days = sessions["date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        self.days = [UNDATED if day is None else day for day in days.astype(object).tolist()]
        self.dated: list[bool] = sessions["dated"].to_numpy(dtype=bool).tolist()
        self.bounds = _optionals(sessions["boundary"].to_numpy(dtype=np.float64))
        self.position = _session_positions(ratings, len(sessions))
        self.scores = ratings["score"].to_numpy(dtype=np.float64)
        empty: list[float | None] = [None] * len(sessions)
        self.outcome, self.alliance, self.clinician = list(empty), list(empty), list(empty)
        self.items: list[dict[str, float]] = [{} for _ in range(len(sessions))]
        self.risks: dict[int, list[RiskAnswer]] = {}

    @classmethod
    def of(
        cls,
        sessions: pd.DataFrame,
        ratings: pd.DataFrame,
        primary: pd.Series,
        alliance: pd.Series,
        catalogue: Mapping[str, Instrument],
    ) -> _SessionInputs:
        inputs = cls(sessions, ratings)
        measure = ratings["measure"].to_numpy(dtype=object)
        rater = ratings["rater"].to_numpy(dtype=object)
        counted = ~np.isnan(inputs.scores)
        client, clinician = counted & (rater == "client"), counted & (rater == "clinician")
        episode = ratings["episode_id"]
        chosen = episode.map(primary).to_numpy(dtype=object)
        bond = episode.map(alliance).to_numpy(dtype=object)
        inputs.outcome = inputs.totals(client & (measure == chosen))
        inputs.clinician = inputs.totals(clinician & (measure == bond))
        first_alliance = inputs.first_rows(client & (measure == bond))
        inputs.alliance = inputs.totals_at(first_alliance)
        inputs.read_items(first_alliance, ratings, catalogue)
        inputs.read_risks(ratings, catalogue)
        return inputs

    def first_rows(self, rows: NDArray[np.bool_]) -> NDArray[np.intp]:
        """Per session, the first of ``rows`` in it (-1: none)."""
        found = np.flatnonzero(rows)
        at = np.full(len(self.numbers), -1, dtype=np.intp)
        sessions, first = np.unique(self.position[found], return_index=True)
        at[sessions] = found[first]
        return at

    def totals_at(self, rows: NDArray[np.intp]) -> list[float | None]:
        return [None if row < 0 else float(self.scores[row]) for row in rows.tolist()]

    def totals(self, rows: NDArray[np.bool_]) -> list[float | None]:
        return self.totals_at(self.first_rows(rows))

    def read_items(
        self, first: NDArray[np.intp], ratings: pd.DataFrame, catalogue: Mapping[str, Instrument]
    ) -> None:
        """The client's alliance items of each session's alliance rating, in the instrument's
        item order (as a rating record holds them), blanks left out."""
        measure = ratings["measure"].to_numpy(dtype=object)
        rated = first >= 0
        for code in pd.unique(measure[first[rated]]):
            columns = alliance_item_columns(catalogue[str(code)], ratings)
            sessions = np.flatnonzero(rated)[measure[first[rated]] == code]
            rows = first[sessions]
            values = [
                ratings[column].to_numpy(dtype=np.float64)[rows].tolist() for _, column in columns
            ]
            for k, session in enumerate(sessions.tolist()):
                self.items[session] = {
                    name: column[k]
                    for (name, _), column in zip(columns, values, strict=True)
                    if not math.isnan(column[k])
                }

    def read_risks(self, ratings: pd.DataFrame, catalogue: Mapping[str, Instrument]) -> None:
        """Every risk item answered (any rater, any rating), in file order within a session."""
        self.risks = risks_by_session(ratings, catalogue, self.position)

    def points(self, start: int, stop: int, *, scored: bool) -> tuple[SessionPoint, ...]:
        """The episode's session points (sessions ``start`` to ``stop``); the expected boundary
        only once the episode's outcome measure has a score, as in the series builder."""
        scored = scored and any(self.outcome[i] is not None for i in range(start, stop))
        return tuple(
            SessionPoint(
                number=self.numbers[i],
                date=self.days[i],
                outcome=self.outcome[i],
                alliance=self.alliance[i],
                alliance_items=self.items[i],
                clinician_alliance=self.clinician[i],
                risk_answers=tuple(self.risks.get(i, ())),
                expected_boundary=self.bounds[i] if scored else None,
            )
            for i in range(start, stop)
        )


def risks_by_session(
    ratings: pd.DataFrame, catalogue: Mapping[str, Instrument], position: NDArray[np.intp]
) -> dict[int, list[RiskAnswer]]:
    """Session row (``position``: each rating's) -> every risk item answered in it (any rater,
    any rating), in file order."""
    risky = {
        code: [item for item in instrument.items if item.risk_above is not None]
        for code, instrument in catalogue.items()
    }
    measure = ratings["measure"].to_numpy(dtype=object)
    by_row: dict[int, list[RiskAnswer]] = {}
    known: dict[tuple[str, float, float, float], RiskAnswer] = {}
    for code, items in risky.items():
        items = [item for item in items if f"item_{item.number}" in ratings]
        if not items:
            continue
        rows = np.flatnonzero(measure == code)
        values = np.column_stack(
            [ratings[f"item_{item.number}"].to_numpy(dtype=np.float64)[rows] for item in items]
        )
        answered = ~np.isnan(values).all(axis=1)
        for row, answers in zip(rows[answered].tolist(), values[answered].tolist(), strict=True):
            found = [
                _risk_answer(known, item.code, value, item.risk_above)
                for item, value in zip(items, answers, strict=True)
                if not math.isnan(value) and item.risk_above is not None
            ]
            by_row.setdefault(row, []).extend(found)
    risks: dict[int, list[RiskAnswer]] = {}
    for row in sorted(by_row):
        risks.setdefault(int(position[row]), []).extend(by_row[row])
    return risks


def _risk_answer(
    known: dict[tuple[str, float, float, float], RiskAnswer],
    item: str,
    value: float,
    threshold: float,
) -> RiskAnswer:
    """The answer, made once per item, value and threshold and then shared (it is frozen): a
    risk item has a few possible answers and a large file hundreds of thousands of them."""
    key = (item, value, math.copysign(1.0, value), threshold)  # -0.0 stays itself
    if key not in known:
        known[key] = RiskAnswer(item=item, value=value, threshold=threshold)
    return known[key]


def _session_positions(ratings: pd.DataFrame, n_sessions: int) -> NDArray[np.intp]:
    """Each rating's session: its row in the table of sessions, whose rows are the runs of
    equal episode and session of ``ratings`` (in episode and session order)."""
    if len(ratings) == 0:
        return np.zeros(0, dtype=np.intp)
    episode = ratings["episode_id"].to_numpy(dtype=object)
    session = ratings["session"].to_numpy()
    changed = np.r_[True, (episode[1:] != episode[:-1]) | (session[1:] != session[:-1])]
    position = np.cumsum(changed, dtype=np.intp) - 1
    if int(position[-1]) + 1 != n_sessions:
        raise ValueError("ratings: must be in episode and session order (in_session_order)")
    return position


def _other_outcomes(
    ratings: pd.DataFrame, primary: pd.Series, catalogue: Mapping[str, Instrument]
) -> dict[str, dict[str, list[tuple[int, float]]]]:
    """Episode -> every other outcome measure the client rated -> its (session, score) in
    session order, the first rating of a session counting (:class:`MeasureSeries`)."""
    kinds = ratings["measure"].map({code: i.kind for code, i in catalogue.items()})
    chosen = ratings["episode_id"].map(primary)
    rows = ratings[
        (kinds == "outcome")
        & (ratings["rater"] == "client")
        & ratings["score"].notna()
        & (ratings["measure"] != chosen)
    ]
    rows = rows[~rows.duplicated(["episode_id", "session", "measure"])]
    # Each episode's rows by measure, sessions in order (a stable sort keeps them so), then one
    # slice per episode and measure.
    order = pd.factorize(rows["episode_id"])[0]
    rows = rows.assign(_order=order).sort_values(["_order", "measure"], kind="stable")
    keys = rows["episode_id"].astype(str) + "\x00" + rows["measure"].astype(str)
    sessions, scores = rows["session"].tolist(), rows["score"].tolist()
    episodes, codes = rows["episode_id"].tolist(), rows["measure"].tolist()
    found: dict[str, dict[str, list[tuple[int, float]]]] = {}
    for _, (start, stop) in _spans(keys.to_numpy(dtype=object)):
        scored = list(zip(sessions[start:stop], scores[start:stop], strict=True))
        found.setdefault(str(episodes[start]), {})[str(codes[start])] = scored
    return found


class _Facts:
    """What an episode's series takes from the instrument files, looked up once per measure
    and age group rather than once per episode."""

    def __init__(self, catalogue: Mapping[str, Instrument], overrides: Overrides | None) -> None:
        self.catalogue = catalogue
        self.overrides = overrides
        self.known: dict[tuple[str, str], Thresholds] = {}

    def thresholds(self, code: str | None, age_group: str) -> Thresholds:
        if not code:
            return Thresholds(None, None, None)
        if (code, age_group) not in self.known:
            found = thresholds_for(self.catalogue[code], age_group, self.overrides)
            self.known[code, age_group] = found
        return self.known[code, age_group]

    def measure_series(
        self, code: str, age_group: str, scores: list[tuple[int, float]]
    ) -> MeasureSeries:
        own = self.thresholds(code, age_group)
        higher = self.catalogue[code].higher_is_better
        return MeasureSeries(code, higher, own.cutoff, own.reliable_change, tuple(scores))

    def series(
        self,
        episode: str,
        outcome: str | None,
        bond: str | None,
        age_group: str,
        points: tuple[SessionPoint, ...],
        measures: tuple[MeasureSeries, ...],
    ) -> EpisodeSeries:
        """As :func:`alliance.science.series.episode_series` makes it."""
        outcome_file = self.catalogue[outcome] if outcome else None
        scale = self.catalogue[bond] if bond else None
        own, alliance = self.thresholds(outcome, age_group), self.thresholds(bond, age_group)
        return EpisodeSeries(
            episode=episode,
            measure=outcome or "",
            sessions=points,
            alliance_measure=bond or "",
            measures=measures,
            **measure_fields(outcome_file, scale, own, alliance),
        )


def _spans(ids: NDArray[np.object_]) -> list[tuple[object, tuple[int, int]]]:
    """(id, (start, stop)) of each run of equal ids, in order."""
    if len(ids) == 0:
        return []
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    stops = [*starts[1:], len(ids)]
    return [(ids[a], (int(a), int(b))) for a, b in zip(starts, stops, strict=True)]


def _optionals(values: NDArray[np.float64]) -> list[float | None]:
    """The values as Python floats, None for NaN."""
    plain = values.astype(object)
    plain[np.isnan(values)] = None
    return list(plain.tolist())
