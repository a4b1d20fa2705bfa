"""Scores and estimates are rounded, never cut off, and read the same in a sentence and a table
(issue 12, point 7: the development page said -1.8 in its sentence and -1.7 in its table)."""

import pytest
from django.template.defaultfilters import floatformat
from django.utils import translation

from alliance.clinic import explain
from alliance.supervision.charts import _one


def test_a_sum_of_slider_lines_is_not_cut_a_tenth_short() -> None:
    assert 8.1 + 0.7 < 8.8  # the float the sum really is
    assert explain.number(8.1 + 0.7) == "8.8"


@pytest.mark.parametrize("value", [-1.75, 1.75, 33.65, 2.25, 0.05, -0.05, 35.95])
def test_the_table_rounds_as_the_sentence_does(value: float) -> None:
    assert _one(value) == explain.number(value) == floatformat(value, 1)


def test_half_a_tenth_rounds_away_from_zero() -> None:
    assert [explain.number(v) for v in (-1.75, 33.65, 0.05)] == ["-1.8", "33.7", "0.1"]


def test_dutch_keeps_its_decimal_comma() -> None:
    with translation.override("nl"):
        assert explain.number(-1.75) == "-1,8"
        assert explain.number(36, 0) == "36"
