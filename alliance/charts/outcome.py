"""The outcome chart of a measure: severity bands, the expected band and path, the cutoff or
caseness line, the client's scores, reliable-change markers and the score before treatment.

Direct labels on the chart (the cutoff's name and value, the marker shapes) and a text
alternative beside it (the app's ``Figure``) mean no meaning rests on colour alone.
"""

from collections.abc import Sequence

from alliance.charts.axes import (
    cutoff_layers,
    session_axis,
    severity_layers,
    value_axis,
    with_axes,
)
from alliance.charts.palette import BAND, CUTOFF, EXPECTED, IMPROVED, INK
from alliance.charts.points import (
    BandPoint,
    ChangeMarker,
    Line,
    OutcomeText,
    ScorePoint,
    SeverityRange,
)
from alliance.charts.spec import Spec, frame

__all__ = ["outcome_spec"]


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
        *severity_layers(severity),
        *_band_layers(band, text),
        *cutoff_layers(cutoff, 1),
        _score_layer(scores, text),
        *_marker_layer(markers),
        *_baseline_layer(baseline, text),
    ]
    # Room for the open circle at session 0, so the axis does not cut it in half.
    first = -0.3 if baseline is not None else 1
    return frame(
        text.description,
        with_axes(layers, session_axis(text.session, last, first), value_axis(text.score, domain)),
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
