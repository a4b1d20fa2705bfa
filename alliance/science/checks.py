"""Input checks shared by the science core: a bad value raises ``ValueError`` naming the field
and what it allows (STYLE.md, "Input checks raise")."""

from __future__ import annotations

import math
import numbers

__all__ = ["check_number", "refuse_unless"]


def refuse_unless(ok: bool, name: str, allowed: str, value: object) -> None:
    """Raise ``ValueError`` naming the field and what it allows unless ``ok``.

    Examples
    --------
    >>> refuse_unless(False, "alliance", "between 0 and 40", 41)
    Traceback (most recent call last):
    ...
    ValueError: alliance: must be between 0 and 40, got 41
    """
    if not ok:
        raise ValueError(f"{name}: must be {allowed}, got {value!r}")


def check_number(value: object, name: str, low: float = -math.inf, high: float = math.inf) -> None:
    """Refuse anything but a finite real number in ``[low, high]`` (booleans and NaN included).

    Examples
    --------
    >>> check_number(float("nan"), "outcome")
    Traceback (most recent call last):
    ...
    ValueError: outcome: must be a finite number, got nan
    """
    # The common case first, without the abstract-class check (issue 16, point 7); the exact
    # type test leaves booleans (a subclass of int) to the full check below.
    if type(value) in (float, int) and low <= value <= high and math.isfinite(value):  # type: ignore[operator, arg-type]
        return
    ok = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and low <= float(value) <= high
    )
    if not ok:  # the message only when it is needed: this runs for every score of a report
        refuse_unless(ok, name, _allowed_range(low, high), value)


def _allowed_range(low: float, high: float) -> str:
    if math.isinf(low) and math.isinf(high):
        return "a finite number"
    if math.isinf(high):
        return f"a finite number >= {low:g}"
    return f"a number between {low:g} and {high:g}"
