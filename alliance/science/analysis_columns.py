"""Every episode of a ratings table as the alert rules' inputs in columns
(:class:`.signal_columns.SessionColumns`), for the columnar twins of the rules
(:mod:`alliance.science.signals_columnar`): the same inputs per session as
:func:`alliance.science.analysis_series.episode_series` puts in each episode's series (the
reference, which ``tests/science/test_signals_columnar.py`` compares them with), without one
object per session (issue 16).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from alliance.science.analysis_series import (
    _alliance_choice,
    _Facts,
    _session_dates,
    _session_positions,
    _with_outcome,
    alliance_item_names,
    risks_by_session,
)
from alliance.science.instruments import Instrument
from alliance.science.series import Overrides, measure_fields
from alliance.science.signal_base import SignalSettings
from alliance.science.signal_columns import (
    AllianceItems,
    EpisodeColumns,
    OtherScores,
    SessionColumns,
)
from alliance.science.trajectories import TrajectoryModel

__all__ = ["session_columns"]

Floats = NDArray[np.float64]
Indices = NDArray[np.intp]


def session_columns(
    ratings: pd.DataFrame,
    primary: pd.Series,
    models: Mapping[str, TrajectoryModel],
    catalogue: Mapping[str, Instrument],
    *,
    alliance_measures: Sequence[str],
    percentile: float,
    settings: SignalSettings,
    overrides: Overrides | None = None,
) -> SessionColumns:
    """The inputs of the alert rules for every episode of ``ratings`` at once.

    Parameters are those of :func:`alliance.science.analysis_series.episode_series` (typed
    ratings in episode and session order), with the ``settings`` whose alliance cutoffs apply
    to an episode without an alliance measure. Per session, as there: the client's first total
    on the episode's outcome measure, the expected boundary, the client's first alliance total
    and its items, the clinician's first total on the same measure and every risk answer.
    """
    sessions = _session_dates(ratings)
    sessions = _with_outcome(sessions, ratings, primary, models, catalogue, percentile)
    bonds = _alliance_choice(ratings, alliance_measures)
    position = _session_positions(ratings, len(sessions))
    ids = sessions["episode_id"].to_numpy(dtype=object)
    first = np.ones(len(ids), dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    episode = np.cumsum(first, dtype=np.intp) - 1
    scores = ratings["score"].to_numpy(dtype=np.float64)
    measure = ratings["measure"].to_numpy(dtype=object)
    rater = ratings["rater"].to_numpy(dtype=object)
    counted = ~np.isnan(scores)
    client, clinician = counted & (rater == "client"), counted & (rater == "clinician")
    chosen = ratings["episode_id"].map(primary).to_numpy(dtype=object)
    bond = ratings["episode_id"].map(bonds).to_numpy(dtype=object)

    def first_rows(rows: NDArray[np.bool_]) -> Indices:
        found = np.flatnonzero(rows)
        at = np.full(len(ids), -1, dtype=np.intp)
        where, firsts = np.unique(position[found], return_index=True)
        at[where] = found[firsts]
        return at

    def totals(at: Indices) -> Floats:
        return np.where(at >= 0, scores[np.maximum(at, 0)], np.nan) if len(at) else scores[:0]

    outcome = totals(first_rows(client & (measure == chosen)))
    first_alliance = first_rows(client & (measure == bond))
    boundary = sessions["boundary"].to_numpy(dtype=np.float64)
    scored = np.zeros(int(episode[-1]) + 1 if len(episode) else 0, dtype=bool)
    scored[episode[~np.isnan(outcome)]] = True
    ages = ratings.groupby("episode_id", sort=False)["age_group"].first()
    episode_ids = [str(e) for e in ids[first].tolist()]
    facts = _Facts(catalogue, overrides)
    days = sessions["date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    return SessionColumns(
        episode=episode,
        number=sessions["session"].to_numpy(dtype=np.int64),
        day=days,
        dated=sessions["dated"].to_numpy(dtype=bool),
        outcome=outcome,
        boundary=np.where(scored[episode], boundary, np.nan),
        alliance=totals(first_alliance),
        clinician=totals(first_rows(clinician & (measure == bond))),
        items=_items(first_alliance, ratings, measure, catalogue),
        risks={k: tuple(v) for k, v in risks_by_session(ratings, catalogue, position).items()},
        episodes=_episodes(episode_ids, primary, bonds, ages, facts, settings),
        others=_others(ratings, chosen, client, position, episode, ages, facts),
    )


def _items(
    first: Indices,
    ratings: pd.DataFrame,
    measure: NDArray[np.object_],
    catalogue: Mapping[str, Instrument],
) -> dict[str, AllianceItems]:
    """The client's alliance items of each session's alliance rating, per alliance measure, in
    the instrument's item order (as :meth:`._SessionInputs.read_items` reads them)."""
    rated = first >= 0
    found: dict[str, AllianceItems] = {}
    for code in pd.unique(measure[first[rated]]):
        instrument = catalogue[str(code)]
        names = alliance_item_names(instrument)
        columns = [
            (names[item.number], f"item_{item.number}")
            for item in instrument.items
            if item.number in names and f"item_{item.number}" in ratings
        ]
        sessions = np.flatnonzero(rated)[measure[first[rated]] == code]
        values = np.full((len(first), len(columns)), np.nan)
        for k, (_, column) in enumerate(columns):
            values[sessions, k] = ratings[column].to_numpy(dtype=np.float64)[first[sessions]]
        found[str(code)] = AllianceItems(tuple(name for name, _ in columns), values)
    return found


