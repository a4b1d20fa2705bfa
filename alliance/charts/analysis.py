"""The charts of the offline analysis page (``alliance analyze --report``, drawn by
``alliance.cli.analyze_report``): change classes per measure, the clients' average score against
the expected path, dots with intervals (clinician effects, alliance-outcome correlations) and the
alerts per rule (the report's :func:`~alliance.charts.report.counts_spec`, titled).

The command line never sets Django up, so these builders take every word they draw as an
argument, already in the reader's language (``alliance.charts.words`` would need the settings).
vl-convert renders the specs to inline SVG: the page holds no script and fetches nothing.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from alliance.charts.palette import (
    BAND,
    CLASS_COLOURS,
    COMPARED_COLOURS,
    EXPECTED,
    INK,
)
from alliance.charts.report import Count, counts_spec
from alliance.charts.spec import SCHEMA, Spec

__all__ = [
    "ClassCount",
    "Interval",
    "MeanPathText",
    "MeanPoint",
    "alerts_spec",
    "class_counts_spec",
    "intervals_spec",
    "mean_path_spec",
    "printed",
]

WIDTH = 480
"""The page's charts are drawn at a fixed width: vl-convert renders them without a browser."""


def printed(spec: Spec, title: str) -> Spec:
    """``spec`` with the one schema, its ``title`` and the page's type: larger than the screens',
    since the page scales the SVG down to its width. The font stays Vega's own: vl-convert sizes
    the labels with the font it has, and the pages' system font can be wider than that, which
    would cut the longest labels off at the edge of the SVG."""
    own = spec.get("config", {})
    sized = {part: {**own.get(part, {}), **sizes} for part, sizes in _TYPE_SIZES.items()}
    return {**spec, "$schema": SCHEMA, "title": title, "config": {**own, **sized}}


# Room for the longest labels in Dutch and German ("Gemist na een zwakke werkrelatie"): Vega's
# default limits (160 and 180 pixels) shorten them with an ellipsis.
_TYPE_SIZES = {
    "axis": {"labelFontSize": 12, "titleFontSize": 13, "labelLimit": 280},
    "legend": {"labelFontSize": 12, "titleFontSize": 13, "labelLimit": 280},
    "title": {"fontSize": 15},
}


@dataclass(frozen=True)
class ClassCount:
    """How many of one measure's episodes fell in one class of change (``label``, in the
    reader's language; ``order`` its place among the classes, recovered first)."""

    measure: str
    label: str
    order: int
    episodes: int


def class_counts_spec(
    rows: Sequence[ClassCount],
    classes: Sequence[str],
    *,
    title: str,
    measure: str,
    share: str,
    legend: str,
) -> Spec:
    """One bar per measure split into the shares of its classified episodes, the classes
    (``classes``, in the order of :data:`~alliance.charts.palette.CLASS_COLOURS`) side by side.
    ``measure``, ``share`` and ``legend`` title the axes and the legend."""
    order = list(classes)
    values = [
        {"measure": r.measure, "class": r.label, "order": r.order, "episodes": r.episodes}
        for r in rows
    ]
    spec: Spec = {
        "width": WIDTH,
        "data": {"values": values},
        "mark": "bar",
        "encoding": {
            "y": {"field": "measure", "type": "nominal", "title": measure},
            "x": {
                "field": "episodes",
                "type": "quantitative",
                "stack": "normalize",
                "title": share,
                "axis": {"format": "%"},
            },
            "color": {
                "field": "class",
                "type": "nominal",
                "sort": order,
                "title": legend,
                "scale": {"domain": order, "range": list(CLASS_COLOURS[: len(order)])},
            },
            "order": {"field": "order", "type": "quantitative"},
        },
    }
    return printed(spec, title)


@dataclass(frozen=True)
class MeanPoint:
    """One session of a measure's path: the clients' average score, the average of their
    expected scores and the average edges of their bands (None where nothing was predicted)."""

    session: int
    observed: float | None
    expected: float | None
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class MeanPathText:
    """The words of the path chart, already in the reader's language."""

    title: str
    session: str
    score: str
    observed: str
    expected: str


