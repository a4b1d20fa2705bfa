"""The client's own progress chart as a Vega-Lite specification (drawn in the page by the
vendored vega-embed through ``alliance/static/alliance/charts.js``; a table carries the same
numbers for screen readers and for browsers without scripts)."""

from typing import Any

from django.utils.translation import gettext as _

from alliance.portal.selectors import ClientProgress

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"


def progress_spec(progress: ClientProgress) -> dict[str, Any]:
    """A line of the client's scores by session on the measure's full range, in plain words."""
    better = _("higher is better") if progress.higher_is_better else _("lower is better")
    score_title = _("Your score (%(better)s)") % {"better": better}
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "description": _("Your scores over your sessions; %(better)s.") % {"better": better},
        "width": "container",
        "height": 220,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {
            "values": [
                {"session": point.session, "score": point.score} for point in progress.points
            ]
        },
        "mark": {"type": "line", "point": {"size": 80, "filled": True}, "strokeWidth": 3},
        "encoding": {
            "x": {
                "field": "session",
                "type": "ordinal",
                "title": _("Session"),
                "axis": {"labelAngle": 0},
            },
            "y": {
                "field": "score",
                "type": "quantitative",
                "title": score_title,
                "scale": {"domain": [progress.minimum, progress.maximum]},
            },
            "tooltip": [
                {"field": "session", "type": "ordinal", "title": _("Session")},
                {"field": "score", "type": "quantitative", "title": _("Score")},
            ],
        },
        "config": {
            "font": "system-ui, sans-serif",
            "axis": {"labelFontSize": 14, "titleFontSize": 14},
            "line": {"color": "#1f5fbf"},
            "point": {"color": "#1f5fbf"},
        },
    }