def _episodes(
    episode_ids: list[str],
    primary: pd.Series,
    bonds: pd.Series,
    ages: pd.Series,
    facts: _Facts,
    settings: SignalSettings,
) -> EpisodeColumns:
    """Per episode, the series' fields from its measures' files (:func:`.series.measure_fields`),
    looked up once per outcome measure, alliance measure and age group."""
    primary_of, bond_of, age_of = _plain_dict(primary), _plain_dict(bonds), _plain_dict(ages)
    known: dict[tuple[str | None, str | None, str], tuple[object, ...]] = {}
    rows = []
    for episode in episode_ids:
        key = (primary_of.get(episode), bond_of.get(episode), str(age_of[episode]))
        if key not in known:
            known[key] = _episode_fields(*key, facts, settings)
        rows.append(known[key])
    columns = list(zip(*rows, strict=True)) if rows else [()] * 9

    def floats(k: int) -> Floats:
        return np.array([np.nan if v is None else v for v in columns[k]], dtype=np.float64)

    return EpisodeColumns(
        episode_id=tuple(episode_ids),
        measure=tuple(str(v) for v in columns[0]),
        alliance_measure=tuple(str(v) for v in columns[1]),
        higher_is_better=np.array(columns[2], dtype=bool),
        cutoff=floats(3),
        reliable_change=floats(4),
        alliance_max=floats(5),
        alliance_cutoff=floats(6),
        alliance_item_cutoff=floats(7),
        subscale_cutoffs=tuple(columns[8]),
    )


def _plain_dict(series: pd.Series) -> dict[object, object]:
    """``series.to_dict()`` without boxing each value (a text column boxes them one by one)."""
    return dict(zip(series.index.tolist(), series.to_numpy(dtype=object).tolist(), strict=True))


def _episode_fields(
    outcome: str | None, bond: str | None, age_group: str, facts: _Facts, settings: SignalSettings
) -> tuple[object, ...]:
    outcome_file = facts.catalogue[outcome] if outcome else None
    scale = facts.catalogue[bond] if bond else None
    own, alliance = facts.thresholds(outcome, age_group), facts.thresholds(bond, age_group)
    fields = measure_fields(outcome_file, scale, own, alliance)
    cutoffs = (
        (fields["alliance_cutoff"], fields["alliance_item_cutoff"])
        if bond
        else (settings.alliance_cutoff, settings.alliance_item_cutoff)
    )
    return (
        outcome or "",
        bond or "",
        fields["higher_is_better"],
        fields["cutoff"],
        fields["reliable_change"],
        fields["alliance_max"],
        *cutoffs,
        fields["alliance_subscale_cutoffs"],
    )


def _others(
    ratings: pd.DataFrame,
    chosen: NDArray[np.object_],
    client: NDArray[np.bool_],
    position: Indices,
    episode: Indices,
    ages: pd.Series,
    facts: _Facts,
) -> OtherScores:
    """Every other outcome measure the client rated, the first score of a session counting, by
    episode, measure code and session (as :func:`.analysis_series._other_outcomes`)."""
    catalogue = facts.catalogue
    measure = ratings["measure"].to_numpy(dtype=object)
    kinds = pd.Series(measure).map({code: i.kind for code, i in catalogue.items()}).to_numpy()
    rows = np.flatnonzero((kinds == "outcome") & client & (measure != chosen))
    codes, names = pd.factorize(measure[rows], sort=True)
    session_row = position[rows]
    of = episode[session_row]
    # the first rating of an episode, session and measure counts
    keep = ~pd.DataFrame({"s": session_row, "m": codes}).duplicated().to_numpy()
    rows, codes, session_row, of = rows[keep], codes[keep], session_row[keep], of[keep]
    sort = np.lexsort((session_row, codes, of))
    rows, codes, session_row, of = rows[sort], codes[sort], session_row[sort], of[sort]
    new_episode = np.ones(len(of), dtype=bool)
    new_episode[1:] = of[1:] != of[:-1]
    new_group = new_episode.copy()
    new_group[1:] |= codes[1:] != codes[:-1]
    count = np.cumsum(new_group)
    at_start = np.maximum.accumulate(np.where(new_episode, np.arange(len(of)), 0))
    order = (count - count[at_start] + 1).astype(np.intp) if len(of) else count.astype(np.intp)
    code_names = np.asarray(names, dtype=object)[codes]
    ids = ratings["episode_id"].to_numpy(dtype=object)[rows]
    age = pd.Series(ids).map(ages).astype(str).to_numpy(dtype=object)
    higher, cutoff, change = _other_thresholds(code_names, age, facts)
    return OtherScores(
        episode=of,
        row=session_row,
        measure=code_names,
        order=order,
        score=ratings["score"].to_numpy(dtype=np.float64)[rows],
        higher_is_better=higher,
        cutoff=cutoff,
        reliable_change=change,
    )


def _other_thresholds(
    codes: NDArray[np.object_], ages: NDArray[np.object_], facts: _Facts
) -> tuple[NDArray[np.bool_], Floats, Floats]:
    higher = np.zeros(len(codes), dtype=bool)
    cutoff, change = np.full(len(codes), np.nan), np.full(len(codes), np.nan)
    pairs = pd.DataFrame({"code": codes, "age": ages})
    groups = pairs.groupby(["code", "age"], sort=False).indices
    for key, index in groups.items():
        code, age = cast(tuple[str, str], key)
        own = facts.thresholds(str(code), str(age))
        higher[index] = facts.catalogue[str(code)].higher_is_better
        cutoff[index] = np.nan if own.cutoff is None else own.cutoff
        change[index] = np.nan if own.reliable_change is None else own.reliable_change
    return higher, cutoff, change
