"""Chart specifications: one Vega-Lite spec per chart, built as plain dicts from plain data.

Nothing here touches the database or decides anything clinical: the caller passes the scores, the
expected band, the cutoffs and the reliable-change markers it got from the science core, with the
words to show already translated. The page draws each spec with the vendored vega-embed
(``static/alliance/charts.js``); the same spec can be rendered to SVG for printed reports.

Direct labels on the chart (the cutoff's name and value, the marker shapes) and a text
alternative beside it mean no meaning rests on colour alone.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "SCHEMA",
    "AllianceText",
    "BandPoint",
    "ChangeMarker",
    "Line",
    "OutcomeText",
    "ScorePoint",
    "SeverityRange",
    "Sparkline",
    "Spec",
    "alliance_items_spec",
    "alliance_totals_spec",
    "data_domain",
    "goals_spec",
    "outcome_spec",
    "sparkline",
]

Spec = dict[str, Any]
"""A Vega-Lite specification (or part of one) as plain JSON-ready dicts and lists."""

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"

# Colours chosen to print in grey scale as distinct shades; shapes and dashes carry the meaning.
INK = "#1f5fbf"
EXPECTED = "#3d4556"
BAND = "#9db7e0"
CUTOFF = "#a3141c"
IMPROVED = "#1a7f37"
# Severity bands: light greys growing darker with severity, so they print as distinct shades;
# each band's name is written inside it.
SEVERITY_FILLS = ("#f5f7fa", "#eaeef4", "#dfe5ee", "#d3dbe7", "#c8d1e0", "#bcc7d9")
SEVERITY_TEXT = "#3d4556"
SERIES_COLOURS = ("#1f5fbf", "#b34700", "#6b3fa0", "#1a7f37", "#7a5a00", "#3d4556")
SERIES_SHAPES = ("circle", "square", "diamond", "triangle-up", "cross", "triangle-down")
SERIES_DASHES = ((1, 0), (6, 3), (2, 2), (8, 2, 2, 2), (4, 4), (1, 3))


@dataclass(frozen=True)
class ScorePoint:
    """One score on a chart: the session it belongs to, its value and the line it is part of."""

    session: int
    value: float
    series: str = ""
    date: str = ""


@dataclass(frozen=True)
class BandPoint:
    """The expected path at one session and the band around it."""

    session: int
    expected: float
    lower: float
    upper: float


@dataclass(frozen=True)
class ChangeMarker:
    """A session whose change since intake reaches the reliable-change value.

    ``kind`` is the words shown in the legend and the tooltip (e.g. "Reliable improvement");
    ``better`` picks the shape: a triangle pointing up for better, down for worse.
    """

    session: int
    value: float
    kind: str
    better: bool


@dataclass(frozen=True)
class Line:
    """A horizontal reference line (a clinical cutoff) with the words written beside it."""

    value: float
    label: str


@dataclass(frozen=True)
class SeverityRange:
    """A severity band drawn behind the scores: from ``lower`` (inclusive) to ``upper``, with its
    name written in it (PHQ-9 "Moderate", 10 to 15)."""

    lower: float
    upper: float
    label: str


@dataclass(frozen=True)
class OutcomeText:
    """The words of the outcome chart, already in the user's language."""

    description: str
    session: str
    score: str
    expected: str
    band: str
    scores: str
    baseline: str = ""


@dataclass(frozen=True)
class AllianceText:
    """The words of the alliance charts, already in the user's language."""

    description: str
    session: str
    score: str
    series: str


def _frame(description: str, layers: list[Spec], height: int) -> Spec:
    return {
        "$schema": SCHEMA,
        "description": description,
        "width": "container",
        "height": height,
        "autosize": {"type": "fit", "contains": "padding"},
        "config": {
            "font": "system-ui, sans-serif",
            "axis": {"labelFontSize": 12, "titleFontSize": 12, "grid": True, "gridOpacity": 0.5},
            "legend": {
                "labelFontSize": 12,
                "titleFontSize": 12,
                "orient": "bottom",
                "columns": 2,
                "labelLimit": 240,
            },
            "view": {"stroke": None},
        },
        "layer": layers,
    }


