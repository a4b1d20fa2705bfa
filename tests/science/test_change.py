"""Reliable and clinically significant change, and NHS Talking Therapies outcomes.

Check values: SD 7.5, r .80 -> reliable-change threshold 9.2969 (CECPfuns package tests); SD 5,
r .80 -> SEM 2.2361, S_diff 3.1623, and clinical 40 (7.5) / functional 60 (7.5) -> a 55, b 45,
c 50 (clinicalsignificance package tests); formulas from Jacobson & Truax (1991). Talking Therapies
thresholds from the NHS Talking Therapies manual (NHS England 2024).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from alliance.science.change import (
    CHANGE_CLASSES,
    GAD7_CASENESS,
    GAD7_RELIABLE_CHANGE,
    PHQ9_CASENESS,
    PHQ9_RELIABLE_CHANGE,
    ChangeClass,
    CutoffPoints,
    TalkingTherapiesOutcome,
    classify_change,
    classify_changes,
    classify_episode,
    classify_goal_changes,
    clinical_cutoffs,
    reliable_change_index,
    reliable_change_threshold,
    standard_error_of_difference,
    standard_error_of_measurement,
    talking_therapies_outcome,
    talking_therapies_outcomes,
)
from alliance.science.instruments import cutoff_for, load_instruments, reliable_change_for

INSTRUMENTS = load_instruments()
RECOVERED = ChangeClass.RECOVERED
IMPROVED = ChangeClass.RELIABLY_IMPROVED
UNCHANGED = ChangeClass.NO_RELIABLE_CHANGE
DETERIORATED = ChangeClass.RELIABLY_DETERIORATED

# --- Jacobson & Truax ------------------------------------------------------------------------


def test_standard_errors_match_the_clinicalsignificance_package() -> None:
    assert standard_error_of_measurement(5, 0.8) == pytest.approx(2.2361, abs=5e-5)
    assert standard_error_of_difference(5, 0.8) == pytest.approx(3.1623, abs=5e-5)


def test_reliable_change_threshold_matches_cecpfuns() -> None:
    assert reliable_change_threshold(7.5, 0.8) == pytest.approx(9.2969, abs=5e-5)


def test_reliable_change_threshold_with_z_196_is_930_as_often_printed() -> None:
    assert reliable_change_threshold(7.5, 0.8, z=1.96) == pytest.approx(9.30, abs=5e-3)


def test_reliable_change_index_is_the_change_over_s_diff() -> None:
    s_diff = standard_error_of_difference(7.5, 0.8)
    assert reliable_change_index(20, 30, sd=7.5, reliability=0.8) == pytest.approx(10 / s_diff)
    assert reliable_change_index(30, 20, sd=7.5, reliability=0.8) == pytest.approx(-10 / s_diff)


@pytest.mark.parametrize(
    ("sd", "reliability", "message"),
    [
        (0, 0.8, "sd: must be above 0"),
        (-1, 0.8, "sd: must be above 0"),
        (7.5, 1.0, "reliability: must be from 0 up to"),
        (7.5, -0.1, "reliability: must be from 0 up to"),
        (float("nan"), 0.8, "sd: must be a finite number"),
        (7.5, True, "reliability: must be a number"),
    ],
)
def test_it_refuses_impossible_sds_and_reliabilities(
    sd: float, reliability: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        reliable_change_threshold(sd, reliability)


def test_clinical_cutoffs_match_the_clinicalsignificance_package() -> None:
    points = clinical_cutoffs(
        clinical_mean=40, clinical_sd=7.5, functional_mean=60, functional_sd=7.5
    )
    assert points == CutoffPoints(a=55.0, b=45.0, c=50.0)


def test_clinical_cutoffs_mirror_when_lower_is_better() -> None:
    points = clinical_cutoffs(
        clinical_mean=60, clinical_sd=7.5, functional_mean=40, functional_sd=5,
        higher_is_better=False,
    )  # fmt: skip
    assert points == CutoffPoints(a=45.0, b=50.0, c=(7.5 * 40 + 5 * 60) / 12.5)


def test_cutoff_c_lies_as_many_sds_from_each_mean() -> None:
    points = clinical_cutoffs(clinical_mean=40, clinical_sd=10, functional_mean=60, functional_sd=5)
    assert (points.c - 40) / 10 == pytest.approx((60 - points.c) / 5)


def test_it_refuses_a_functional_mean_on_the_clinical_side() -> None:
    with pytest.raises(ValueError, match=r"functional_mean: must be above clinical_mean \(40\)"):
        clinical_cutoffs(clinical_mean=40, clinical_sd=7.5, functional_mean=30, functional_sd=7.5)


# --- classifying change ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (18, 27, RECOVERED),  # clinical -> non-clinical, +9
        (20, 25, RECOVERED),  # ends exactly on the cutoff: non-clinical, and 5 is reliable
        (25, 30, IMPROVED),  # starts on the cutoff: not clinical at the start, so not "recovered"
        (10, 15, IMPROVED),  # reliable but still clinical
        (20.3, 25.3, RECOVERED),  # 4.999999999999998 in binary still counts as 5
        (20, 24.9, UNCHANGED),
        (30, 25.1, UNCHANGED),
        (30, 25, DETERIORATED),
        (28, 18, DETERIORATED),
    ],
)
def test_ors_changes_are_classified_with_cutoff_25_and_reliable_change_5(
    first: float, last: float, expected: ChangeClass
) -> None:
    assert (
        classify_change(first, last, cutoff=25, reliable_change=5, higher_is_better=True)
        == expected
    )


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (16, 9, RECOVERED),
        (16, 10, IMPROVED),
        (10, 4, RECOVERED),
        (9, 3, IMPROVED),
        (12, 7, UNCHANGED),
        (4, 10, DETERIORATED),
    ],
)
def test_phq9_changes_are_classified_with_cutoff_10_and_reliable_change_6(
    first: float, last: float, expected: ChangeClass
) -> None:
    assert (
        classify_change(first, last, cutoff=10, reliable_change=6, higher_is_better=False)
        == expected
    )


def test_a_score_on_the_cutoff_belongs_to_the_upper_side() -> None:
    # ORS 25 is non-clinical; PHQ-9 10 is clinical.
    assert classify_change(20, 25, cutoff=25, reliable_change=5, higher_is_better=True) == RECOVERED
    assert classify_change(16, 10, cutoff=10, reliable_change=6, higher_is_better=False) == IMPROVED
    assert classify_change(10, 4, cutoff=10, reliable_change=6, higher_is_better=False) == RECOVERED


def test_without_a_cutoff_no_one_is_recovered() -> None:
    assert classify_change(0, 40, cutoff=None, reliable_change=5, higher_is_better=True) == IMPROVED


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"first": float("nan")}, "first: must be a finite number"),
        ({"last": "20"}, "last: must be a number"),
        ({"reliable_change": 0}, "reliable_change: must be a positive number"),
        ({"cutoff": float("inf")}, "cutoff: must be a finite number"),
    ],
)
def test_classify_change_refuses_bad_input(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, Any] = {"first": 10, "last": 20, "cutoff": 25, "reliable_change": 5}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        classify_change(**arguments, higher_is_better=True)


scores = st.floats(-100, 100, allow_nan=False).map(lambda x: round(x, 1))
thresholds = st.floats(0.5, 20).map(lambda x: round(x, 2))
cutoffs = st.none() | scores


@given(scores, scores, cutoffs, thresholds, st.booleans())
def test_swapping_the_direction_mirrors_the_class(
    first: float, last: float, cutoff: float | None, rc: float, higher: bool
) -> None:
    # On the cutoff itself the tie goes to the upper side, which negation turns into the lower.
    assume(cutoff is None or cutoff not in (first, last))
    mirrored_cutoff = None if cutoff is None else -cutoff
    assert classify_change(
        first, last, cutoff=cutoff, reliable_change=rc, higher_is_better=higher
    ) == classify_change(
        -first, -last, cutoff=mirrored_cutoff, reliable_change=rc, higher_is_better=not higher
    )


@given(scores, cutoffs, thresholds, st.booleans())
def test_no_change_is_never_reliable(
    score: float, cutoff: float | None, rc: float, higher: bool
) -> None:
    assert (
        classify_change(score, score, cutoff=cutoff, reliable_change=rc, higher_is_better=higher)
        == UNCHANGED
    )


@given(scores, scores, cutoffs, thresholds, st.booleans())
def test_reversing_time_turns_improvement_into_deterioration(
    first: float, last: float, cutoff: float | None, rc: float, higher: bool
) -> None:
    forward = classify_change(
        first, last, cutoff=cutoff, reliable_change=rc, higher_is_better=higher
    )
    backward = classify_change(
        last, first, cutoff=cutoff, reliable_change=rc, higher_is_better=higher
    )
    assert (forward in (RECOVERED, IMPROVED)) == (backward == DETERIORATED)
    assert (forward == UNCHANGED) == (backward == UNCHANGED)


@given(
    st.lists(st.tuples(scores, scores), min_size=1, max_size=30), cutoffs, thresholds, st.booleans()
)
def test_the_vectorised_classification_agrees_with_the_scalar_one(
    pairs: list[tuple[float, float]], cutoff: float | None, rc: float, higher: bool
) -> None:
    first, last = np.array(pairs).T
    codes = classify_changes(
        first, last, cutoff=cutoff, reliable_change=rc, higher_is_better=higher
    )
    assert codes.dtype == np.int8
    assert [CHANGE_CLASSES[code] for code in codes] == [
        classify_change(a, b, cutoff=cutoff, reliable_change=rc, higher_is_better=higher)
        for a, b in pairs
    ]


def test_the_vectorised_classification_refuses_a_missing_score_naming_the_row() -> None:
    with pytest.raises(ValueError, match="last: row 1 is nan, not a finite number"):
        classify_changes(
            [10, 12], [20, np.nan], cutoff=25, reliable_change=5, higher_is_better=True
        )


def test_the_vectorised_classification_refuses_unpaired_scores() -> None:
    with pytest.raises(ValueError, match="scores must have the same shape"):
        classify_changes([10, 12], [20], cutoff=25, reliable_change=5, higher_is_better=True)


# --- using the instrument files --------------------------------------------------------------


def test_an_adolescents_ors_uses_the_adolescent_cutoff() -> None:
    ors = INSTRUMENTS["ors"]
    assert classify_episode(ors, 20, 27, age_group="adult") == RECOVERED
    assert classify_episode(ors, 20, 27, age_group="adolescent") == IMPROVED


def test_classify_episode_uses_the_phq9_file() -> None:
    assert classify_episode(INSTRUMENTS["phq9"], 16, 9, age_group="adult") == RECOVERED
    assert classify_episode(INSTRUMENTS["phq9"], 16, 10.5, age_group="adult") == UNCHANGED


def test_classify_episode_refuses_an_age_group_without_a_reliable_change_value() -> None:
    with pytest.raises(ValueError, match="age_group: ors has no published reliable-change value"):
        classify_episode(INSTRUMENTS["ors"], 20, 27, age_group="child")


def test_classify_episode_refuses_a_total_outside_the_instrument() -> None:
    with pytest.raises(ValueError, match="last: 28 is outside phq9's range 0 to 27"):
        classify_episode(INSTRUMENTS["phq9"], 16, 28, age_group="adult")


def test_goal_based_outcomes_are_classified_per_goal_not_per_episode() -> None:
    gbo = INSTRUMENTS["gbo"]
    with pytest.raises(ValueError, match="gbo: change is judged per goal"):
        classify_episode(gbo, 2, 8, age_group="adult")
    changes = classify_goal_changes(
        gbo, {"gbo_1": 2, "gbo_2": 6, "gbo_3": 5}, {"gbo_1": 7, "gbo_2": 3}, age_group="adult"
    )
    assert changes == {"gbo_1": IMPROVED, "gbo_2": DETERIORATED}


def test_classify_goal_changes_refuses_a_measure_that_is_not_goal_based() -> None:
    with pytest.raises(ValueError, match="phq9: not a goal-based measure"):
        classify_goal_changes(INSTRUMENTS["phq9"], {}, {}, age_group="adult")


# --- NHS Talking Therapies -------------------------------------------------------------------


def outcome(
    phq: tuple[float, float], gad: tuple[float, float], sessions: int | None = None
) -> TalkingTherapiesOutcome:
    return talking_therapies_outcome(
        phq9_first=phq[0], phq9_last=phq[1], gad7_first=gad[0], gad7_last=gad[1],
        treatment_sessions=sessions,
    )  # fmt: skip


def test_the_instrument_files_agree_with_the_talking_therapies_thresholds() -> None:
    expected = {
        "phq9": (PHQ9_CASENESS, PHQ9_RELIABLE_CHANGE),
        "gad7": (GAD7_CASENESS, GAD7_RELIABLE_CHANGE),
    }
    for code, (caseness, reliable) in expected.items():
        instrument = INSTRUMENTS[code]
        cutoff, change = cutoff_for(instrument, "adult"), reliable_change_for(instrument, "adult")
        assert cutoff is not None and cutoff.total == caseness
        assert change is not None and change.points == reliable


@pytest.mark.parametrize(
    ("phq_first", "gad_first", "case"),
    [(10, 0, True), (9, 7, False), (0, 8, True), (9.9, 7.9, False)],
)
def test_caseness_is_phq9_10_or_gad7_8_at_the_start(
    phq_first: float, gad_first: float, case: bool
) -> None:
    assert outcome((phq_first, 0), (gad_first, 0)).caseness is case


def test_a_case_who_ends_below_caseness_on_both_measures_has_recovered() -> None:
    result = outcome((12, 9), (9, 7))
    assert (result.recovered, result.reliable_improvement, result.reliable_recovery) == (
        True, False, False
    )  # fmt: skip


def test_ending_at_caseness_on_either_measure_is_not_recovery() -> None:
    assert not outcome((20, 10), (12, 2)).recovered
    assert not outcome((20, 2), (12, 8)).recovered


def test_someone_who_was_never_a_case_cannot_recover() -> None:
    assert not outcome((9, 0), (7, 0)).recovered


@pytest.mark.parametrize(
    ("phq", "gad", "improved", "deteriorated"),
    [
        ((15, 9), (10, 10), True, False),  # PHQ-9 down 6
        ((15, 10), (10, 7), False, False),  # down 5 and 3: not reliable
        ((15, 15), (10, 6), True, False),  # GAD-7 down 4
        ((15, 8), (5, 9), False, True),  # PHQ-9 down 7 but GAD-7 up 4
        ((8, 14), (5, 5), False, True),  # PHQ-9 up 6
    ],
)
def test_reliable_improvement_needs_no_reliable_deterioration_on_the_other_measure(
    phq: tuple[int, int], gad: tuple[int, int], improved: bool, deteriorated: bool
) -> None:
    result = outcome(phq, gad)
    assert (result.reliable_improvement, result.reliable_deterioration) == (improved, deteriorated)


def test_reliable_recovery_is_recovery_with_reliable_improvement() -> None:
    result = outcome((16, 8), (12, 5))
    assert result.recovered and result.reliable_improvement and result.reliable_recovery


def test_a_course_with_one_treatment_session_is_not_a_finished_course() -> None:
    result = outcome((16, 8), (12, 5), sessions=1)
    assert result.finished_course is False and result.caseness
    assert not (result.recovered or result.reliable_improvement or result.reliable_recovery)
    assert outcome((16, 8), (12, 5), sessions=2).finished_course is True
    assert outcome((16, 8), (12, 5)).finished_course is None


@pytest.mark.parametrize(
    ("phq", "gad", "sessions", "message"),
    [
        ((28, 0), (0, 0), None, "phq9_first: 28 is outside 0 to 27"),
        ((0, 0), (0, -1), None, "gad7_last: -1 is outside 0 to 21"),
        ((0, 0), (0, 0), -1, "treatment_sessions: must be 0 or more"),
        ((0, 0), (0, 0), 2.5, "treatment_sessions: must be a whole number"),
    ],
)
def test_talking_therapies_refuses_impossible_input(
    phq: tuple[float, float], gad: tuple[float, float], sessions: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        outcome(phq, gad, sessions)


phq_scores = st.integers(0, 27) | st.floats(0, 27).map(lambda x: round(x * 8) / 8)
gad_scores = st.integers(0, 21) | st.floats(0, 21).map(lambda x: round(x * 8) / 8)


@given(
    st.lists(
        st.tuples(phq_scores, phq_scores, gad_scores, gad_scores, st.integers(0, 20)),
        min_size=1,
        max_size=25,
    )
)
def test_the_vectorised_talking_therapies_outcome_agrees_with_the_scalar_one(
    rows: list[tuple[float, float, float, float, int]],
) -> None:
    columns = list(zip(*rows, strict=True))
    outcomes = talking_therapies_outcomes(
        phq9_first=columns[0], phq9_last=columns[1], gad7_first=columns[2], gad7_last=columns[3],
        treatment_sessions=np.array(columns[4]),
    )  # fmt: skip
    for index, row in enumerate(rows):
        single = outcome((row[0], row[1]), (row[2], row[3]), row[4])
        for field in ("caseness", "recovered", "reliable_improvement", "reliable_recovery",
                      "reliable_deterioration", "finished_course"):  # fmt: skip
            assert bool(getattr(outcomes, field)[index]) == getattr(single, field), field


@given(phq_scores, phq_scores, gad_scores, gad_scores)
def test_reliable_recovery_implies_recovery_and_never_deterioration(
    phq_first: float, phq_last: float, gad_first: float, gad_last: float
) -> None:
    result = outcome((phq_first, phq_last), (gad_first, gad_last))
    if result.reliable_recovery:
        assert result.recovered and result.reliable_improvement and result.caseness
    assert not (result.reliable_improvement and result.reliable_deterioration)


def test_vectorised_talking_therapies_refuses_out_of_range_rows() -> None:
    with pytest.raises(ValueError, match=r"gad7_first: row 1 is 22\.0, outside 0 to 21"):
        talking_therapies_outcomes(
            phq9_first=[1, 2], phq9_last=[1, 2], gad7_first=[1, 22], gad7_last=[1, 2]
        )


def test_vectorised_talking_therapies_without_sessions_leaves_finished_course_unknown() -> None:
    outcomes = talking_therapies_outcomes(
        phq9_first=[16], phq9_last=[8], gad7_first=[12], gad7_last=[5]
    )
    assert outcomes.finished_course is None and outcomes.reliable_recovery.tolist() == [True]
    assert math.isclose(float(outcomes.caseness.mean()), 1.0)
