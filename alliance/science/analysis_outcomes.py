"""Per-episode outcomes of a ratings table: change, its class, and NHS Talking Therapies outcomes.

Part of :mod:`alliance.science.analysis` (split out to keep modules short). Input is the typed,
checked table of :func:`alliance.science.ratings_table.read_ratings`, put in session order by
:func:`in_session_order`.

References
----------
Jacobson NS, Truax P (1991). Clinical significance: a statistical approach to defining meaningful
change in psychotherapy research. Journal of Consulting and Clinical Psychology 59(1):12-19.
NHS England (2024). NHS Talking Therapies for anxiety and depression manual, version 7.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from alliance.science.change import CHANGE_CLASSES, classify_changes, talking_therapies_outcomes
from alliance.science.instruments import Instrument, cutoff_for, reliable_change_for
from alliance.science.trajectories import INTAKE, TIME, log_session

__all__ = [
    "class_counts",
    "episode_changes",
    "episode_facts",
    "in_session_order",
    "outcome_ratings",
    "talking_therapies_table",
    "talking_therapies_totals",
]


def in_session_order(ratings: pd.DataFrame) -> pd.DataFrame:
    """Episodes in order of first appearance in the file, sessions in number order.

    Examples
    --------
    >>> from alliance.science.instruments import load_instruments
    >>> from alliance.science.ratings_table import read_ratings
    >>> ratings = in_session_order(read_ratings(pd.DataFrame({
    ...     "episode_id": ["b", "a", "a", "b"], "clinician_id": ["c1", "c2", "c1", "c1"],
    ...     "session": ["2", "2", "1", "1"], "measure": ["ors"] * 4,
    ...     "score": ["27.5", "21", "20", "18"]})).ratings)
    >>> ratings[["episode_id", "session"]].values.tolist()
    [['b', 1], ['b', 2], ['a', 1], ['a', 2]]
    """
    order = pd.factorize(ratings["episode_id"])[0]
    return (
        ratings.assign(_episode_order=order)
        .sort_values(["_episode_order", "session", "row"], kind="stable")
        .drop(columns="_episode_order")
        .reset_index(drop=True)
    )


def episode_facts(ratings: pd.DataFrame) -> pd.DataFrame:
    """Per episode: client, clinician at the last session, age group at the first session and
    the number of sessions with any rating (index: episode id, in file order).

    Examples
    --------
    >>> from alliance.science.instruments import load_instruments
    >>> from alliance.science.ratings_table import read_ratings
    >>> ratings = in_session_order(read_ratings(pd.DataFrame({
    ...     "episode_id": ["b", "a", "a", "b"], "clinician_id": ["c1", "c2", "c1", "c1"],
    ...     "session": ["2", "2", "1", "1"], "measure": ["ors"] * 4,
    ...     "score": ["27.5", "21", "20", "18"]})).ratings)
    >>> episode_facts(ratings)[["clinician_id", "n_sessions"]].values.tolist()
    [['c1', 2], ['c2', 2]]
    """
    grouped = ratings.groupby("episode_id", sort=False)
    return pd.DataFrame(
        {
            "client_id": grouped["client_id"].first(),
            "clinician_id": grouped["clinician_id"].last(),
            "age_group": grouped["age_group"].first(),
            "n_sessions": grouped["session"].nunique(),
        }
    )


def outcome_ratings(ratings: pd.DataFrame, catalogue: Mapping[str, Instrument]) -> pd.DataFrame:
    """The client's ratings on outcome measures, with the episode's intake score on that measure
    (its first score, :data:`~alliance.science.trajectories.INTAKE`) and t = ln(session) (Finch,
    Lambert & Schaalje 2001, :data:`~alliance.science.trajectories.TIME`).

    Examples
    --------
    >>> from alliance.science.instruments import load_instruments
    >>> from alliance.science.ratings_table import read_ratings
    >>> ratings = in_session_order(read_ratings(pd.DataFrame({
    ...     "episode_id": ["b", "a", "a", "b"], "clinician_id": ["c1", "c2", "c1", "c1"],
    ...     "session": ["2", "2", "1", "1"], "measure": ["ors"] * 4,
    ...     "score": ["27.5", "21", "20", "18"]})).ratings)
    >>> outcome_ratings(ratings, load_instruments())[["intake", "log_session"]].values[1].tolist()
    [18.0, 0.6931471805599453]
    """
    kinds = ratings["measure"].map({code: i.kind for code, i in catalogue.items()})
    outcome = ratings[(kinds == "outcome") & (ratings["rater"] == "client")].copy()
    firsts = outcome.groupby(["episode_id", "measure"], sort=False)["score"].transform("first")
    outcome[INTAKE] = firsts
    outcome[TIME] = log_session(outcome["session"].to_numpy())
    return outcome


def episode_changes(
    outcome: pd.DataFrame, episodes: pd.DataFrame, catalogue: Mapping[str, Instrument]
) -> pd.DataFrame:
    """One row per episode and outcome measure: first and last score, change and its class.

    change = last - first (by session number), None with one rating; the class is Jacobson &
    Truax's (1991) with the instrument file's cutoff and reliable-change value for the episode's
    age group (:func:`alliance.science.change.classify_changes`); ``unclassified_reason`` says
    why a class is missing (one rating, or no published value for the age group).

    Examples
    --------
    >>> from alliance.science.instruments import load_instruments
    >>> from alliance.science.ratings_table import read_ratings
    >>> ratings = in_session_order(read_ratings(pd.DataFrame({
    ...     "episode_id": ["b", "a", "a", "b"], "clinician_id": ["c1", "c2", "c1", "c1"],
    ...     "session": ["2", "2", "1", "1"], "measure": ["ors"] * 4,
    ...     "score": ["27.5", "21", "20", "18"]})).ratings)
    >>> catalogue = load_instruments()
    >>> changes = episode_changes(outcome_ratings(ratings, catalogue), episode_facts(ratings),
    ...                           catalogue)
    >>> changes[["episode_id", "change", "classification"]].values.tolist()
    [['b', 9.5, 'recovered'], ['a', 1.0, 'no_reliable_change']]
    """
    grouped = outcome.groupby(["episode_id", "measure"], sort=False)
    changes = grouped.agg(
        n_ratings=("score", "size"),
        first_session=("session", "first"),
        last_session=("session", "last"),
        first=("score", "first"),
        last=("score", "last"),
    ).reset_index()
    changes = changes.join(episodes, on="episode_id")
    several = changes["n_ratings"] >= 2
    changes["change"] = (changes["last"] - changes["first"]).where(several)
    columns = ["episode_id", "client_id", "clinician_id", "measure", "age_group", "n_sessions"]
    rest = ["n_ratings", "first_session", "last_session", "first", "last", "change"]
    return _classified(changes[columns + rest], catalogue)


def _norms(changes: pd.DataFrame, catalogue: Mapping[str, Instrument]) -> pd.DataFrame:
    """The instrument file's cutoff and reliable-change value per measure and age group."""
    rows = []
    for measure, age_group in sorted(
        set(zip(changes["measure"], changes["age_group"], strict=True))
    ):
        cutoff = cutoff_for(catalogue[measure], age_group)
        rc = reliable_change_for(catalogue[measure], age_group)
        rows.append(
            {
                "measure": measure,
                "age_group": age_group,
                "cutoff": np.nan if cutoff is None else cutoff.total,
                "reliable_change": np.nan if rc is None else rc.points,
            }
        )
    return pd.DataFrame(rows, columns=["measure", "age_group", "cutoff", "reliable_change"])


