"""Change before treatment (``alliance.science.pretreatment``): baseline to first session."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alliance.science.pretreatment import pre_treatment_change


def test_it_counts_reliable_change_at_the_value_itself() -> None:
    # ORS: a change of 5 points or more is reliable (Miller et al. 2003); 25.3 - 20.3 counts.
    found = pre_treatment_change(
        [20.3, 20.0, 30.0], [25.3, 24.9, 24.0], higher_is_better=True, reliable_change=5.0
    )
    assert (found.n, found.improved, found.deteriorated) == (3, 1, 1)
    assert found.mean_change == pytest.approx((5.0 + 4.9 - 6.0) / 3)


def test_lower_is_better_turns_the_sign() -> None:
    # PHQ-9: 18 at booking, 11 at the first session is 7 points better (reliable change 6).
    found = pre_treatment_change([18.0], [11.0], higher_is_better=False, reliable_change=6.0)
    assert (found.mean_change, found.improved) == (7.0, 1)


def test_no_reliable_change_value_counts_none() -> None:
    found = pre_treatment_change([10.0], [30.0], higher_is_better=True, reliable_change=None)
    assert (found.improved, found.deteriorated) == (0, 0)


def test_it_refuses_lists_of_different_lengths_and_non_numbers() -> None:
    with pytest.raises(ValueError, match="same length"):
        pre_treatment_change([1.0, 2.0], [1.0], higher_is_better=True, reliable_change=5.0)
    with pytest.raises(ValueError, match="baseline"):
        pre_treatment_change([math.nan], [1.0], higher_is_better=True, reliable_change=5.0)


@given(st.lists(st.tuples(st.floats(0, 40), st.floats(0, 40)), max_size=30))
def test_the_improved_and_the_deteriorated_never_exceed_n(pairs: list[tuple[float, float]]) -> None:
    found = pre_treatment_change(
        [a for a, _b in pairs], [b for _a, b in pairs], higher_is_better=True, reliable_change=5.0
    )
    assert found.n == len(pairs) and found.improved + found.deteriorated <= found.n


@given(st.lists(st.tuples(st.floats(0, 40), st.floats(0, 40)), max_size=30), st.booleans())
def test_it_counts_as_change_py_classifies(pairs: list[tuple[float, float]], higher: bool) -> None:
    # The reliable-change rule is alliance.science.change's (Jacobson & Truax 1991), not a copy.
    from alliance.science.change import ChangeClass, classify_change

    found = pre_treatment_change(
        [a for a, _b in pairs], [b for _a, b in pairs], higher_is_better=higher, reliable_change=5.0
    )
    classes = [
        classify_change(a, b, cutoff=None, reliable_change=5.0, higher_is_better=higher)
        for a, b in pairs
    ]
    assert found.improved == classes.count(ChangeClass.RELIABLY_IMPROVED)
    assert found.deteriorated == classes.count(ChangeClass.RELIABLY_DETERIORATED)
