"""Item-level ratings for simulated clinics: ORS/SRS lines, PHQ-9 and GAD-7 answers.

Split out of ``simulate.py`` to keep both modules short. Totals are generated first (by the clinic
model) and then shared out into items that respect each instrument's scale exactly: ORS/SRS
family lines 0-10 in steps of 0.1 (Miller & Duncan: 10 cm lines measured to the millimetre),
PHQ-9 and GAD-7 answers 0-3 (Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16(9):606-613;
Spitzer, Kroenke, Williams & Loewe 2006, Arch Intern Med 166(10):1092-1097).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["ITEM_COLUMNS", "clinic_ratings", "split_total"]

ITEM_COLUMNS = tuple(f"item_{i}" for i in range(1, 10))

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]


def split_total(
    rng: np.random.Generator, total: Ints, n_items: int, cap: int, spread: float
) -> Ints:
    """Share integer totals out into ``n_items`` integers in 0..``cap`` that add up exactly.

    Weights are gamma(``spread``) draws normalised per row (a symmetric Dirichlet: larger
    ``spread``, more similar items); the smaller side (the total, or its distance to the maximum
    ``n_items * cap``) is shared out, so near-ceiling totals get near-ceiling items; any share
    above ``cap`` is poured into the items with room, and rounding uses largest remainders
    (Hamilton's method), which keeps the sum exact.

    Parameters
    ----------
    rng : numpy.random.Generator
    total : ndarray of int
        Totals in 0..``n_items * cap``, one per row (e.g. tenths of a point for VAS lines).
    n_items, cap : int
        Items per row and the highest value of one item.
    spread : float
        Dirichlet concentration (above 0).

    Returns
    -------
    ndarray of int, shape (len(total), n_items)

    Examples
    --------
    >>> items = split_total(np.random.default_rng(0), np.array([0, 5, 27]), 9, 3, 3.0)
    >>> items.sum(axis=1).tolist(), int(items.max()) <= 3
    ([0, 5, 27], True)
    """
    if np.any((total < 0) | (total > n_items * cap)):
        raise ValueError(f"total: must be in 0..{n_items * cap}")
    flip = total > n_items * cap / 2
    amount = np.where(flip, n_items * cap - total, total).astype(np.int64)
    weights = rng.gamma(spread, size=(total.size, n_items))
    share = amount[:, None] * weights / weights.sum(axis=1, keepdims=True)
    for _ in range(n_items):
        excess = np.clip(share - cap, 0.0, None).sum(axis=1, keepdims=True)
        share = np.minimum(share, cap)
        room = cap - share
        share += excess * room / np.maximum(room.sum(axis=1, keepdims=True), 1e-12)
    parts = np.floor(share + 1e-9).astype(np.int64)
    missing = amount - parts.sum(axis=1)
    rank = np.argsort(np.argsort(parts - share, axis=1), axis=1)
    parts += rank < missing[:, None]
    return np.where(flip[:, None], cap - parts, parts)


def clinic_ratings(
    rng: np.random.Generator,
    episodes: pd.DataFrame,
    visits: pd.DataFrame,
    *,
    clinician_gap_mean: float,
) -> pd.DataFrame:
    """Long-format ratings for attended sessions: ORS/SRS, clinician SRS, PHQ-9 and GAD-7.

    Children (6-12) rate the Child ORS and Child SRS (``cors``, ``csrs``). The clinician's own
    SRS is the client's score without any dip plus N(``clinician_gap_mean``, 1), and 5% of the
    time 4-8 points more: clinicians rate sessions higher and miss ruptures (DOMAIN.md,
    misempathy). PHQ-9 and GAD-7 totals fall as the true ORS level rises (PHQ-9 = 15 + 0.5 *
    (19.6 - level) and GAD-7 = 12 + 0.4 * (19.6 - level), plus client and session noise:
    correlation with ORS about -.6, an assumption); PHQ-9 item 9 is above 0 only for risk
    clients, mostly when the total is 10 or more.

    Parameters
    ----------
    rng : numpy.random.Generator
    episodes : pandas.DataFrame
        One row per episode, positional index, with episode_id, clinician_id, client_id,
        age_group, clinician_rates, phq_gad, risk_client.
    visits : pandas.DataFrame
        One row per attended session, positional index, with row (episode position), session,
        date, level (true ORS level), ors, srs, srs_undipped (totals 0-40 in tenths).
    clinician_gap_mean : float
        Mean of clinician SRS minus client SRS.

    Returns
    -------
    pandas.DataFrame
        episode_id, clinician_id, client_id, session, date, measure, rater, age_group, score,
        item_1 .. item_9 (NaN beyond the measure's items).

    Examples
    --------
    >>> episodes = pd.DataFrame({"episode_id": [1], "clinician_id": [2], "client_id": [3],
    ...     "age_group": ["adult"], "clinician_rates": [False], "phq_gad": [False],
    ...     "risk_client": [False]})
    >>> visits = pd.DataFrame({"row": [0], "session": [1], "level": [20.0], "ors": [20.3],
    ...     "srs": [38.0], "srs_undipped": [38.0], "date": [np.datetime64("2025-01-06")]})
    >>> ratings = clinic_ratings(np.random.default_rng(1), episodes, visits, clinician_gap_mean=1.5)
    >>> ratings[["measure", "score"]].values.tolist()
    [['ors', 20.3], ['srs', 38.0]]
    """
    row = visits["row"].to_numpy()
    child = episodes["age_group"].to_numpy()[row] == "child"
    outcome, alliance = np.where(child, "cors", "ors"), np.where(child, "csrs", "srs")
    rated = episodes["clinician_rates"].to_numpy()[row] & (rng.random(row.size) < 0.7)
    gap = rng.normal(clinician_gap_mean, 1.0, row.size)
    gap += (rng.random(row.size) < 0.05) * rng.uniform(4.0, 8.0, row.size)
    own = visits["srs_undipped"].to_numpy() + gap
    frames = [
        _vas_frame(rng, visits, outcome, visits["ors"].to_numpy(), "client", 6.0),
        _vas_frame(rng, visits, alliance, visits["srs"].to_numpy(), "client", 25.0),
        _vas_frame(rng, visits[rated], alliance[rated], own[rated], "clinician", 25.0),
        *_symptom_frames(rng, episodes, visits[episodes["phq_gad"].to_numpy()[row]]),
    ]
    ratings = _label(pd.concat(frames, ignore_index=True), episodes, visits)
    return ratings.sort_values(["episode_id", "session", "measure", "rater"], ignore_index=True)


def _vas_frame(
    rng: np.random.Generator,
    visits: pd.DataFrame,
    measure: Any,
    score: Floats,
    rater: str,
    spread: float,
) -> pd.DataFrame:
    """Four 0-10 lines in tenths; the total is clipped to 0-40 first."""
    tenths = np.round(np.clip(score, 0.0, 40.0) * 10).astype(np.int64)
    items = split_total(rng, tenths, 4, 100, spread) / 10.0
    frame = pd.DataFrame(
        {"visit": visits.index.to_numpy(), "measure": measure, "rater": rater, "score": tenths / 10}
    )
    return frame.join(pd.DataFrame(items, columns=list(ITEM_COLUMNS[:4])))


def _symptom_frames(
    rng: np.random.Generator, episodes: pd.DataFrame, visits: pd.DataFrame
) -> list[pd.DataFrame]:
    row = visits["row"].to_numpy()
    worse = 19.6 - visits["level"].to_numpy()
    phq = _likert_total(rng, 15.0 + 0.5 * worse, (3.0, 2.5), row, len(episodes), 27)
    gad = _likert_total(rng, 12.0 + 0.4 * worse, (2.5, 2.0), row, len(episodes), 21)
    ninth = _item_nine(rng, phq, episodes["risk_client"].to_numpy()[row])
    phq_items = np.column_stack([split_total(rng, phq - ninth, 8, 3, 3.0), ninth])
    gad_items = split_total(rng, gad, 7, 3, 3.0)
    frames = []
    for code, total, items in (("phq9", phq, phq_items), ("gad7", gad, gad_items)):
        frame = pd.DataFrame(
            {"visit": visits.index.to_numpy(), "measure": code, "rater": "client", "score": total}
        )
        columns = list(ITEM_COLUMNS[: items.shape[1]])
        frames.append(frame.join(pd.DataFrame(items.astype(float), columns=columns)))
    return frames


def _likert_total(
    rng: np.random.Generator,
    mean: Floats,
    sds: tuple[float, float],
    row: Ints,
    n_episodes: int,
    top: int,
) -> Ints:
    """Integer totals: a mean plus a lasting client offset plus session noise, clipped to 0..top."""
    client = rng.normal(0.0, sds[0], n_episodes)[row]
    noisy = mean + client + rng.normal(0.0, sds[1], row.size)
    return np.clip(np.round(noisy), 0, top).astype(np.int64)


def _item_nine(rng: np.random.Generator, phq: Ints, risk_client: Bools) -> Ints:
    """Item 9 above 0 only for some clients, mostly when depressed, or when the total needs it."""
    endorse = risk_client & (phq >= 10) & (rng.random(phq.size) < 0.6)
    value = rng.choice([1, 2, 3], size=phq.size, p=[0.7, 0.2, 0.1]) * endorse
    return np.minimum(np.maximum(value, phq - 24), phq).astype(np.int64)


def _label(ratings: pd.DataFrame, episodes: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """Attach ids, session numbers and dates; every item column exists (NaN where unused)."""
    visit = ratings["visit"].to_numpy()
    row = visits["row"].to_numpy()[visit]
    labelled = pd.DataFrame(
        {
            "episode_id": episodes["episode_id"].to_numpy()[row],
            "clinician_id": episodes["clinician_id"].to_numpy()[row],
            "client_id": episodes["client_id"].to_numpy()[row],
            "session": visits["session"].to_numpy()[visit],
            "date": pd.to_datetime(visits["date"].to_numpy()[visit]),
            "measure": ratings["measure"].to_numpy(),
            "rater": ratings["rater"].to_numpy(),
            "age_group": episodes["age_group"].to_numpy()[row],
            "score": ratings["score"].to_numpy(dtype=float),
        }
    )
    items = ratings.reindex(columns=list(ITEM_COLUMNS)).to_numpy(dtype=float)
    return labelled.join(pd.DataFrame(items, columns=list(ITEM_COLUMNS)))
