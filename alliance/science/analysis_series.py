"""Each episode of a ratings table as the alert rules see it: one :class:`EpisodeSeries`.

Used by :mod:`alliance.science.analysis`. Per session: the client's score on the episode's
outcome measure, the worse edge of its expected band (from the measure's trajectory model and the
episode's intake), the client's alliance total and items, the clinician's own rating of the same
alliance measure, and every risk item answered (PHQ-9 item 9). A research file has no appointment
status, so every session with a rating counts as attended.
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
from alliance.science.series import EpisodeSeries, Overrides, RatingRecord, SessionRecord
from alliance.science.series import episode_series as build_series
from alliance.science.trajectories import TrajectoryModel

__all__ = ["UNDATED", "alliance_item_names", "episode_series", "expected_for_ratings"]

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

    Each episode's rows become plain session and rating records that
    :func:`alliance.science.series.episode_series` (the one function the web app uses too)
    turns into its series, so the file and the database are read by the same rules with the
    same thresholds. The series are built lazily, one episode at a time, in the order of
    ``ratings``; the expected boundaries are computed for all episodes at once first.

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


def _item_columns(
    ratings: pd.DataFrame, catalogue: Mapping[str, Instrument]
) -> dict[str, list[tuple[str, list[float]]]]:
    """Per measure, its items' codes with their column of values (as lists, read row by row)."""
    columns: dict[str, list[tuple[str, list[float]]]] = {}
    for code in ratings["measure"].unique():
        instrument = catalogue.get(str(code))
        if instrument is None:
            continue
        columns[str(code)] = [
            (item.code, ratings[f"item_{item.number}"].tolist())
            for item in instrument.items
            if f"item_{item.number}" in ratings
        ]
    return columns


def _build(
    sessions: pd.DataFrame,
    ratings: pd.DataFrame,
    primary: pd.Series,
    alliance: pd.Series,
    ages: pd.Series,
    catalogue: Mapping[str, Instrument],
    overrides: Overrides | None,
) -> Iterator[tuple[EpisodeSeries, dict[int, bool]]]:
    numbers = [int(n) for n in sessions["session"]]
    days = [UNDATED if pd.isna(d) else d.date() for d in sessions["date"]]
    dated = [bool(d) for d in sessions["dated"]]
    bounds = [_optional(b) for b in sessions["boundary"].to_numpy(dtype=np.float64)]
    items = _item_columns(ratings, catalogue)
    rows = (
        ratings["session"].tolist(),
        ratings["measure"].tolist(),
        ratings["rater"].tolist(),
        [_optional(v) for v in ratings["score"].to_numpy(dtype=np.float64)],
    )
    # Plain dicts: a pandas lookup per episode costs more than the episode's own rules.
    primary_of, alliance_of, age_of = primary.to_dict(), alliance.to_dict(), ages.to_dict()
    session_spans = _spans(sessions["episode_id"].to_numpy())
    rating_spans = dict(
        (str(episode), span) for episode, span in _spans(ratings["episode_id"].to_numpy())
    )
    for episode_id, (start, stop) in session_spans:
        episode = str(episode_id)
        records = [SessionRecord(numbers[i], days[i]) for i in range(start, stop)]
        boundaries = {numbers[i]: b for i in range(start, stop) if (b := bounds[i]) is not None}
        first, last = rating_spans[episode]
        found = [_rating(rows, items, i) for i in range(first, last)]
        series = build_series(
            episode,
            records,
            found,
            catalogue,
            outcome_measure=primary_of.get(episode),
            alliance_measure=alliance_of.get(episode),
            age_group=str(age_of[episode]),
            boundaries=boundaries,
            overrides=overrides,
        )
        yield series, {numbers[i]: dated[i] for i in range(start, stop)}


def _spans(ids: NDArray[np.object_]) -> list[tuple[object, tuple[int, int]]]:
    """(id, (start, stop)) of each run of equal ids, in order."""
    if len(ids) == 0:
        return []
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    stops = [*starts[1:], len(ids)]
    return [(ids[a], (int(a), int(b))) for a, b in zip(starts, stops, strict=True)]


def _rating(
    rows: tuple[list[int], list[str], list[str], list[float | None]],
    items: Mapping[str, list[tuple[str, list[float]]]],
    i: int,
) -> RatingRecord:
    sessions, measures, raters, scores = rows
    measure = measures[i]
    values = {
        code: float(column[i])
        for code, column in items.get(measure, ())
        if not math.isnan(column[i])
    }
    return RatingRecord(int(sessions[i]), measure, scores[i], values, raters[i])


def _optional(value: float) -> float | None:
    return None if np.isnan(value) else float(value)
