"""Scoring of the client's preferences (C-NIP) and expectations (CEQ) at intake.

The C-NIP (Cooper & Norcross 2016) has 18 bipolar items answered from +3 (a strong preference
for the first way of working) through 0 (no preference) to -3 (a strong preference for the
second). Its four published scales are sums of their items: therapist vs client directiveness
(items 1-5, -15 to 15), emotional intensity vs reserve (items 6-10, -15 to 15), past vs present
orientation (items 11-13, -9 to 9) and warm support vs focused challenge (items 14-18, -15 to
15). Alliance's item files are oriented so that + is always the first pole named.

The CEQ (Devilly & Borkovec 2000) has six items: items 1-3 and 5 on a 1-9 scale, items 4 and 6
on a 0-100% scale in steps of 10. Credibility is formed by the first three "think" items;
expectancy by the fourth "think" item and the two "feel" items. Because the two scales differ,
the authors standardise each item within a sample before summing (``ceq_standardised``). A
single client's answers cannot be standardised, so ``ceq_scores`` also gives expectancy on the
1-9 metric, with the percentages rescaled linearly (1 + 8 * p / 100): our own choice, named as
such, so that both factors read 3 to 27.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CEQ_CREDIBILITY",
    "CEQ_EXPECTANCY",
    "CEQ_PERCENT_ITEMS",
    "CNIP_SCALES",
    "STRONG_MEAN",
    "CeqScores",
    "CnipScale",
    "CnipScaleScore",
    "ceq_scores",
    "ceq_standardised",
    "cnip_scales",
    "strong_preferences",
]

Pole = Literal["first", "second"]

CEQ_CREDIBILITY = ("ceq_1", "ceq_2", "ceq_3")
CEQ_EXPECTANCY = ("ceq_4", "ceq_5", "ceq_6")
CEQ_PERCENT_ITEMS = ("ceq_4", "ceq_6")

STRONG_MEAN = 2.0
"""A scale counts as a strong preference when its mean item answer is at least 2 (the item
anchor "moderate") towards one pole. Cooper & Norcross (2016) give tentative cut-off points we
could not read in the source; this rule is ours and marked so in docs/instruments.md."""


@dataclass(frozen=True)
class CnipScale:
    """One C-NIP scale: its code, its items, and the poles + and - stand for."""

    code: str
    items: tuple[str, ...]
    first: str
    second: str


def _items(first: int, last: int) -> tuple[str, ...]:
    return tuple(f"cnip_{n}" for n in range(first, last + 1))


CNIP_SCALES = (
    CnipScale("td_cd", _items(1, 5), "therapist_directiveness", "client_directiveness"),
    CnipScale("ei_er", _items(6, 10), "emotional_intensity", "emotional_reserve"),
    CnipScale("pao_pro", _items(11, 13), "past_orientation", "present_orientation"),
    CnipScale("ws_fc", _items(14, 18), "warm_support", "focused_challenge"),
)


@dataclass(frozen=True)
class CnipScaleScore:
    """A scale's sum, its range, its mean item answer, and the pole preferred strongly."""

    code: str
    score: float
    minimum: float
    maximum: float
    mean: float
    strong: Pole | None
    pole: str | None


def _answer(values: Mapping[str, float], code: str, low: float, high: float) -> float:
    if code not in values:
        raise ValueError(f"{code}: an answer is needed ({low:g} to {high:g})")
    value = float(values[code])
    if not low <= value <= high or not math.isfinite(value):
        raise ValueError(f"{code}: {value:g} is outside {low:g} to {high:g}")
    return value


def cnip_scales(values: Mapping[str, float]) -> tuple[CnipScaleScore, ...]:
    """The four C-NIP scale scores (Cooper & Norcross 2016, scales as in their Table 3).

    Formula: score = sum of the scale's items, each -3 to 3; mean = score / number of items;
    strong = the pole the mean leans to when abs(mean) >= ``STRONG_MEAN``.

    Parameters
    ----------
    values : mapping of item code (``cnip_1`` .. ``cnip_18``) to answer, -3 to 3

    Examples
    --------
    >>> answers = {f"cnip_{n}": 0 for n in range(1, 19)} | {f"cnip_{n}": 3 for n in range(1, 6)}
    >>> first = cnip_scales(answers)[0]
    >>> first.code, first.score, first.strong, first.pole
    ('td_cd', 15.0, 'first', 'therapist_directiveness')
    """
    scores = []
    for scale in CNIP_SCALES:
        total = sum(_answer(values, code, -3, 3) for code in scale.items)
        mean = total / len(scale.items)
        strong: Pole | None = None
        if mean >= STRONG_MEAN:
            strong = "first"
        elif mean <= -STRONG_MEAN:
            strong = "second"
        pole = {"first": scale.first, "second": scale.second}.get(strong or "")
        span = 3.0 * len(scale.items)
        scores.append(CnipScaleScore(scale.code, total, -span, span, mean, strong, pole))
    return tuple(scores)


