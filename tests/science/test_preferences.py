"""C-NIP scales (Cooper & Norcross 2016: four scales, items 1-5, 6-10, 11-13 and 14-18, each
item -3 to 3, a scale the sum of its items) and CEQ factors (Devilly & Borkovec 2000:
credibility from think items 1-3, expectancy from think item 4 and feel items 5-6; items
standardised within a sample before summing; reference z-scores from scipy.stats.zscore with
ddof=1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import zscore

from alliance.science.instruments import load_instruments, score_response
from alliance.science.preferences import (
    CEQ_CREDIBILITY,
    CEQ_EXPECTANCY,
    CNIP_SCALES,
    ceq_scores,
    ceq_standardised,
    cnip_scales,
    strong_preferences,
)

INSTRUMENTS = load_instruments()


def neutral() -> dict[str, float]:
    return {f"cnip_{n}": 0 for n in range(1, 19)}


def test_the_cnip_file_carries_the_four_published_scales() -> None:
    subscales = {s.code: list(s.items) for s in INSTRUMENTS["cnip"].subscales}
    assert subscales == {
        "td_cd": [f"cnip_{n}" for n in range(1, 6)],
        "ei_er": [f"cnip_{n}" for n in range(6, 11)],
        "pao_pro": [f"cnip_{n}" for n in range(11, 14)],
        "ws_fc": [f"cnip_{n}" for n in range(14, 19)],
    }
    assert [s.code for s in CNIP_SCALES] == list(subscales)
    assert [s.items for s in CNIP_SCALES] == [tuple(v) for v in subscales.values()]


def test_cnip_items_run_from_minus_three_to_three() -> None:
    options = [o.value for o in INSTRUMENTS["cnip"].items[0].scale.options]
    assert sorted(options) == [-3, -2, -1, 0, 1, 2, 3]


def test_cnip_scale_ranges_follow_the_number_of_items() -> None:
    ranges = [(s.minimum, s.maximum) for s in cnip_scales(neutral())]
    assert ranges == [(-15, 15), (-15, 15), (-9, 9), (-15, 15)]


def test_a_scale_is_the_sum_of_its_items() -> None:
    answers = neutral() | {"cnip_1": 3, "cnip_2": -1, "cnip_3": 2, "cnip_14": -3}
    scores = {s.code: s.score for s in cnip_scales(answers)}
    assert scores == {"td_cd": 4, "ei_er": 0, "pao_pro": 0, "ws_fc": -3}


def test_strong_preferences_name_the_pole_leaned_to() -> None:
    answers = neutral() | {f"cnip_{n}": 2 for n in range(1, 6)}
    answers |= {"cnip_11": -3, "cnip_12": -2, "cnip_13": -1}  # mean -2: strong
    assert strong_preferences(answers) == ("therapist_directiveness", "present_orientation")


def test_a_slight_lean_is_no_strong_preference() -> None:
    answers = neutral() | {f"cnip_{n}": 1 for n in range(1, 19)}
    assert strong_preferences(answers) == ()


def test_the_cnip_refuses_a_missing_or_out_of_range_answer() -> None:
    answers = neutral()
    del answers["cnip_7"]
    with pytest.raises(ValueError, match="cnip_7: an answer is needed"):
        cnip_scales(answers)
    with pytest.raises(ValueError, match="cnip_2: 4 is outside -3 to 3"):
        cnip_scales(neutral() | {"cnip_2": 4})


@given(st.lists(st.integers(-3, 3), min_size=18, max_size=18))
def test_cnip_scales_agree_with_the_instrument_file_subscales(answers: list[int]) -> None:
    values = {f"cnip_{n}": float(v) for n, v in enumerate(answers, 1)}
    by_file = score_response(INSTRUMENTS["cnip"], values).subscales
    assert {s.code: s.score for s in cnip_scales(values)} == by_file


def test_the_ceq_file_carries_the_two_published_factors() -> None:
    subscales = {s.code: s.items for s in INSTRUMENTS["ceq"].subscales}
    assert subscales == {"credibility": CEQ_CREDIBILITY, "expectancy": CEQ_EXPECTANCY}


def test_ceq_percentage_items_run_from_0_to_100_in_tens() -> None:
    items = {item.code: item for item in INSTRUMENTS["ceq"].items}
    assert [o.value for o in items["ceq_4"].scale.options] == list(range(0, 101, 10))
    assert [o.value for o in items["ceq_1"].scale.options] == list(range(1, 10))


def test_ceq_credibility_is_the_sum_of_the_first_three_think_items() -> None:
    scores = ceq_scores({"ceq_1": 9, "ceq_2": 5, "ceq_3": 1, "ceq_4": 0, "ceq_5": 1, "ceq_6": 0})
    assert (scores.credibility, scores.expectancy) == (15, 3)


def test_ceq_expectancy_rescales_the_percentages_onto_one_to_nine() -> None:
    scores = ceq_scores({"ceq_1": 1, "ceq_2": 1, "ceq_3": 1, "ceq_4": 100, "ceq_5": 9, "ceq_6": 50})
    assert scores.expectancy == 9 + 9 + 5
    assert (scores.expected_improvement_think, scores.expected_improvement_feel) == (100, 50)


def test_ceq_refuses_a_percentage_outside_the_scale() -> None:
    with pytest.raises(ValueError, match="ceq_6: 120 is outside 0 to 100"):
        ceq_scores({"ceq_1": 1, "ceq_2": 1, "ceq_3": 1, "ceq_4": 0, "ceq_5": 1, "ceq_6": 120})


def test_ceq_standardised_sums_item_z_scores_as_scipy_computes_them() -> None:
    sample = [
        {"ceq_1": 7, "ceq_2": 6, "ceq_3": 8, "ceq_4": 40, "ceq_5": 5, "ceq_6": 30},
        {"ceq_1": 3, "ceq_2": 4, "ceq_3": 2, "ceq_4": 20, "ceq_5": 3, "ceq_6": 10},
        {"ceq_1": 9, "ceq_2": 8, "ceq_3": 9, "ceq_4": 90, "ceq_5": 8, "ceq_6": 80},
        {"ceq_1": 5, "ceq_2": 5, "ceq_3": 6, "ceq_4": 50, "ceq_5": 6, "ceq_6": 60},
    ]
    z = {code: zscore([r[code] for r in sample], ddof=1) for code in sample[0]}
    expected = [
        (sum(z[c][i] for c in CEQ_CREDIBILITY), sum(z[c][i] for c in CEQ_EXPECTANCY))
        for i in range(len(sample))
    ]
    got = ceq_standardised(sample)
    for (cred, exp), (want_cred, want_exp) in zip(got, expected, strict=True):
        assert cred == pytest.approx(want_cred)
        assert exp == pytest.approx(want_exp)


def test_ceq_standardised_needs_a_sample() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        ceq_standardised([{"ceq_1": 1}])
