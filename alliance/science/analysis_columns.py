"""Every episode of a ratings table as the alert rules' inputs in columns
(:class:`.signal_columns.SessionColumns`), for the columnar twins of the rules
(:mod:`alliance.science.signals_columnar`): the same inputs per session as
:func:`alliance.science.analysis_series.episode_series` puts in each episode's series (the
reference, which ``tests/science/test_signals_columnar.py`` compares them with), without one
object per session (issue 16).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from alliance.science.analysis_series import (
    _Facts,
    _session_positions,
    alliance_item_columns,
    expected_for_ratings,
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
    position = _session_positions(ratings, _count_sessions(ratings))
    starts = (
        np.flatnonzero(np.r_[True, position[1:] != position[:-1]]) if len(position) else position
    )
    ids = ratings["episode_id"].to_numpy(dtype=object)[starts]
    first = np.ones(len(ids), dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    episode = np.cumsum(first, dtype=np.intp) - 1
    of_rating = episode[position]
    episode_ids = [str(e) for e in ids[first].tolist()]
    scores = ratings["score"].to_numpy(dtype=np.float64)
    measure = ratings["measure"].to_numpy(dtype=object)
    rater = ratings["rater"].to_numpy(dtype=object)
    counted = ~np.isnan(scores)
    client, clinician = counted & (rater == "client"), counted & (rater == "clinician")
    codes, names = pd.factorize(measure)
    code_of = {str(name): k for k, name in enumerate(names.tolist())}
    primary_of = primary.reindex(episode_ids).to_numpy(dtype=object)
    chosen = _codes(primary_of, code_of)[of_rating]
    bonds = _alliance_choice(codes, of_rating, len(episode_ids), alliance_measures, code_of)
    bond = _codes(bonds, code_of)[of_rating]

    def first_rows(rows: NDArray[np.bool_]) -> Indices:
        found = np.flatnonzero(rows)
        at = np.full(len(starts), -1, dtype=np.intp)
        where, firsts = np.unique(position[found], return_index=True)
        at[where] = found[firsts]
        return at

    def totals(at: Indices) -> Floats:
        return np.where(at >= 0, scores[np.maximum(at, 0)], np.nan) if len(at) else scores[:0]

    number = ratings["session"].to_numpy(dtype=np.int64)[starts]
    outcome = totals(first_rows(client & (codes == chosen)))
    first_alliance = first_rows(client & (codes == bond))
    boundary = _boundaries(
        ratings, (codes == chosen) & (rater == "client"), of_rating, episode, number,
        primary_of, models, catalogue, percentile,
    )  # fmt: skip
    scored = np.zeros(len(episode_ids), dtype=bool)
    scored[episode[~np.isnan(outcome)]] = True
    ages = pd.Series(ratings["age_group"].to_numpy(dtype=object)[starts[first]], episode_ids)
    facts = _Facts(catalogue, overrides)
    days, dated = _days(ratings, position, episode, len(starts))
    chosen_text = np.asarray(primary_of, dtype=object)[of_rating]
    bond_series = pd.Series(bonds, episode_ids).dropna()
    return SessionColumns(
        episode=episode,
        number=number,
        day=days,
        dated=dated,
        outcome=outcome,
        boundary=np.where(scored[episode], boundary, np.nan),
        alliance=totals(first_alliance),
        clinician=totals(first_rows(clinician & (codes == bond))),
        items=_items(first_alliance, ratings, measure, catalogue),
        risks={k: tuple(v) for k, v in risks_by_session(ratings, catalogue, position).items()},
        episodes=_episodes(episode_ids, primary, bond_series, ages, facts, settings),
        others=_others(ratings, chosen_text, client, position, episode, ages, facts),
    )


def _count_sessions(ratings: pd.DataFrame) -> int:
    if len(ratings) == 0:
        return 0
    episode = ratings["episode_id"].to_numpy(dtype=object)
    session = ratings["session"].to_numpy()
    return 1 + int(np.count_nonzero((episode[1:] != episode[:-1]) | (session[1:] != session[:-1])))


def _codes(values: NDArray[np.object_], code_of: Mapping[str, int]) -> Indices:
    """Measure codes as :func:`pandas.factorize` numbered them (-2: none, -1: not rated)."""
    return np.array(
        [-2 if not isinstance(v, str) else code_of.get(v, -1) for v in values.tolist()],
        dtype=np.intp,
    )


def _alliance_choice(
    codes: Indices,
    of_rating: Indices,
    n_episodes: int,
    measures: Sequence[str],
    code_of: Mapping[str, int],
) -> NDArray[np.object_]:
    """Per episode, the first of ``measures`` it has a rating of (None: none), as
    :func:`.analysis_series._alliance_choice`."""
    rank = np.full(len(code_of) + 1, len(measures), dtype=np.intp)
    for place, code in enumerate(measures):
        if code in code_of:
            rank[code_of[code]] = min(rank[code_of[code]], place)
    best = np.full(n_episodes, len(measures), dtype=np.intp)
    np.minimum.at(best, of_rating, rank[codes])
    chosen = np.array([*measures, None], dtype=object)
    return chosen[best]


def _days(
    ratings: pd.DataFrame, position: Indices, episode: Indices, n_sessions: int
) -> tuple[NDArray[np.datetime64], NDArray[np.bool_]]:
    """Each session's first date in the file and whether it had one; an undated session takes
    the date before it in the episode, else the one after (as
    :func:`.analysis_series._session_dates`)."""
    dates = ratings["date"].to_numpy(dtype="datetime64[ns]")
    valid = np.flatnonzero(~np.isnat(dates))
    day = np.full(n_sessions, np.datetime64("NaT", "ns"))
    where, firsts = np.unique(position[valid], return_index=True)
    day[where] = dates[valid[firsts]]
    dated = ~np.isnat(day)
    at = np.arange(n_sessions)
    begin = np.maximum.accumulate(np.where(np.r_[True, episode[1:] != episode[:-1]], at, 0))
    end = np.minimum.accumulate(
        np.where(np.r_[episode[1:] != episode[:-1], True], at, n_sessions)[::-1]
    )[::-1]
    before = np.maximum.accumulate(np.where(dated, at, -1)) if n_sessions else at
    after = np.minimum.accumulate(np.where(dated, at, n_sessions)[::-1])[::-1]
    filled = day.copy()
    use_before = ~dated & (before >= begin)
    filled[use_before] = day[before[use_before]]
    use_after = ~dated & ~use_before & (after <= end)
    filled[use_after] = day[after[use_after]]
    return filled.astype("datetime64[D]"), dated


def _boundaries(
    ratings: pd.DataFrame,
    rows: NDArray[np.bool_],
    of_rating: Indices,
    episode: Indices,
    number: NDArray[np.int64],
    primary_of: NDArray[np.object_],
    models: Mapping[str, TrajectoryModel],
    catalogue: Mapping[str, Instrument],
    percentile: float,
) -> Floats:
    """The worse edge of each session's expected band, from its episode's intake (its first
    client score on the outcome measure) at and after the intake's session, as
    :func:`.analysis_series._with_outcome`."""
    n_episodes = len(primary_of)
    found = np.flatnonzero(rows)
    intake_session = np.full(n_episodes, np.nan)
    where, firsts = np.unique(of_rating[found], return_index=True)
    sessions = ratings["session"].to_numpy(dtype=np.float64)
    intake_session[where] = sessions[found[firsts]]
    scores = ratings["score"].to_numpy(dtype=np.float64)
    scored = found[~np.isnan(scores[found])]
    intake = np.full(n_episodes, np.nan)
    where, firsts = np.unique(of_rating[scored], return_index=True)
    intake[where] = scores[scored[firsts]]
    boundary = np.full(len(episode), np.nan)
    measure = np.asarray(primary_of, dtype=object)[episode]
    for code, model in models.items():
        with np.errstate(invalid="ignore"):
            mask = (measure == code) & (number >= intake_session[episode])
        if not mask.any():
            continue
        _, lower, upper = expected_for_ratings(
            model, intake[episode[mask]], number[mask], percentile
        )
        boundary[mask] = lower if catalogue[code].higher_is_better else upper
    return boundary


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
        columns = alliance_item_columns(catalogue[str(code)], ratings)
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


def _plain_dict(series: pd.Series) -> dict[Any, Any]:
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
