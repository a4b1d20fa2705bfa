"""Tests for the research analysis (alliance.science.analysis, ratings_table, analysis_series).

Expected classes are recomputed here by hand from first and last scores with the published
figures, not the instrument files: ORS cutoff 25 for adults and 28 for adolescents, reliable
change 5 (Miller et al. 2003; Duncan et al. 2006); PHQ-9 caseness 10 or more, reliable change 6
(NHS Talking Therapies manual, NHS England 2024); Jacobson & Truax (1991) for the classes. NHS
Talking Therapies outcomes of the constructed episodes are worked out by hand from the manual's
definitions. The data are a small clinic from ``alliance.science.simulate``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance.science.analysis import (
    Analysis,
    AnalysisSettings,
    RatingsError,
    analyze_ratings,
    validate_ratings,
)
from alliance.science.simulate import ClinicParameters, simulate_clinic
from alliance.science.therapists import alliance_outcome_split, clinician_effects
from alliance.science.trajectories import default_model

FIXED_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ORS_NORMS = {"adult": (25.0, 5.0), "adolescent": (28.0, 5.0)}  # cutoff, reliable change


def read_as_text(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)


@pytest.fixture(scope="module")
def clinic_ratings(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The simulated clinic's ratings as the CSV file would give them: text."""
    clinic = simulate_clinic(ClinicParameters(n_clients=160, n_clinicians=6), seed=11)
    path = tmp_path_factory.mktemp("clinic") / "ratings.csv"
    clinic.ratings.to_csv(path, index=False)
    return read_as_text(path)


@pytest.fixture(scope="module")
def analysis(clinic_ratings: pd.DataFrame) -> Analysis:
    chosen = AnalysisSettings(min_episodes_for_fit=40, fitted_at=FIXED_TIME)
    return analyze_ratings(clinic_ratings, settings=chosen)


@pytest.fixture(scope="module")
def result(analysis: Analysis) -> dict[str, Any]:
    return json.loads(json.dumps(analysis.to_json_dict(), allow_nan=False))


def typed(ratings: pd.DataFrame) -> pd.DataFrame:
    frame = ratings.copy()
    frame["session"] = frame["session"].astype(int)
    frame["score"] = frame["score"].astype(float)
    return frame


def first_and_last(ratings: pd.DataFrame, measure: str) -> pd.DataFrame:
    rows = typed(ratings)
    rows = rows[(rows["measure"] == measure) & (rows["rater"] == "client")]
    rows = rows.sort_values(["episode_id", "session"])
    grouped = rows.groupby("episode_id")
    return pd.DataFrame(
        {
            "first": grouped["score"].first(),
            "last": grouped["score"].last(),
            "count": grouped.size(),
            "age_group": grouped["age_group"].first(),
        }
    )


def hand_class(first: float, last: float, cutoff: float, rc: float, higher: bool) -> str:
    gain = last - first if higher else first - last
    if gain <= -rc + 1e-9:
        return "reliably_deteriorated"
    if gain < rc - 1e-9:
        return "no_reliable_change"
    clinical_first = first < cutoff if higher else first >= cutoff
    clinical_last = last < cutoff if higher else last >= cutoff
    return "recovered" if clinical_first and not clinical_last else "reliably_improved"


def classes_of(result: dict[str, Any], measure: str) -> dict[str, str | None]:
    return {
        e["episode_id"]: e["classification"] for e in result["episodes"] if e["measure"] == measure
    }


# --- change classes against a hand computation ------------------------------------------------


def test_ors_classes_match_a_hand_computation_from_first_last_cutoff_and_reliable_change(
    clinic_ratings: pd.DataFrame, result: dict[str, Any]
) -> None:
    scores = first_and_last(clinic_ratings, "ors")
    several = scores[scores["count"] >= 2]
    expected = {
        episode: hand_class(row.first, row.last, *ORS_NORMS[row.age_group], higher=True)
        for episode, row in several.iterrows()
    }
    found = {k: v for k, v in classes_of(result, "ors").items() if v is not None}
    assert found == expected
    recovered = sum(1 for value in expected.values() if value == "recovered")
    assert result["summary"]["classification_counts"]["ors"]["recovered"] == recovered > 0


