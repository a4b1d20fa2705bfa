"""The layers and axes the measure charts share: the session axis, the score axis, the cutoff
rule with its words, and the severity strips."""

from collections.abc import Sequence

from alliance.charts.palette import CUTOFF, SEVERITY_FILLS, SEVERITY_TEXT
from alliance.charts.points import Line, SeverityRange
from alliance.charts.spec import Spec

__all__ = ["cutoff_layers", "session_axis", "severity_layers", "value_axis", "with_axes"]


def session_axis(title: str, last: int, first: float = 1) -> Spec:
    return {
        "field": "session",
        "type": "quantitative",
        "title": title,
        "scale": {"domain": [first, max(last, 2)], "nice": False},
        "axis": {"tickMinStep": 1, "format": "d"},
    }


def value_axis(title: str, domain: tuple[float, float], field: str = "value") -> Spec:
    return {
        "field": field,
        "type": "quantitative",
        "title": title,
        "scale": {"domain": list(domain), "nice": False, "zero": False},
    }


def with_axes(layers: list[Spec], x: Spec, y: Spec) -> list[Spec]:
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


def severity_layers(ranges: Sequence[SeverityRange]) -> list[Spec]:
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


def cutoff_layers(line: Line | None, x_at: int) -> list[Spec]:
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
