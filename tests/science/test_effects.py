"""Pre-post and severity-adjusted effect sizes (alliance.science.effects)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alliance.science.effects import pre_post_effect, severity_adjusted_effect

# Totals as the measures give them: tenths of a point from 0 to 40.
scores = st.lists(st.integers(0, 400).map(lambda tenths: tenths / 10), min_size=3, max_size=30)


def test_pre_post_d_is_mean_change_over_intake_sd_as_in_seidel_miller_chow_2014() -> None:
    # By hand: changes 6, 4, 2 (mean 4); intake SD of 10, 20, 30 is 10 (ddof 1).
    effect = pre_post_effect([10, 20, 30], [16, 24, 32], higher_is_better=True)
    assert effect.d == pytest.approx(0.4)


def test_a_fall_on_a_symptom_measure_counts_as_improvement() -> None:
    effect = pre_post_effect([20, 15, 10], [10, 10, 10], higher_is_better=False)
    assert effect.mean_change == pytest.approx(5.0) and effect.d == pytest.approx(1.0)


def test_it_reports_no_d_for_one_episode_or_no_intake_spread() -> None:
    assert pre_post_effect([12], [6], higher_is_better=False).d is None
    assert pre_post_effect([12, 12], [6, 8], higher_is_better=False).d is None
    assert pre_post_effect([], [], higher_is_better=True).n == 0


def test_it_refuses_arrays_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="first, last"):
        pre_post_effect([1, 2], [1], higher_is_better=True)


def test_it_refuses_a_missing_score() -> None:
    with pytest.raises(ValueError, match="finite"):
        severity_adjusted_effect([1, 2], [1, np.nan], [1, 2], higher_is_better=True)


def test_clients_changing_exactly_as_expected_have_a_zero_adjusted_effect() -> None:
    effect = severity_adjusted_effect(
        [10, 20, 30], [16, 24, 32], [16, 24, 32], higher_is_better=True
    )
    assert effect.effect == pytest.approx(0.0)


@given(scores, st.floats(-10, 10))
def test_a_constant_surplus_over_the_expected_path_gives_surplus_over_sd(
    first: list[float], surplus: float
) -> None:
    start = np.array(first)
    expected = start + 3.0
    effect = severity_adjusted_effect(start, expected + surplus, expected, higher_is_better=True)
    if np.ptp(start) > 0:
        sd = np.std(start, ddof=1)
        assert effect.effect == pytest.approx(surplus / sd, rel=1e-9, abs=1e-9)
    else:
        assert effect.effect is None