def _session_axis(title: str, last: int, first: float = 1) -> Spec:
    return {
        "field": "session",
        "type": "quantitative",
        "title": title,
        "scale": {"domain": [first, max(last, 2)], "nice": False},
        "axis": {"tickMinStep": 1, "format": "d"},
    }


def _value_axis(title: str, domain: tuple[float, float], field: str = "value") -> Spec:
    return {
        "field": field,
        "type": "quantitative",
        "title": title,
        "scale": {"domain": list(domain), "nice": False, "zero": False},
    }


def _with_axes(layers: list[Spec], x: Spec, y: Spec) -> list[Spec]:
    """Give every layer the shared session axis and score axis (keeping its own y field).

    Encodings go on each layer, not the top level, so the cutoff rule (which has no x) spans
    the whole width instead of inheriting a session position.
    """
    for layer in layers:
        encoding = layer["encoding"]
        if layer.get("name") not in _FULL_WIDTH:
            encoding["x"] = {**x, **encoding.get("x", {})}
        encoding["y"] = {**y, **encoding["y"]}
    return layers


# Layers drawn across the whole width, whatever the sessions: they take no session position.
_FULL_WIDTH = frozenset({"cutoff", "severity_bands", "severity_labels"})


def _severity_layers(ranges: Sequence[SeverityRange]) -> list[Spec]:
    """The severity bands as shaded strips across the chart, each with its name at the right."""
    if not ranges:
        return []
    values = [
        {
            "lower": r.lower,
            "upper": r.upper,
            "middle": (r.lower + r.upper) / 2,
            "label": r.label,
            "fill": SEVERITY_FILLS[min(i, len(SEVERITY_FILLS) - 1)],
        }
        for i, r in enumerate(ranges)
    ]
    return [
        {
            "name": "severity_bands",
            "data": {"values": values},
            "mark": {"type": "rect", "opacity": 0.9},
            "encoding": {
                "y": {"field": "lower", "type": "quantitative"},
                "y2": {"field": "upper"},
                "fill": {"field": "fill", "type": "nominal", "scale": None, "legend": None},
            },
        },
        {
            "name": "severity_labels",
            "data": {"values": values},
            "mark": {
                "type": "text",
                "align": "right",
                "baseline": "middle",
                "dx": -4,
                "color": SEVERITY_TEXT,
                "fontSize": 10,
                "opacity": 0.9,
            },
            "encoding": {
                "x": {"value": "width"},
                "y": {"field": "middle", "type": "quantitative"},
                "text": {"field": "label"},
            },
        },
    ]


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


def _cutoff_layers(line: Line | None, x_at: int) -> list[Spec]:
    """The cutoff as a dotted rule with its name and value written just above it."""
    if line is None:
        return []
    values = [{"cutoff": line.value, "label": line.label, "session": x_at}]
    return [
        {
            "name": "cutoff",
            "data": {"values": values},
            "mark": {"type": "rule", "color": CUTOFF, "strokeDash": [2, 3], "strokeWidth": 1.5},
            "encoding": {"y": {"field": "cutoff", "type": "quantitative"}},
        },
        {
            "name": "cutoff_label",
            "data": {"values": values},
            "mark": {
                "type": "text",
                "align": "left",
                "baseline": "bottom",
                "dx": 4,
                "dy": -2,
                "color": CUTOFF,
                "fontSize": 11,
            },
            "encoding": {
                "x": {"field": "session", "type": "quantitative"},
                "y": {"field": "cutoff", "type": "quantitative"},
                "text": {"field": "label"},
            },
        },
    ]


