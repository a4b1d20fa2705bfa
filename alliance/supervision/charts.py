"""The development page's small chart: the clinician's adjusted outcome estimate and its interval
against the agency's average clinician (0), as a Vega-Lite spec with its text alternative.

Nothing clinical is decided here; the numbers come from ``alliance.supervision.selectors``. The
chart shows one clinician only: never a ranking.
"""

from django.utils.translation import gettext as _

from alliance.clinic import explain
from alliance.clinic.charts import CUTOFF, INK, SCHEMA, Spec
from alliance.clinic.progress import DataTable, Figure
from alliance.supervision.selectors import OutcomeEstimate

__all__ = ["estimate_figure"]


def _one(value: float) -> str:
    # The same rounding as the page's sentence (``floatformat``), so both show one number.
    return explain.number(value)


def _estimate_spec(estimate: float, lower: float, upper: float, description: str) -> Spec:
    reach = max(abs(lower), abs(upper), 1.0) * 1.25
    x = {
        "type": "quantitative",
        "scale": {"domain": [-reach, reach]},
        "title": _("ORS points (0: the agency average)"),
    }
    return {
        "$schema": SCHEMA,
        "description": description,
        "width": "container",
        "height": 70,
        "autosize": {"type": "fit", "contains": "padding"},
        "config": {"font": "system-ui, sans-serif", "view": {"stroke": None}},
        "data": {"values": [{"estimate": estimate, "lower": lower, "upper": upper}]},
        "layer": [
            {
                "mark": {"type": "rule", "color": CUTOFF, "strokeDash": [4, 3]},
                "encoding": {"x": {"datum": 0, **x}},
            },
            {
                "mark": {"type": "text", "dy": -24, "fontSize": 12, "color": CUTOFF},
                "encoding": {"x": {"datum": 0, **x}, "text": {"value": _("agency average")}},
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


def estimate_figure(found: OutcomeEstimate) -> Figure | None:
    """The estimate as a figure for ``clinic/_figure.html``; None when it is not shown."""
    if not found.shown or found.effect is None:
        return None
    effect = found.effect
    summary = _(
        "The dot is the estimate, the bar its interval, the dashed line the agency's average "
        "clinician."
    )
    table = DataTable(
        _("Estimate and interval, in ORS points relative to the agency's average clinician (0)"),
        [_("Lower end"), _("Estimate"), _("Upper end")],
        [[_one(effect.lower), _one(effect.estimate), _one(effect.upper)]],
    )
    spec = _estimate_spec(effect.estimate, effect.lower, effect.upper, summary)
    return Figure("estimate", _("Adjusted outcome and its interval"), spec, summary, table)