def strong_preferences(values: Mapping[str, float]) -> tuple[str, ...]:
    """The poles preferred strongly, in scale order (e.g. ``("present_orientation",)``).

    Examples
    --------
    >>> answers = {f"cnip_{n}": 0 for n in range(1, 19)} | {"cnip_11": -2, "cnip_12": -3,
    ...     "cnip_13": -2}
    >>> strong_preferences(answers)
    ('present_orientation',)
    """
    return tuple(s.pole for s in cnip_scales(values) if s.pole is not None)


@dataclass(frozen=True)
class CeqScores:
    """Credibility (3-27) and expectancy on the 1-9 metric (3-27) of one response, and the
    expectancy percentages as answered (items 4 and 6, 0-100)."""

    credibility: float
    expectancy: float
    expected_improvement_think: float
    expected_improvement_feel: float


def _percent_as_nine(percent: float) -> float:
    return 1.0 + 8.0 * percent / 100.0


def ceq_scores(values: Mapping[str, float]) -> CeqScores:
    """Credibility and expectancy of one CEQ response (factors of Devilly & Borkovec 2000).

    Formula: credibility = item1 + item2 + item3; expectancy = (1 + 8 * item4 / 100) + item5 +
    (1 + 8 * item6 / 100), the percentage items rescaled onto 1-9 (our choice for one client;
    the authors standardise within a sample, see ``ceq_standardised``).

    Examples
    --------
    >>> s = ceq_scores({"ceq_1": 7, "ceq_2": 6, "ceq_3": 8, "ceq_4": 50, "ceq_5": 6, "ceq_6": 100})
    >>> s.credibility, s.expectancy
    (21.0, 20.0)
    """
    one = {code: _answer(values, code, 1, 9) for code in ("ceq_1", "ceq_2", "ceq_3", "ceq_5")}
    think = _answer(values, "ceq_4", 0, 100)
    feel = _answer(values, "ceq_6", 0, 100)
    return CeqScores(
        credibility=one["ceq_1"] + one["ceq_2"] + one["ceq_3"],
        expectancy=_percent_as_nine(think) + one["ceq_5"] + _percent_as_nine(feel),
        expected_improvement_think=think,
        expected_improvement_feel=feel,
    )


def ceq_standardised(responses: Sequence[Mapping[str, float]]) -> tuple[tuple[float, float], ...]:
    """(credibility, expectancy) of each response in a sample, as Devilly & Borkovec (2000)
    score it: each item standardised within the sample (z = (x - mean) / sd, sd with n - 1),
    then summed over its factor's items.

    Examples
    --------
    >>> a = {"ceq_1": 1, "ceq_2": 1, "ceq_3": 1, "ceq_4": 0, "ceq_5": 1, "ceq_6": 0}
    >>> b = {"ceq_1": 9, "ceq_2": 9, "ceq_3": 9, "ceq_4": 100, "ceq_5": 9, "ceq_6": 100}
    >>> [tuple(round(v, 6) for v in r) for r in ceq_standardised([a, b])]
    [(-2.12132, -2.12132), (2.12132, 2.12132)]
    """
    if len(responses) < 2:
        raise ValueError(f"responses: standardising needs at least 2; got {len(responses)}")
    for response in responses:
        ceq_scores(response)  # checks every answer and its range
    z: dict[str, list[float]] = {}
    for code in CEQ_CREDIBILITY + CEQ_EXPECTANCY:
        column = [float(r[code]) for r in responses]
        mean = sum(column) / len(column)
        sd = math.sqrt(sum((x - mean) ** 2 for x in column) / (len(column) - 1))
        z[code] = [0.0 if sd == 0 else (x - mean) / sd for x in column]
    return tuple(
        (
            sum(z[code][i] for code in CEQ_CREDIBILITY),
            sum(z[code][i] for code in CEQ_EXPECTANCY),
        )
        for i in range(len(responses))
    )