def test_phq9_classes_match_a_hand_computation_for_adults(
    clinic_ratings: pd.DataFrame, result: dict[str, Any]
) -> None:
    scores = first_and_last(clinic_ratings, "phq9")
    adults = scores[(scores["count"] >= 2) & (scores["age_group"] == "adult")]
    expected = {
        episode: hand_class(row.first, row.last, 10.0, 6.0, higher=False)
        for episode, row in adults.iterrows()
    }
    found = classes_of(result, "phq9")
    assert {episode: found[episode] for episode in expected} == expected
    assert len(set(expected.values())) >= 3


def test_an_adolescent_phq9_episode_is_unclassified_because_no_value_is_published(
    result: dict[str, Any],
) -> None:
    adolescents = [
        e for e in result["episodes"] if e["measure"] == "phq9" and e["age_group"] == "adolescent"
    ]
    assert adolescents
    assert all(e["classification"] is None for e in adolescents)
    assert all("no reliable-change value" in e["unclassified_reason"] for e in adolescents)


def test_an_episode_with_one_rating_has_no_change_and_no_class(
    clinic_ratings: pd.DataFrame, result: dict[str, Any]
) -> None:
    scores = first_and_last(clinic_ratings, "ors")
    single = set(scores.index[scores["count"] == 1])
    assert single
    for episode in result["episodes"]:
        if episode["measure"] == "ors" and episode["episode_id"] in single:
            assert episode["change"] is None and episode["classification"] is None
            assert episode["unclassified_reason"] == "only one rating in the episode"


def test_change_is_last_minus_first(result: dict[str, Any]) -> None:
    several = [e for e in result["episodes"] if e["n_ratings"] >= 2]
    assert all(e["change"] == pytest.approx(e["last"] - e["first"]) for e in several)


def test_every_episode_and_outcome_measure_has_one_entry(
    clinic_ratings: pd.DataFrame, result: dict[str, Any]
) -> None:
    outcome = clinic_ratings[clinic_ratings["measure"].isin(["ors", "cors", "phq9", "gad7"])]
    pairs = set(zip(outcome["episode_id"], outcome["measure"], strict=True))
    found = [(e["episode_id"], e["measure"]) for e in result["episodes"]]
    assert sorted(found) == sorted(pairs)


# --- NHS Talking Therapies -------------------------------------------------------------------