def _classified(changes: pd.DataFrame, catalogue: Mapping[str, Instrument]) -> pd.DataFrame:
    norms = _norms(changes, catalogue)
    changes = changes.merge(norms, on=["measure", "age_group"], how="left")
    classes = np.full(len(changes), None, dtype=object)
    for measure, age_group, cutoff, rc in norms.itertuples(index=False):
        rows = (changes["measure"] == measure) & (changes["age_group"] == age_group)
        chosen = (rows & (changes["n_ratings"] >= 2)).to_numpy()
        if np.isnan(rc) or not chosen.any():
            continue
        codes = classify_changes(
            changes.loc[chosen, "first"],
            changes.loc[chosen, "last"],
            cutoff=None if np.isnan(cutoff) else float(cutoff),
            reliable_change=float(rc),
            higher_is_better=catalogue[measure].higher_is_better,
        )
        classes[chosen] = [CHANGE_CLASSES[code].value for code in codes]
    reasons = pd.Series(None, index=changes.index, dtype=object)
    reasons[changes["n_ratings"] < 2] = "only one rating in the episode"
    no_value = changes["reliable_change"].isna()
    reasons[no_value] = (
        changes["measure"]
        + " publishes no reliable-change value for the age group "
        + changes["age_group"]
    )[no_value]
    return changes.assign(classification=classes, unclassified_reason=reasons)


