"""The client's own charts, in plain words that never blame them: the scores on the thank-you
page (``alliance.portal.charts``) and the scores against the usual path on the progress page
(``alliance.voice.progress``). Drawn on the measure's full range, with larger type."""

from collections.abc import Sequence

from alliance.charts import words
from alliance.charts.palette import CLIENT_BAND, CLIENT_EXPECTED, INK
from alliance.charts.points import BandPoint, ScorePoint
from alliance.charts.spec import FONT, SCHEMA, Spec

__all__ = ["client_progress_spec", "client_summary_spec"]


def client_progress_spec(
    *,
    scores: Sequence[ScorePoint],
    minimum: float,
    maximum: float,
    higher_is_better: bool,
) -> Spec:
    """A line of the client's scores by session on the measure's full range, in plain words."""
    better = words.direction(higher_is_better)
    session = str(words.SESSION)
    return {
        "$schema": SCHEMA,
        "description": str(words.YOUR_SCORES_OVER_SESSIONS) % {"better": better},
        "width": "container",
        "height": 220,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": [{"session": p.session, "score": p.value} for p in scores]},
        "mark": {"type": "line", "point": {"size": 80, "filled": True}, "strokeWidth": 3},
        "encoding": {
            "x": {
                "field": "session",
                "type": "ordinal",
                "title": session,
                "axis": {"labelAngle": 0},
            },
            "y": {
                "field": "score",
                "type": "quantitative",
                "title": str(words.YOUR_SCORE_DIRECTION) % {"better": better},
                "scale": {"domain": [minimum, maximum]},
            },
            "tooltip": [
                {"field": "session", "type": "ordinal", "title": session},
                {"field": "score", "type": "quantitative", "title": str(words.SCORE)},
            ],
        },
        "config": {
            "font": FONT,
            "axis": {"labelFontSize": 14, "titleFontSize": 14},
            "line": {"color": INK},
            "point": {"color": INK},
        },
    }


def client_summary_spec(
    *,
    scores: Sequence[ScorePoint],
    band: Sequence[BandPoint],
    minimum: float,
    maximum: float,
) -> Spec:
    """The client's scores (line), the expected path (dashed) and the usual range (shaded)."""
    values = [
        {"session": p.session, "lower": p.lower, "upper": p.upper, "expected": p.expected}
        for p in band
    ]
    points = [{"session": p.session, "score": p.value} for p in scores]
    x = {
        "field": "session",
        "type": "quantitative",
        "title": str(words.SESSION),
        "axis": {"tickMinStep": 1, "format": "d"},
    }
    y_scale = {"domain": [minimum, maximum]}
    return {
        "$schema": SCHEMA,
        "description": str(words.YOUR_SCORES_AND_PATH),
        "width": "container",
        "height": 240,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "layer": [
            {
                "data": {"values": values},
                "mark": {"type": "area", "opacity": 0.25, "color": CLIENT_BAND},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "lower",
                        "type": "quantitative",
                        "scale": y_scale,
                        "title": str(words.YOUR_SCORE),
                    },
                    "y2": {"field": "upper"},
                },
            },
            {
                "data": {"values": values},
                "mark": {"type": "line", "strokeDash": [6, 4], "color": CLIENT_EXPECTED},
                "encoding": {"x": x, "y": {"field": "expected", "type": "quantitative"}},
            },
            {
                "data": {"values": points},
                "mark": {
                    "type": "line",
                    "point": {"size": 80, "filled": True},
                    "strokeWidth": 3,
                    "color": INK,
                },
                "encoding": {"x": x, "y": {"field": "score", "type": "quantitative"}},
            },
        ],
        "config": {"font": FONT, "axis": {"labelFontSize": 14, "titleFontSize": 14}},
    }
