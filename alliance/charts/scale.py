"""How much of a scale a chart shows: the score axis that lets a small change show
(:func:`data_domain`), and the caseload's tiny server-drawn line (:func:`sparkline`)."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Sparkline", "data_domain", "sparkline"]


def data_domain(
    values: Sequence[float],
    *,
    scale: tuple[float, float],
    reference: Sequence[float | None] = (),
    least_span: float | None = None,
) -> tuple[float, float]:
    """The score axis of a chart that must show a small change: it spans the scores and the
    reference lines (a cutoff) with a little room, not the measure's whole range, so a 3-point
    drop on the SRS fills a fifth of the chart instead of a fourteenth.

    The ends are whole numbers within ``scale``; the span is at least ``least_span`` (a fifth of
    the scale by default) so that noise of a tenth of a point is never blown up into a cliff.

    >>> data_domain([38.0, 35.0], scale=(0, 40), reference=[36.0])
    (32.0, 40.0)
    >>> data_domain([], scale=(0, 10))
    (0.0, 10.0)
    """
    low, high = float(scale[0]), float(scale[1])
    if high <= low:
        raise ValueError(f"scale: the top must be above the bottom ({low:g}), got {high:g}")
    shown = [float(v) for v in [*values, *reference] if v is not None]
    if not shown:
        return low, high
    span = high - low
    least = span / 5 if least_span is None else min(float(least_span), span)
    margin = span / 20
    start, end = min(shown) - margin, max(shown) + margin
    if end - start < least:
        middle = (start + end) / 2
        start, end = middle - least / 2, middle + least / 2
    start, end = max(low, math.floor(start)), min(high, math.ceil(end))
    if end - start < least:  # pushed against an end of the scale: widen towards the other
        start, end = (low, low + least) if start == low else (high - least, high)
    return float(max(low, math.floor(start))), float(min(high, math.ceil(end)))


@dataclass(frozen=True)
class Sparkline:
    """A tiny line drawn server-side as SVG: ``points`` is the polyline's ``points`` attribute in
    a ``width`` x ``height`` box, ``last`` the newest value's dot, ``cutoff`` the height of the
    cutoff's faint line (None when there is none or it is outside the box)."""

    points: str
    last: tuple[float, float] | None
    width: int
    height: int
    cutoff: float | None = None


def sparkline(
    values: Sequence[float],
    *,
    low: float,
    high: float,
    width: int = 96,
    height: int = 24,
    cutoff: float | None = None,
) -> Sparkline:
    """Scale values (oldest first) into an SVG box: ``low`` at the bottom, ``high`` at the top.
    The caseload passes :func:`data_domain` of the scores and the cutoff, so a 3-point drop
    shows; ``cutoff`` adds the height of its line. A 1-pixel margin keeps the stroke inside the
    box.

    >>> sparkline([0, 40], low=0, high=40, width=10, height=10).points
    '1.0,9.0 9.0,1.0'
    """
    if high <= low:
        raise ValueError(f"high: must be above low ({low}), got {high}")
    span, inner_w, inner_h = high - low, width - 2, height - 2
    step = inner_w / (len(values) - 1) if len(values) > 1 else 0.0

    def y(value: float) -> float:
        return round(1 + inner_h * (1 - (min(max(value, low), high) - low) / span), 1)

    coords = [(round(1 + i * step, 1), y(v)) for i, v in enumerate(values)]
    return Sparkline(
        points=" ".join(f"{x},{y}" for x, y in coords),
        last=coords[-1] if coords else None,
        width=width,
        height=height,
        cutoff=y(cutoff) if cutoff is not None and low <= cutoff <= high else None,
    )