def ratings_table(*rows: tuple[Any, ...], columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Rows of (episode, session, measure, score, *extra columns) as CSV text."""
    names = ("episode_id", "session", "measure", "score", *columns)
    frame = pd.DataFrame([[str(v) for v in row] for row in rows], columns=list(names))
    frame.insert(1, "clinician_id", "c1")
    return frame


def phq_gad(episode: str, *pairs: tuple[int, int], age: str = "adult") -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for session, (phq, gad) in enumerate(pairs, start=1):
        rows += [(episode, session, "phq9", phq, age), (episode, session, "gad7", gad, age)]
    return rows


def test_nhs_outcomes_match_a_hand_computation_for_constructed_episodes() -> None:
    frame = ratings_table(
        *phq_gad("recovers", (15, 12), (11, 9), (7, 6)),
        *phq_gad("not_a_case_gets_worse", (8, 5), (15, 5)),
        *phq_gad("improves_but_anxious", (16, 10), (9, 9)),
        *phq_gad("better_mood_worse_anxiety", (14, 6), (6, 11)),
        *phq_gad("one_session", (15, 12)),
        *phq_gad("teenager", (15, 12), (5, 3), age="adolescent"),
        ("only_phq", 1, "phq9", 15, "adult"),
        ("only_phq", 2, "phq9", 5, "adult"),
        columns=("age_group",),
    )
    outcomes = {
        row["episode_id"]: row
        for row in analyze_ratings(frame).to_json_dict()["nhs_talking_therapies"]
    }
    flags = ("caseness", "recovered", "reliable_improvement", "reliable_recovery",
             "reliable_deterioration")  # fmt: skip
    expected = {
        # case (PHQ 15); both end below caseness; PHQ down 8 >= 6: recovery, reliable recovery
        "recovers": (True, True, True, True, False),
        # not a case (8 < 10, 5 < 8); PHQ up 7 >= 6: reliable deterioration only
        "not_a_case_gets_worse": (False, False, False, False, True),
        # case; PHQ down 7 reliable; GAD ends at 9 >= 8, so not recovered
        "improves_but_anxious": (True, False, True, False, False),
        # PHQ down 8, but GAD up 5 >= 4: deterioration cancels the improvement; GAD 11 >= 8
        "better_mood_worse_anxiety": (True, False, False, False, True),
        # a case, but one session is not a finished course: no outcome counted
        "one_session": (True, False, False, False, False),
    }
    assert set(outcomes) == set(expected)
    for episode, values in expected.items():
        assert tuple(outcomes[episode][flag] for flag in flags) == values, episode
    assert outcomes["one_session"]["finished_course"] is False
    assert outcomes["recovers"]["treatment_sessions"] == 3
    assert (outcomes["recovers"]["phq9_first"], outcomes["recovers"]["phq9_last"]) == (15, 7)


def test_the_talking_therapies_recovery_rate_is_over_cases_that_finished(
    result: dict[str, Any],
) -> None:
    rows = result["nhs_talking_therapies"]
    finished_cases = [r for r in rows if r["caseness"] and r["finished_course"]]
    totals = result["summary"]["nhs_talking_therapies"]
    assert totals["finished_cases"] == len(finished_cases) > 0
    recovered = sum(r["recovered"] for r in rows)
    assert totals["recovery_rate"] == pytest.approx(recovered / len(finished_cases))


# --- expected trajectories -------------------------------------------------------------------


def test_a_measure_with_enough_episodes_gets_a_local_fit_with_provenance(
    clinic_ratings: pd.DataFrame, result: dict[str, Any]
) -> None:
    ors = typed(clinic_ratings)
    ors = ors[ors["measure"] == "ors"]
    etr = result["etr"]["ors"]
    assert etr["source"] == "local_fit"
    # Fitted on the ratings after intake, the intake being the covariate (issue 18).
    per_episode = ors.groupby("episode_id").size()
    assert etr["model"]["fitted_on"]["n_episodes"] == int((per_episode > 1).sum())
    assert etr["model"]["fitted_on"]["n_ratings"] == len(ors) - len(per_episode)
    assert etr["model"]["fitted_at"] == FIXED_TIME.isoformat()
    assert etr["model"]["covariates"] == ["intake"]


def test_a_measure_with_few_episodes_uses_the_provisional_default(
    clinic_ratings: pd.DataFrame,
) -> None:
    result = analyze_ratings(clinic_ratings).to_json_dict()  # default: 300 episodes needed
    assert result["etr"]["ors"]["source"] == "provisional_default"
    assert result["etr"]["ors"]["model"] == json.loads(default_model("ors").to_json())
    assert result["etr"]["cors"]["model"] is None  # no published default for the Child ORS


def test_the_path_averages_each_ratings_expected_score_given_its_intake(
    clinic_ratings: pd.DataFrame,
) -> None:
    analysis = analyze_ratings(clinic_ratings)
    model = default_model("phq9")
    rows = typed(clinic_ratings)
    rows = rows[rows["measure"] == "phq9"].sort_values(["episode_id", "session"])
    intake = rows.groupby("episode_id")["score"].transform("first")
    expected = [
        float(model.expected_path(intake=i, sessions=[s]).expected[0])
        for i, s in zip(intake, rows["session"], strict=True)
    ]
    by_session = rows.assign(expected=expected).groupby("session")["expected"].mean()
    path = analysis.trajectories["phq9"].path.set_index("session")
    assert path["expected_mean"].to_numpy() == pytest.approx(by_session.to_numpy())
    assert path["observed_mean"].to_numpy() == pytest.approx(
        rows.groupby("session")["score"].mean().to_numpy()
    )


# --- alerts ----------------------------------------------------------------------------------


def test_a_client_below_the_expected_band_raises_not_on_track() -> None:
    boundary = default_model("ors").expected_path(intake=15.0, sessions=[3]).lower[0]
    frame = ratings_table(
        ("e1", 1, "ors", 15.0), ("e1", 2, "ors", 16.0), ("e1", 3, "ors", round(boundary - 0.5, 1))
    )
    alerts = analyze_ratings(frame).to_json_dict()["alerts"]
    off_track = [a for a in alerts if a["rule"] == "not_on_track"]
    assert [a["session"] for a in off_track] == [3]
    assert off_track[0]["evidence"]["expected_boundary"] == pytest.approx(boundary)
    assert off_track[0]["measure"] == "ors"


def test_phq9_item_9_above_zero_raises_a_risk_alert_on_its_date() -> None:
    items = {f"item_{n}": "1" for n in range(1, 10)}
    frame = ratings_table(
        ("e1", 1, "phq9", 9, "2025-03-03", *items.values()),
        ("e1", 2, "phq9", 8, "2025-03-10", *({**items, "item_9": "0", "item_8": "0"}.values())),
        columns=("date", *items),
    )
    alerts = analyze_ratings(frame).to_json_dict()["alerts"]
    risk = [a for a in alerts if a["rule"] == "risk_answer"]
    assert [a["session"] for a in risk] == [1]
    assert risk[0]["evidence"]["date"] == "2025-03-03"
    assert risk[0]["evidence"]["phq9_9"] == 1.0
    assert risk[0]["severity"] == "critical"


def test_a_risk_alert_of_an_undated_session_has_no_date() -> None:
    items = {f"item_{n}": "0" for n in range(1, 9)} | {"item_9": "2"}
    frame = ratings_table(("e1", 1, "phq9", 2, *items.values()), columns=tuple(items))
    (risk,) = analyze_ratings(frame).to_json_dict()["alerts"]
    assert risk["rule"] == "risk_answer" and risk["evidence"]["date"] is None


def test_a_clinician_rating_far_above_the_client_raises_rating_discrepancy() -> None:
    frame = ratings_table(
        ("e1", 1, "srs", 34.0, "client"),
        ("e1", 1, "srs", 39.0, "clinician"),
        columns=("rater",),
    )
    alerts = analyze_ratings(frame).to_json_dict()["alerts"]
    gap = [a for a in alerts if a["rule"] == "rating_discrepancy"]
    assert gap and gap[0]["evidence"]["gap"] == pytest.approx(5.0)
    assert gap[0]["measure"] is None  # no outcome measure in this episode


def test_srs_items_name_the_strained_part_of_the_alliance() -> None:
    frame = ratings_table(
        ("e1", 1, "srs", 37.0, "9.5", "7.5", "10", "10"),
        columns=("item_1", "item_2", "item_3", "item_4"),
    )
    (alert,) = analyze_ratings(frame).to_json_dict()["alerts"]
    assert alert["rule"] == "low_alliance"
    assert alert["evidence"]["lowest_item"] == "goals_and_topics"
    assert alert["advice_code"] == "renegotiate_goals"


def test_the_rules_read_ors_when_an_episode_has_ors_and_phq9(result: dict[str, Any]) -> None:
    with_both = {e["episode_id"] for e in result["episodes"] if e["measure"] == "phq9"}
    with_both &= {e["episode_id"] for e in result["episodes"] if e["measure"] == "ors"}
    alerts = [a for a in result["alerts"] if a["episode_id"] in with_both]
    assert with_both and {a["measure"] for a in alerts} <= {"ors", "phq9", "gad7"}
    # The PHQ-9 beside the ORS is judged only for its own reliable deterioration.
    assert {a["rule"] for a in alerts if a["measure"] in ("phq9", "gad7")} <= {
        "reliable_deterioration"
    }
    assert {a["rule"] for a in alerts if a["measure"] == "ors"} - {"reliable_deterioration"}


def test_alerts_of_the_clinic_match_the_rules_run_on_their_own(analysis: Analysis) -> None:
    rules = {found.alert.rule for found in analysis.alerts}
    assert {"low_alliance", "not_on_track", "risk_answer"} <= rules
    assert "ghosting_risk" not in rules  # a research file has no missed sessions


# --- clinicians and the alliance -------------------------------------------------------------


def episode_table(ratings: pd.DataFrame, measure: str) -> pd.DataFrame:
    scores = first_and_last(ratings, measure)
    scores = scores[scores["count"] >= 2]
    rows = typed(ratings).sort_values(["episode_id", "session"])
    clinician = rows.groupby("episode_id")["clinician_id"].last()
    srs = rows[(rows["measure"].isin(["srs", "csrs"])) & (rows["rater"] == "client")]
    alliance = srs.groupby("episode_id")["score"].mean()
    return scores.assign(clinician=clinician, alliance=alliance).rename(
        columns={"first": "intake", "last": "final"}
    )


def test_clinician_effects_are_fitted_on_each_episodes_last_score_and_intake(
    clinic_ratings: pd.DataFrame, analysis: Analysis
) -> None:
    table = episode_table(clinic_ratings, "ors")
    expected = clinician_effects(
        table, clinician="clinician", outcome="final", covariates=["intake"]
    )
    effects = analysis.clinicians["ors"].effects
    assert effects is not None
    assert effects.n_episodes == len(table)
    assert [e.estimate for e in effects.clinicians] == pytest.approx(
        [e.estimate for e in expected.clinicians]
    )


def test_hidden_clinicians_have_no_numbers_in_the_json(result: dict[str, Any]) -> None:
    clinicians = [
        c for r in result["clinicians"].values() if r["estimated"] for c in r["clinicians"]
    ]
    hidden = [c for c in clinicians if not c["shown"]]
    assert hidden, "the small clinic should have some small caseloads on some measure"
    assert all(c["estimate"] is None and c["lower"] is None for c in hidden)
    assert all(c["estimate"] is not None for c in clinicians if c["shown"])


def test_the_alliance_split_uses_each_episodes_mean_client_srs(
    clinic_ratings: pd.DataFrame, analysis: Analysis
) -> None:
    table = episode_table(clinic_ratings, "ors").dropna(subset=["alliance"])
    expected = alliance_outcome_split(
        table, clinician="clinician", alliance="alliance", outcome="final", covariates=["intake"]
    )
    split = analysis.alliance_outcome["ors"].split
    assert split is not None
    assert split.n_clients == expected.n_clients
    assert split.within.estimate == pytest.approx(expected.within.estimate)
    assert split.correlation == pytest.approx(expected.correlation)


def test_a_measure_too_small_for_clinician_effects_says_why() -> None:
    frame = ratings_table(("e1", 1, "ors", 20.0), ("e1", 2, "ors", 26.0))
    report = analyze_ratings(frame).to_json_dict()["clinicians"]["ors"]
    assert report["estimated"] is False
    assert "at least 2 clinicians" in report["note"]


# --- the JSON --------------------------------------------------------------------------------


def test_the_json_has_every_documented_section_and_episode_field(result: dict[str, Any]) -> None:
    assert {"format", "version", "summary", "settings", "episodes", "nhs_talking_therapies",
            "etr", "alerts", "clinicians", "alliance_outcome"} == set(result)  # fmt: skip
    assert set(result["episodes"][0]) == {
        "episode_id", "client_id", "clinician_id", "measure", "age_group", "n_ratings",
        "first_session", "last_session", "first", "last", "change", "cutoff",
        "reliable_change", "classification", "unclassified_reason",
    }  # fmt: skip
    assert set(result["nhs_talking_therapies"][0]) == {
        "episode_id", "phq9_first", "phq9_last", "gad7_first", "gad7_last",
        "treatment_sessions", "finished_course", "caseness", "recovered",
        "reliable_improvement", "reliable_recovery", "reliable_deterioration",
    }  # fmt: skip


def test_progress_is_reported_for_every_stage(clinic_ratings: pd.DataFrame) -> None:
    seen: list[tuple[str, int, int]] = []
    analyze_ratings(clinic_ratings, progress=lambda *call: seen.append(call))
    stages = {stage for stage, _, _ in seen}
    assert stages == {"checking rows", "changes", "expected trajectories", "alert rules",
                      "clinician effects"}  # fmt: skip
    alert_calls = [call for call in seen if call[0] == "alert rules"]
    assert alert_calls[-1] == ("alert rules", 160, 160)


def test_settings_refuse_a_band_percentile_of_fifty() -> None:
    with pytest.raises(ValueError, match="band_percentile: must be above 0 and below 50"):
        AnalysisSettings(band_percentile=50.0)


# --- bad input -------------------------------------------------------------------------------


def where(errors: list[Any]) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in errors]


def test_every_bad_row_is_reported_with_its_row_and_column() -> None:
    frame = ratings_table(
        ("e1", 1, "ors", "20.0", "client", "adult", "2025-01-06"),
        ("e1", 2, "ors", "forty", "client", "adult", "2025-01-13"),  # row 3
        ("e1", 0, "srs", "38", "client", "adult", "2025-01-13"),  # row 4
        ("e1", 3, "orz", "20", "client", "adult", "2025-01-20"),  # row 5
        ("e1", 3, "srs", "38", "mother", "adult", "2025-01-20"),  # row 6
        ("e1", 3, "ors", "41", "client", "elder", "2025-01-20"),  # row 7
        ("e1", 4, "ors", "22", "client", "adult", "20/01/2025"),  # row 8
        ("", 4, "srs", "", "client", "adult", "2025-01-27"),  # row 9
        columns=("rater", "age_group", "date"),
    )
    assert where(validate_ratings(frame)) == [
        (3, "score"),
        (4, "session"),
        (5, "measure"),
        (6, "rater"),
        (7, "age_group"),
        (7, "score"),
        (8, "date"),
        (9, "episode_id"),
        (9, "score"),
    ]


def test_a_missing_required_column_is_reported_on_the_header_row() -> None:
    frame = ratings_table(("e1", 1, "ors", 20.0)).drop(columns=["clinician_id"])
    (error,) = validate_ratings(frame)
    assert (error.row, error.column) == (1, "clinician_id")
    assert "episode_id, clinician_id, session, measure, score" in error.message


def test_an_unknown_measure_lists_the_known_ones() -> None:
    (error,) = validate_ratings(ratings_table(("e1", 1, "orz", 20.0)))
    assert "unknown measure 'orz'" in error.message and "ors, phq9, srs" in error.message


def test_a_score_outside_the_instruments_range_names_the_range() -> None:
    (error,) = validate_ratings(ratings_table(("e1", 1, "phq9", 28)))
    assert error.message == "28 is outside phq9's range 0 to 27"


def test_item_values_off_the_scale_are_reported() -> None:
    frame = ratings_table(
        ("e1", 1, "phq9", 3, "4", ""),  # PHQ-9 answers are 0-3
        ("e1", 1, "ors", 20, "7.35", ""),  # ORS lines are measured to the millimetre
        ("e1", 1, "srs", 38, "9.5", "9.5"),
        ("e1", 1, "gad7", 3, "1", "x"),
        columns=("item_1", "item_5"),
    )
    errors = validate_ratings(frame)
    assert where(errors) == [(2, "item_1"), (3, "item_1"), (4, "item_5"), (5, "item_5")]
    assert "one of 0, 1, 2, 3" in errors[0].message
    assert "srs has 4 items, so item_5 must be blank" in errors[2].message


def test_a_duplicate_rating_names_the_row_it_repeats() -> None:
    frame = ratings_table(("e1", 1, "ors", 20), ("e1", 2, "ors", 21), ("e1", 1, "ors", 22))
    (error,) = validate_ratings(frame)
    assert (error.row, error.column) == (4, "session")
    assert "already in row 2" in error.message


def test_the_same_session_by_client_and_clinician_is_not_a_duplicate() -> None:
    frame = ratings_table(
        ("e1", 1, "srs", 38, "client"), ("e1", 1, "srs", 39, "clinician"), columns=("rater",)
    )
    assert validate_ratings(frame) == []


def test_a_date_before_an_earlier_sessions_date_is_refused() -> None:
    frame = ratings_table(
        ("e1", 1, "ors", 20, "2025-02-01"),
        ("e1", 2, "ors", 21, "2025-01-01"),
        ("e1", 3, "ors", 22, ""),
        columns=("date",),
    )
    (error,) = validate_ratings(frame)
    assert (error.row, error.column) == (3, "date")
    assert "before an earlier session's date 2025-02-01" in error.message


def test_the_clinician_cannot_rate_an_outcome_measure_meant_for_the_client() -> None:
    (error,) = validate_ratings(
        ratings_table(("e1", 1, "ors", 20, "clinician"), columns=("rater",))
    )
    assert error.column == "rater" and "allowed for ors: client" in error.message


def test_an_empty_table_is_refused() -> None:
    (error,) = validate_ratings(ratings_table(("e1", 1, "ors", 20)).iloc[:0])
    assert "no ratings" in error.message


def test_analysis_of_a_bad_table_raises_with_every_error() -> None:
    frame = ratings_table(("e1", 0, "ors", 20), ("e1", 2, "ors", 50))
    with pytest.raises(RatingsError) as raised:
        analyze_ratings(frame)
    assert where(list(raised.value.errors)) == [(2, "session"), (3, "score")]


def test_numbers_and_text_read_the_same(clinic_ratings: pd.DataFrame) -> None:
    typed_rows = typed(clinic_ratings.head(200)).assign(date=lambda f: pd.to_datetime(f["date"]))
    from_text = analyze_ratings(clinic_ratings.head(200)).to_json_dict()["episodes"]
    assert analyze_ratings(typed_rows).to_json_dict()["episodes"] == from_text


def valid_ors_score(score: float | str) -> bool:
    if isinstance(score, str):
        return score == "1e1"  # scientific notation is a number (10)
    return 0 <= score <= 40


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.one_of(st.floats(-5, 45), st.sampled_from(["", "nan", "x", "1e1"])),
        min_size=1,
        max_size=12,
    )
)
def test_exactly_the_rows_with_a_bad_ors_score_are_reported(scores: list[Any]) -> None:
    frame = ratings_table(*(("e1", n, "ors", s) for n, s in enumerate(scores, start=1)))
    frame["score"] = [str(s) for s in scores]
    bad = [row for row, score in enumerate(scores, start=2) if not valid_ors_score(score)]
    assert [error.row for error in validate_ratings(frame)] == bad


def test_an_undated_file_still_gets_series_with_stand_in_dates() -> None:
    frame = ratings_table(("e1", 1, "srs", 35), ("e1", 2, "srs", 33))
    alerts = analyze_ratings(frame).alerts
    assert [(found.alert.rule, found.alert.session) for found in alerts] == [
        ("low_alliance", 2),
        ("alliance_drop", 2),
        ("low_alliance", 1),
    ]
    assert {found.dated for found in alerts} == {False}


def test_a_date_with_a_time_counts_as_the_day_written() -> None:
    frame = ratings_table(
        ("e1", 1, "ors", 20, "2025-01-06T23:30:00-05:00"),
        ("e1", 2, "ors", 21, "2025-01-13 09:00"),
        ("e1", 3, "ors", 22, "13/01/2025"),
        columns=("date",),
    )
    (error,) = validate_ratings(frame)
    assert (error.row, error.column) == (4, "date") and "YYYY-MM-DD" in error.message
    first_rating = analyze_ratings(frame.iloc[:2]).to_json_dict()["etr"]["ors"]
    assert first_rating["source"] == "provisional_default"