def talking_therapies_table(changes: pd.DataFrame) -> pd.DataFrame:
    """NHS Talking Therapies outcomes for adult episodes rated on both PHQ-9 and GAD-7.

    The service and its thresholds are for adults (NHS England 2024); ``treatment_sessions``
    counts the episode's sessions with any rating, so a course with one session is unfinished.
    Definitions: :func:`alliance.science.change.talking_therapies_outcomes`.

    Examples
    --------
    >>> changes = pd.DataFrame({"episode_id": ["e1", "e1"], "measure": ["phq9", "gad7"],
    ...     "age_group": ["adult", "adult"], "n_sessions": [4, 4], "first": [15.0, 12.0],
    ...     "last": [7.0, 6.0]})
    >>> row = talking_therapies_table(changes).iloc[0]
    >>> bool(row["caseness"]), bool(row["recovered"]), bool(row["reliable_recovery"])
    (True, True, True)
    """
    adult = changes[changes["age_group"] == "adult"].set_index("episode_id")
    phq, gad = (adult[adult["measure"] == code] for code in ("phq9", "gad7"))
    both = phq.index.intersection(gad.index, sort=False)
    phq, gad = phq.loc[both], gad.loc[both]
    sessions = phq["n_sessions"].to_numpy(dtype=np.int64)
    outcomes = talking_therapies_outcomes(
        phq9_first=phq["first"],
        phq9_last=phq["last"],
        gad7_first=gad["first"],
        gad7_last=gad["last"],
        treatment_sessions=sessions,
    )
    return pd.DataFrame(
        {
            "episode_id": both.to_numpy(dtype=object),
            "phq9_first": phq["first"].to_numpy(),
            "phq9_last": phq["last"].to_numpy(),
            "gad7_first": gad["first"].to_numpy(),
            "gad7_last": gad["last"].to_numpy(),
            "treatment_sessions": sessions,
            "finished_course": outcomes.finished_course,
            "caseness": outcomes.caseness,
            "recovered": outcomes.recovered,
            "reliable_improvement": outcomes.reliable_improvement,
            "reliable_recovery": outcomes.reliable_recovery,
            "reliable_deterioration": outcomes.reliable_deterioration,
        }
    )


def class_counts(episodes: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Episodes per class of change and measure, with ``unclassified`` for those without one.

    Examples
    --------
    >>> episodes = pd.DataFrame({"measure": ["ors", "ors"], "classification": ["recovered", None]})
    >>> class_counts(episodes)["ors"]["recovered"], class_counts(episodes)["ors"]["unclassified"]
    (1, 1)
    """
    counts: dict[str, dict[str, int]] = {}
    for measure, rows in episodes.groupby("measure", sort=True):
        found = rows["classification"].value_counts()
        counts[str(measure)] = {c.value: int(found.get(c.value, 0)) for c in CHANGE_CLASSES}
        counts[str(measure)]["unclassified"] = int(rows["classification"].isna().sum())
    return counts


def talking_therapies_totals(outcomes: pd.DataFrame) -> dict[str, Any]:
    """Totals and the recovery rate as NHS Talking Therapies reports it: recovered over cases
    that finished a course (at least two sessions; NHS England 2024).

    Examples
    --------
    >>> outcomes = pd.DataFrame({"caseness": [True, True], "finished_course": [True, False],
    ...     "recovered": [True, False], "reliable_improvement": [True, False],
    ...     "reliable_recovery": [True, False], "reliable_deterioration": [False, False]})
    >>> talking_therapies_totals(outcomes)["recovery_rate"]
    1.0
    """
    finished_cases = int((outcomes["caseness"] & outcomes["finished_course"]).sum())
    recovered = int(outcomes["recovered"].sum())
    return {
        "n_episodes": len(outcomes),
        "caseness": int(outcomes["caseness"].sum()),
        "finished_cases": finished_cases,
        "recovered": recovered,
        "reliable_improvement": int(outcomes["reliable_improvement"].sum()),
        "reliable_recovery": int(outcomes["reliable_recovery"].sum()),
        "reliable_deterioration": int(outcomes["reliable_deterioration"].sum()),
        "recovery_rate": recovered / finished_cases if finished_cases else None,
    }
