"""The research CLI's series of each episode, read from the table's columns (issue 16), are the
series :func:`alliance.science.series.episode_series` makes from one record per rating, as the
web app does: same sessions, outcome and alliance scores, items, risk answers, other measures,
thresholds and expected boundaries."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from alliance.science.analysis import _primary_outcomes
from alliance.science.analysis_outcomes import (
    episode_changes,
    episode_facts,
    in_session_order,
    outcome_ratings,
)
from alliance.science.analysis_series import UNDATED, _alliance_choice, episode_series
from alliance.science.instruments import load_instruments
from alliance.science.ratings_table import read_ratings
from alliance.science.series import EpisodeSeries, RatingRecord, SessionRecord
from alliance.science.series import episode_series as build_series
from alliance.science.simulate import ClinicParameters, simulate_clinic
from alliance.science.trajectories import TrajectoryModel, default_model

CATALOGUE = load_instruments()


def _table(ratings: pd.DataFrame) -> pd.DataFrame:
    return in_session_order(read_ratings(ratings, instruments=CATALOGUE).ratings)


def _by_records(
    ratings: pd.DataFrame, primary: pd.Series, models: dict[str, TrajectoryModel]
) -> list[EpisodeSeries]:
    """Each episode's series the plain way: a RatingRecord per rating, then the builder."""
    alliance = _alliance_choice(ratings, ("srs", "csrs"))
    built = []
    for episode, rows in ratings.groupby("episode_id", sort=False):
        dates = rows.groupby("session", sort=True)["date"].first()
        days = dates.ffill().bfill()
        sessions = [
            SessionRecord(int(n), UNDATED if pd.isna(d) else d.date()) for n, d in days.items()
        ]
        records = []
        for row in rows.itertuples(index=False):
            instrument = CATALOGUE[row.measure]
            items = {
                item.code: float(getattr(row, f"item_{item.number}"))
                for item in instrument.items
                if f"item_{item.number}" in rows
                and not math.isnan(getattr(row, f"item_{item.number}"))
            }
            records.append(RatingRecord(int(row.session), row.measure, row.score, items, row.rater))
        built.append(
            build_series(
                str(episode),
                sessions,
                records,
                CATALOGUE,
                outcome_measure=primary.get(episode),
                alliance_measure=alliance.get(episode),
                age_group=str(rows["age_group"].iloc[0]),
                model=models.get(primary.get(episode)),
                percentile=25.0,
            )
        )
    return built


def _read(
    ratings: pd.DataFrame, models: dict[str, TrajectoryModel]
) -> tuple[list[EpisodeSeries], pd.Series]:
    outcome = outcome_ratings(ratings, CATALOGUE)
    changes = episode_changes(outcome, episode_facts(ratings), CATALOGUE)
    primary = _primary_outcomes(changes, ("ors", "cors", "phq9", "gad7"))
    found = episode_series(
        ratings, primary, models, CATALOGUE, alliance_measures=("srs", "csrs"), percentile=25.0
    )
    return [series for series, _ in found], primary


@pytest.fixture(scope="module")
def clinic() -> pd.DataFrame:
    ratings = simulate_clinic(ClinicParameters(n_clients=150, n_clinicians=6), seed=7).ratings
    # Blanks where a file may have them: some alliance items, some risk answers, some dates.
    rng = np.random.default_rng(7)
    ratings.loc[rng.random(len(ratings)) < 0.1, "item_2"] = np.nan
    ratings.loc[rng.random(len(ratings)) < 0.2, "item_9"] = np.nan
    ratings["date"] = ratings["date"].astype(object).where(rng.random(len(ratings)) > 0.1, "")
    return _table(ratings)


def test_the_series_read_from_columns_are_those_built_from_records(clinic: pd.DataFrame) -> None:
    models = {code: default_model(code) for code in ("ors", "phq9")}
    fast, primary = _read(clinic, models)
    plain = _by_records(clinic, primary, models)
    assert len(fast) == len(plain) > 100
    assert fast == plain


def test_the_inputs_the_rules_read_are_all_there(clinic: pd.DataFrame) -> None:
    fast, _ = _read(clinic, {"ors": default_model("ors")})
    points = [point for series in fast for point in series.sessions]
    assert any(point.risk_answers for point in points)
    assert any(point.clinician_alliance is not None for point in points)
    assert any(len(point.alliance_items) == 3 for point in points)  # a blank item left out
    assert any(point.expected_boundary is not None for point in points)
    assert any(series.measures for series in fast)


def test_ratings_out_of_session_order_are_refused(clinic: pd.DataFrame) -> None:
    shuffled = clinic.sample(frac=1.0, random_state=1).reset_index(drop=True)
    with pytest.raises(ValueError, match="episode and session order"):
        _read(shuffled, {})