def _band_layers(band: Sequence[BandPoint], text: OutcomeText) -> list[Spec]:
    if not band:
        return []
    values = [
        {"session": p.session, "expected": p.expected, "lower": p.lower, "upper": p.upper}
        for p in band
    ]
    tooltip = [
        {"field": "session", "title": text.session},
        {"field": "expected", "title": text.expected, "format": ".1f"},
        {"field": "lower", "title": text.band, "format": ".1f"},
        {"field": "upper", "title": text.band, "format": ".1f"},
    ]
    return [
        {
            "name": "band",
            "data": {"values": values},
            "mark": {"type": "area", "color": BAND, "opacity": 0.35},
            "encoding": {
                "y": {"field": "lower", "type": "quantitative"},
                "y2": {"field": "upper"},
                "tooltip": tooltip,
            },
        },
        {
            "name": "expected",
            "data": {"values": values},
            "mark": {"type": "line", "color": EXPECTED, "strokeDash": [6, 4], "strokeWidth": 1.5},
            "encoding": {"y": {"field": "expected", "type": "quantitative"}},
        },
    ]


def _score_layer(scores: Sequence[ScorePoint], text: OutcomeText) -> Spec:
    return {
        "name": "scores",
        "data": {
            "values": [{"session": s.session, "value": s.value, "date": s.date} for s in scores]
        },
        "mark": {
            "type": "line",
            "color": INK,
            "strokeWidth": 2.5,
            "point": {"filled": True, "size": 60, "color": INK},
        },
        "encoding": {
            "y": {"field": "value", "type": "quantitative"},
            "tooltip": [
                {"field": "session", "title": text.session},
                {"field": "date", "title": " "},
                {"field": "value", "title": text.scores, "format": ".1f"},
            ],
        },
    }


def _marker_layer(markers: Sequence[ChangeMarker]) -> list[Spec]:
    if not markers:
        return []
    values = [
        {"session": m.session, "value": m.value, "kind": m.kind, "better": m.better}
        for m in markers
    ]
    kinds = list(dict.fromkeys(m.kind for m in sorted(markers, key=lambda m: not m.better)))
    shapes = ["triangle-up" if _better(markers, k) else "triangle-down" for k in kinds]
    colours = [IMPROVED if _better(markers, k) else CUTOFF for k in kinds]
    return [
        {
            "name": "reliable_change",
            "data": {"values": values},
            "mark": {"type": "point", "filled": True, "size": 170, "yOffset": -14},
            "encoding": {
                "y": {"field": "value", "type": "quantitative"},
                "shape": {
                    "field": "kind",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": kinds, "range": shapes},
                },
                "color": {
                    "field": "kind",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": kinds, "range": colours},
                },
                "tooltip": [{"field": "session"}, {"field": "kind", "title": " "}],
            },
        }
    ]


def _better(markers: Sequence[ChangeMarker], kind: str) -> bool:
    return next(m.better for m in markers if m.kind == kind)


def outcome_spec(
    *,
    scores: Sequence[ScorePoint],
    band: Sequence[BandPoint],
    cutoff: Line | None,
    markers: Sequence[ChangeMarker],
    domain: tuple[float, float],
    text: OutcomeText,
    severity: Sequence[SeverityRange] = (),
    baseline: ScorePoint | None = None,
) -> Spec:
    """The outcome chart: the severity bands where the measure has them (PHQ-9 minimal to
    severe, shaded and named), the expected band and path (dashed), the clinical cutoff or
    caseness line (dotted, with its value written on it), the client's scores (solid line with
    dots) and triangles where the change since intake is reliable. ``domain`` is the measure's
    score range (ORS 0-40, PHQ-9 0-27). A ``baseline`` (the score before treatment) is an
    open circle at session 0, apart from the line: the expected path starts at session 1."""
    last = max([s.session for s in scores] + [b.session for b in band] + [1])
    layers = [
        *_severity_layers(severity),
        *_band_layers(band, text),
        *_cutoff_layers(cutoff, 1),
        _score_layer(scores, text),
        *_marker_layer(markers),
        *_baseline_layer(baseline, text),
    ]
    # Room for the open circle at session 0, so the axis does not cut it in half.
    first = -0.3 if baseline is not None else 1
    return _frame(
        text.description,
        _with_axes(
            layers, _session_axis(text.session, last, first), _value_axis(text.score, domain)
        ),
        height=260,
    )


