"""Each episode of a ratings table as the alert rules see it: one :class:`EpisodeSeries`.

Used by :mod:`alliance.science.analysis`. Per session: the client's score on the episode's
outcome measure, the worse edge of its expected band (from the measure's trajectory model and the
episode's intake), the client's alliance total and items, the clinician's own rating of the same
alliance measure, and every risk item answered (PHQ-9 item 9). A research file has no appointment
status, so every session with a rating counts as attended.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from datetime import date

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from alliance.science.instruments import Instrument, cutoff_for, reliable_change_for
from alliance.science.series import EpisodeSeries, RiskAnswer, SessionPoint
from alliance.science.trajectories import TrajectoryModel

__all__ = ["UNDATED", "alliance_item_names", "episode_series", "expected_for_ratings"]

Floats = NDArray[np.float64]
SessionKey = tuple[str, int]

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
) -> Iterator[tuple[EpisodeSeries, dict[int, bool]]]:
    """One series per episode, with which of its sessions had a date in the file.

    The series are built lazily, one episode at a time, in the order of ``ratings``.

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
    """
    sessions = _session_dates(ratings)
    sessions = _with_outcome(sessions, ratings, primary, models, catalogue, percentile)
    sessions, alliance = _with_alliance(sessions, ratings, alliance_measures, catalogue)
    risks = _risk_answers(ratings, catalogue)
    ages = ratings.groupby("episode_id", sort=False)["age_group"].first()
    return _build(sessions, risks, primary, alliance, ages, catalogue)


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
    scores = rows.set_index(["episode_id", "session"])["score"].rename("outcome")
    sessions = sessions.join(scores, on=["episode_id", "session"])
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


def _with_alliance(
    sessions: pd.DataFrame,
    ratings: pd.DataFrame,
    measures: Sequence[str],
    catalogue: Mapping[str, Instrument],
) -> tuple[pd.DataFrame, pd.Series]:
    rank = {code: position for position, code in enumerate(measures)}
    rows = ratings[ratings["measure"].isin(list(rank))]
    chosen = (
        rows.assign(_rank=rows["measure"].map(rank))
        .sort_values("_rank", kind="stable")
        .groupby("episode_id", sort=False)["measure"]
        .first()
    )
    rows = rows[rows["measure"] == rows["episode_id"].map(chosen)]
    client = rows[rows["rater"] == "client"]
    key = ["episode_id", "session"]
    own = rows[rows["rater"] == "clinician"].set_index(key)["score"].rename("clinician_alliance")
    items = pd.Series(_item_maps(client, catalogue), index=client.index, dtype=object)
    client_side = client.assign(alliance_items=items).set_index(key)
    joined = sessions.join(client_side["score"].rename("alliance"), on=key)
    joined = joined.join(client_side["alliance_items"], on=key).join(own, on=key)
    return joined, chosen


def _item_maps(rows: pd.DataFrame, catalogue: Mapping[str, Instrument]) -> list[dict[str, float]]:
    maps: list[dict[str, float]] = [{} for _ in range(len(rows))]
    for measure in rows["measure"].unique():
        names = alliance_item_names(catalogue[measure])
        columns = [(f"item_{n}", name) for n, name in names.items() if f"item_{n}" in rows]
        positions = np.flatnonzero((rows["measure"] == measure).to_numpy())
        for column, name in columns:
            values = rows[column].to_numpy()[positions]
            for position, value in zip(positions, values, strict=True):
                if not np.isnan(value):
                    maps[position][name] = float(value)
    return maps


def _risk_answers(
    ratings: pd.DataFrame, catalogue: Mapping[str, Instrument]
) -> dict[SessionKey, list[RiskAnswer]]:
    found: dict[SessionKey, list[RiskAnswer]] = defaultdict(list)
    for code, instrument in catalogue.items():
        for item in instrument.items:
            column = f"item_{item.number}"
            if item.risk_above is None or column not in ratings:
                continue
            rows = ratings[(ratings["measure"] == code) & ratings[column].notna()]
            for episode, session, value in zip(
                rows["episode_id"], rows["session"], rows[column], strict=True
            ):
                found[(episode, int(session))].append(
                    RiskAnswer(item=item.code, value=float(value), threshold=item.risk_above)
                )
    return found


def _optional(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _build(
    sessions: pd.DataFrame,
    risks: Mapping[SessionKey, list[RiskAnswer]],
    primary: pd.Series,
    alliance: pd.Series,
    ages: pd.Series,
    catalogue: Mapping[str, Instrument],
) -> Iterator[tuple[EpisodeSeries, dict[int, bool]]]:
    table = _SessionColumns(sessions, risks)
    episode_ids = sessions["episode_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, episode_ids[1:] != episode_ids[:-1]])
    for start, stop in zip(starts, [*starts[1:], len(sessions)], strict=True):
        episode = str(episode_ids[start])
        points = [table.point(i) for i in range(start, stop)]
        dated = {
            point.number: table.dated[i]
            for i, point in zip(range(start, stop), points, strict=True)
        }
        series = _series(
            episode, points, primary.get(episode), alliance.get(episode), ages[episode], catalogue
        )
        yield series, dated


class _SessionColumns:
    """The session table as plain lists: SessionPoints are built one by one, fastest from lists."""

    def __init__(
        self, sessions: pd.DataFrame, risks: Mapping[SessionKey, list[RiskAnswer]]
    ) -> None:
        self.risks = risks
        self.episode = sessions["episode_id"].tolist()
        self.number = [int(n) for n in sessions["session"]]
        self.dated = [bool(d) for d in sessions["dated"]]
        self.items = sessions["alliance_items"].tolist()
        self.day = [UNDATED if pd.isna(d) else d.date() for d in sessions["date"]]
        self.numbers = {
            name: [_optional(v) for v in sessions[name].to_numpy(dtype=np.float64)]
            for name in ("outcome", "boundary", "alliance", "clinician_alliance")
        }

    def point(self, i: int) -> SessionPoint:
        items = self.items[i]
        return SessionPoint(
            number=self.number[i],
            date=self.day[i],
            outcome=self.numbers["outcome"][i],
            alliance=self.numbers["alliance"][i],
            alliance_items=items if isinstance(items, dict) else {},
            clinician_alliance=self.numbers["clinician_alliance"][i],
            risk_answers=tuple(self.risks.get((self.episode[i], self.number[i]), ())),
            expected_boundary=self.numbers["boundary"][i],
        )


def _series(
    episode: str,
    points: list[SessionPoint],
    measure: str | None,
    alliance_measure: str | None,
    age_group: str,
    catalogue: Mapping[str, Instrument],
) -> EpisodeSeries:
    outcome = catalogue[measure] if measure is not None else None
    cutoff = None if outcome is None else cutoff_for(outcome, age_group)
    change = None if outcome is None else reliable_change_for(outcome, age_group)
    scale = catalogue[alliance_measure] if alliance_measure is not None else None
    return EpisodeSeries(
        episode=episode,
        measure=measure or "",
        higher_is_better=True if outcome is None else outcome.higher_is_better,
        cutoff=None if cutoff is None else cutoff.total,
        reliable_change=None if change is None else change.points,
        sessions=tuple(points),
        alliance_max=40.0 if scale is None else scale.scoring.max,
        alliance_item_max=10.0
        if scale is None
        else max(item.scale.max for item in scale.scored_items),
    )
