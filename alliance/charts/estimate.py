"""The development page's small chart: one clinician's adjusted outcome estimate and its
interval against the agency's average clinician (0). One clinician only: never a ranking."""

from alliance.charts import words
from alliance.charts.palette import CUTOFF, INK
from alliance.charts.spec import FONT, SCHEMA, Spec

__all__ = ["estimate_spec"]


def estimate_spec(*, estimate: float, lower: float, upper: float, description: str) -> Spec:
    """The estimate as a dot, its interval as a bar and the agency average as a dashed rule,
    on an axis symmetric around 0 that holds the interval with a quarter to spare."""
    reach = max(abs(lower), abs(upper), 1.0) * 1.25
    x = {
        "type": "quantitative",
        "scale": {"domain": [-reach, reach]},
        "title": str(words.ESTIMATE_AXIS),
    }
    return {
        "$schema": SCHEMA,
        "description": description,
        "width": "container",
        "height": 70,
        "autosize": {"type": "fit", "contains": "padding"},
        "config": {"font": FONT, "view": {"stroke": None}},
        "data": {"values": [{"estimate": estimate, "lower": lower, "upper": upper}]},
        "layer": [
            {
                "mark": {"type": "rule", "color": CUTOFF, "strokeDash": [4, 3]},
                "encoding": {"x": {"datum": 0, **x}},
            },
            {
                "mark": {"type": "text", "dy": -24, "fontSize": 12, "color": CUTOFF},
                "encoding": {
                    "x": {"datum": 0, **x},
                    "text": {"value": str(words.AGENCY_AVERAGE)},
                },
            },
            {
                "mark": {"type": "rule", "color": INK, "strokeWidth": 3},
                "encoding": {"x": {"field": "lower", **x}, "x2": {"field": "upper"}},
            },
            {
                "mark": {"type": "point", "filled": True, "size": 90, "color": INK},
                "encoding": {"x": {"field": "estimate", **x}},
            },
        ],
    }
