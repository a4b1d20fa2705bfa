"""What every chart shares: the one Vega-Lite schema version, the spec type and the frame.

Every builder in ``alliance.charts`` returns a :data:`Spec` whose ``$schema`` is :data:`SCHEMA`;
moving to a new Vega-Lite version is changing this one line (and the vendored vega-embed,
``make install``).
"""

from typing import Any

__all__ = ["FONT", "SCHEMA", "Spec", "frame"]

Spec = dict[str, Any]
"""A Vega-Lite specification (or part of one) as plain JSON-ready dicts and lists."""

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"

FONT = "system-ui, sans-serif"


def frame(description: str, layers: list[Spec], height: int) -> Spec:
    """A layered chart as wide as its container, with the client page's axes and legend."""
    return {
        "$schema": SCHEMA,
        "description": description,
        "width": "container",
        "height": height,
        "autosize": {"type": "fit", "contains": "padding"},
        "config": {
            "font": FONT,
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