def _baseline_layer(baseline: ScorePoint | None, text: OutcomeText) -> list[Spec]:
    if baseline is None:
        return []
    point = {"session": 0, "value": baseline.value, "date": baseline.date, "kind": text.baseline}
    return [
        {
            "name": "baseline",
            "data": {"values": [point]},
            "mark": {"type": "point", "filled": False, "size": 90, "strokeWidth": 2, "color": INK},
            "encoding": {
                "y": {"field": "value", "type": "quantitative"},
                "tooltip": [
                    {"field": "kind", "title": " "},
                    {"field": "date", "title": " "},
                    {"field": "value", "title": text.scores, "format": ".1f"},
                ],
            },
        }
    ]


def _series_encoding(series: Sequence[str], title: str) -> Spec:
    count = len(series)

    def scale(values: Sequence[object]) -> Spec:
        return {"domain": list(series), "range": [values[i % len(values)] for i in range(count)]}

    return {
        "color": {
            "field": "series",
            "type": "nominal",
            "title": title,
            "scale": scale(SERIES_COLOURS),
        },
        "shape": {
            "field": "series",
            "type": "nominal",
            "title": title,
            "scale": scale(SERIES_SHAPES),
        },
        "strokeDash": {
            "field": "series",
            "type": "nominal",
            "title": title,
            "scale": scale([list(d) for d in SERIES_DASHES]),
        },
    }


def _lines_spec(
    scores: Sequence[ScorePoint],
    cutoff: Line | None,
    domain: tuple[float, float],
    text: AllianceText,
    height: int,
) -> Spec:
    series = list(dict.fromkeys(s.series for s in scores))
    last = max([s.session for s in scores] + [1])
    values = [
        {"session": s.session, "value": s.value, "series": s.series, "date": s.date} for s in scores
    ]
    lines = {
        "name": "ratings",
        "data": {"values": values},
        "mark": {"type": "line", "strokeWidth": 2, "point": {"filled": True, "size": 55}},
        "encoding": {
            "y": {"field": "value", "type": "quantitative"},
            **_series_encoding(series, text.series),
            "tooltip": [
                {"field": "session", "title": text.session},
                {"field": "series", "title": text.series},
                {"field": "value", "title": text.score, "format": ".1f"},
            ],
        },
    }
    layers = _with_axes(
        [*_cutoff_layers(cutoff, 1), lines],
        _session_axis(text.session, last),
        _value_axis(text.score, domain),
    )
    return _frame(text.description, layers, height=height)


def alliance_totals_spec(
    *,
    scores: Sequence[ScorePoint],
    cutoff: Line | None,
    domain: tuple[float, float],
    text: AllianceText,
) -> Spec:
    """The alliance chart: one line per rater and person rated (the client about the whole team,
    the client about a named member, the clinician's own rating), each with its own colour, dot
    shape and dash; the cutoff (SRS 36) as a labelled dotted rule."""
    return _lines_spec(scores, cutoff, domain, text, height=240)


def alliance_items_spec(
    *,
    scores: Sequence[ScorePoint],
    cutoff: Line | None,
    domain: tuple[float, float],
    text: AllianceText,
) -> Spec:
    """The alliance items chart: one line per item (SRS: relationship, goals and topics,
    approach or method, overall) with the item cutoff (SRS 9)."""
    return _lines_spec(scores, cutoff, domain, text, height=200)


def goals_spec(
    *,
    scores: Sequence[ScorePoint],
    domain: tuple[float, float],
    text: AllianceText,
) -> Spec:
    """The goal-based outcomes chart: one line per goal (how close the client is to it, 0 to
    10), each with its own colour, dot shape and dash."""
    return _lines_spec(scores, None, domain, text, height=200)


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
