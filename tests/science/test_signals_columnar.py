"""The columnar twins of the alert rules (``alliance analyze``, issue 16) raise exactly the
alerts of the per-episode rules, the reference: each episode's series
(:func:`alliance.science.analysis_series.episode_series`) run through
:func:`alliance.science.signals.evaluate`. Same alerts, evidence, advice and order, and the same
JSON byte for byte, on a simulated clinic with blanks and gaps where every rule a research file
can fire does fire."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest

from alliance.cli.analyze import json_chunks
from alliance.science.alert_table import AlertTable, evaluate_columns
from alliance.science.analysis import AnalysisSettings, _primary_outcomes, analyze_ratings
from alliance.science.analysis_columns import session_columns
from alliance.science.analysis_outcomes import (
    episode_changes,
    episode_facts,
    in_session_order,
    outcome_ratings,
)
from alliance.science.analysis_records import EpisodeAlert, alert_record
from alliance.science.analysis_series import episode_series
from alliance.science.instruments import load_instruments
from alliance.science.ratings_table import RatingsTable, read_ratings
from alliance.science.signals import RULES, SignalSettings, evaluate
from alliance.science.simulate import ClinicParameters, simulate_clinic
from alliance.science.trajectories import TrajectoryModel, default_model

CATALOGUE = load_instruments()
MODELS = {code: default_model(code) for code in ("ors", "phq9")}
# A research file has no missed sessions, so the missed-session rule cannot fire from one.
FIRED_BY_A_FILE = {rule.__name__ for rule in RULES} - {"ghosting_risk"}


def _clinic() -> RatingsTable:
    ratings = simulate_clinic(ClinicParameters(n_clients=250, n_clinicians=5), seed=16).ratings
    rng = np.random.default_rng(16)
    # Blanks a file may have: alliance items, risk answers, dates; a run of sessions without
    # the outcome measure in some episodes; perfect alliance totals; episodes with no outcome.
    ratings.loc[rng.random(len(ratings)) < 0.1, "item_2"] = np.nan
    ratings.loc[rng.random(len(ratings)) < 0.2, "item_9"] = np.nan
    ratings["date"] = ratings["date"].astype(object).where(rng.random(len(ratings)) > 0.1, "")
    episodes = ratings["episode_id"].unique()
    ratings.loc[ratings["episode_id"].isin(episodes[3::5]), "date"] = ""  # no date at all
    gaps = ratings["episode_id"].isin(episodes[::9]) & ratings["session"].between(2, 5)
    ratings = ratings[~(gaps & (ratings["measure"] == "ors"))]
    ratings = ratings[
        ~(ratings["episode_id"].isin(episodes[1::23]) & (ratings["measure"] == "ors"))
    ]
    perfect = ratings["episode_id"].isin(episodes[2::11]) & (ratings["measure"] == "srs")
    ratings.loc[perfect, ["score", "item_1", "item_2", "item_3", "item_4"]] = [40, 10, 10, 10, 10]
    return read_ratings(ratings, instruments=CATALOGUE)


@pytest.fixture(scope="module")
def table() -> RatingsTable:
    return _clinic()


@pytest.fixture(scope="module")
def clinic(table: RatingsTable) -> pd.DataFrame:
    return in_session_order(table.ratings)


def _primary(ratings: pd.DataFrame) -> pd.Series:
    outcome = outcome_ratings(ratings, CATALOGUE)
    changes = episode_changes(outcome, episode_facts(ratings), CATALOGUE)
    return _primary_outcomes(changes, AnalysisSettings().outcome_order)


def _reference(
    ratings: pd.DataFrame, settings: SignalSettings, models: Mapping[str, TrajectoryModel] = MODELS
) -> list[EpisodeAlert]:
    """The per-episode path: a series per episode, then every rule on it."""
    found = []
    for series, dated in episode_series(
        ratings,
        _primary(ratings),
        models,
        CATALOGUE,
        alliance_measures=("srs", "csrs"),
        percentile=25.0,
    ):
        measure = series.measure or None
        found.extend(
            EpisodeAlert(series.episode, alert.measure or measure, alert, dated[alert.session])
            for alert in evaluate(series, settings)
        )
    return found


def _columnar(ratings: pd.DataFrame, settings: SignalSettings) -> AlertTable:
    columns = session_columns(
        ratings,
        _primary(ratings),
        MODELS,
        CATALOGUE,
        alliance_measures=("srs", "csrs"),
        percentile=25.0,
        settings=settings,
    )
    return evaluate_columns(columns, settings)


SETTINGS = [
    SignalSettings(),
    SignalSettings(
        alliance_drop=2.5, rating_discrepancy=2.0, perfect_streak=2, missing_outcome_streak=2
    ),
]


@pytest.mark.parametrize("settings", SETTINGS, ids=["defaults", "other_thresholds"])
def test_the_twins_raise_the_alerts_of_the_rules_in_their_order(
    clinic: pd.DataFrame, settings: SignalSettings
) -> None:
    reference, columnar = _reference(clinic, settings), _columnar(clinic, settings)
    assert len(columnar) == len(reference) > 500
    assert list(columnar) == reference
    assert (columnar[3], columnar[-1], columnar[5:8]) == (
        reference[3],
        reference[-1],
        reference[5:8],
    )
    assert list(columnar.records()) == [alert_record(found) for found in reference]


@pytest.mark.parametrize("rule", sorted(FIRED_BY_A_FILE))
def test_each_twin_fires_where_its_rule_does(clinic: pd.DataFrame, rule: str) -> None:
    reference = [found for found in _reference(clinic, SETTINGS[0]) if found.alert.rule == rule]
    columnar = [found for found in _columnar(clinic, SETTINGS[0]) if found.alert.rule == rule]
    assert reference  # the clinic makes every rule fire
    assert columnar == reference


def test_other_outcome_measures_and_undated_risk_answers_are_among_them(
    clinic: pd.DataFrame,
) -> None:
    found = list(_columnar(clinic, SETTINGS[0]).records())
    assert any(r["rule"] == "reliable_deterioration" and "measure" in r["evidence"] for r in found)
    assert any(r["rule"] == "risk_answer" and r["evidence"]["date"] is None for r in found)
    assert any(r["rule"] == "low_alliance" and r["severity"] == "low" for r in found)


def test_the_analysis_json_is_the_same_byte_for_byte(
    table: RatingsTable, clinic: pd.DataFrame
) -> None:
    analysis = analyze_ratings(table, instruments=CATALOGUE)
    assert isinstance(analysis.alerts, AlertTable)
    models = {m: r.model for m, r in analysis.trajectories.items() if r.model is not None}
    reference = _reference(clinic, SignalSettings(), models)
    by_episode = dataclasses.replace(analysis, alerts=tuple(reference))
    fast = "".join(json_chunks(analysis.json_sections()))
    plain = "".join(json_chunks(by_episode.json_sections()))
    assert fast == plain
    assert analysis.summary()["alerts_by_rule"] == by_episode.summary()["alerts_by_rule"]