def mean_path_spec(points: Sequence[MeanPoint], text: MeanPathText) -> Spec:
    """The clients' average by session (solid, dots) beside the expected average (dashed), over
    the shaded band between the average band edges; the two lines differ without colour too."""
    x = {
        "field": "session",
        "type": "quantitative",
        "title": text.session,
        "axis": {"tickMinStep": 1, "format": "d"},
    }
    names = [text.observed, text.expected]
    lines = [
        {"session": p.session, "line": name, "score": score}
        for p in points
        for name, score in zip(names, (p.observed, p.expected), strict=True)
    ]
    line_scale = {"domain": names}
    spec: Spec = {
        "width": WIDTH,
        "height": 260,
        "config": {"legend": {"symbolType": "stroke", "symbolStrokeWidth": 2}},
        "layer": [
            {
                "name": "band",
                "data": {"values": [_band(p) for p in points]},
                "mark": {"type": "area", "opacity": 0.35, "color": BAND},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "lower",
                        "type": "quantitative",
                        "title": text.score,
                        "scale": {"zero": False},
                    },
                    "y2": {"field": "upper"},
                },
            },
            {
                "name": "lines",
                "data": {"values": lines},
                "mark": {"type": "line", "point": {"filled": True}, "strokeWidth": 2},
                "encoding": {
                    "x": x,
                    "y": {"field": "score", "type": "quantitative"},
                    "color": {
                        "field": "line",
                        "type": "nominal",
                        "title": None,
                        "scale": {**line_scale, "range": [INK, EXPECTED]},
                    },
                    "strokeDash": {
                        "field": "line",
                        "type": "nominal",
                        "title": None,
                        "scale": {**line_scale, "range": [[1, 0], [6, 4]]},
                    },
                },
            },
        ],
    }
    return printed(spec, text.title)


def _band(point: MeanPoint) -> dict[str, float | None]:
    return {"session": point.session, "lower": point.lower, "upper": point.upper}


@dataclass(frozen=True)
class Interval:
    """One row of an interval chart: its label, the estimate and its interval, and the group that
    colours it (``""``: not coloured)."""

    label: str
    estimate: float
    lower: float
    upper: float
    group: str = ""


def intervals_spec(
    rows: Sequence[Interval],
    *,
    title: str,
    label_axis: str,
    value_axis: str,
    groups: Sequence[str] = (),
    legend: str = "",
) -> Spec:
    """Dots (the estimates) with interval lines, one row per ``Interval`` in the given order, and
    a dashed line at 0 (the average clinician, or no correlation). With ``groups`` (better than
    the average, not distinguishable, worse: :data:`~alliance.charts.palette.COMPARED_COLOURS`)
    each row takes its group's colour and the legend lists every group."""
    y = {"field": "label", "type": "nominal", "sort": [r.label for r in rows], "title": label_axis}
    colour = (
        {
            "color": {
                "field": "group",
                "type": "nominal",
                "title": legend,
                "scale": {"domain": list(groups), "range": list(COMPARED_COLOURS[: len(groups)])},
            }
        }
        if groups
        else {}
    )
    plain = {} if groups else {"color": INK}
    spec: Spec = {
        "width": 420,
        "height": max(80, 18 * len(rows)),
        "data": {"values": [_interval(r) for r in rows]},
        "layer": [
            {
                "mark": {"type": "rule", "strokeWidth": 2, **plain},
                "encoding": {
                    "y": y,
                    "x": {"field": "lower", "type": "quantitative", "title": value_axis},
                    "x2": {"field": "upper"},
                    **colour,
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 60, "opacity": 1, **plain},
                "encoding": {"y": y, "x": {"field": "estimate", "type": "quantitative"}, **colour},
            },
            {
                "name": "zero",
                "data": {"values": [{"zero": 0.0}]},
                "mark": {"type": "rule", "strokeDash": [4, 4], "color": EXPECTED},
                "encoding": {"x": {"field": "zero", "type": "quantitative"}},
            },
        ],
    }
    return printed(spec, title)


def _interval(row: Interval) -> dict[str, float | str]:
    return {
        "label": row.label,
        "estimate": row.estimate,
        "lower": row.lower,
        "upper": row.upper,
        "group": row.group,
    }


def alerts_spec(rows: Sequence[Count], *, title: str, axis: str) -> Spec:
    """The alerts per rule as the report's count bars (rows in the caseload's order), with a
    title and ``axis`` under the counts."""
    spec = counts_spec(rows)
    encoding = spec["encoding"]
    spec["encoding"] = {**encoding, "x": {**encoding["x"], "title": axis}}
    return printed(spec, title)
