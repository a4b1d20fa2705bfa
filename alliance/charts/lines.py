"""The charts with one line per series: the alliance totals (one line per rater and person
rated), the alliance items or subscales, and the goals; each line with its own colour, dot shape
and dash, so the lines differ without colour too."""

from collections.abc import Sequence

from alliance.charts.axes import cutoff_layers, session_axis, value_axis, with_axes
from alliance.charts.palette import SERIES_COLOURS, SERIES_DASHES, SERIES_SHAPES
from alliance.charts.points import AllianceText, Line, ScorePoint
from alliance.charts.spec import Spec, frame

__all__ = ["alliance_items_spec", "alliance_totals_spec", "goals_spec"]


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
    layers = with_axes(
        [*cutoff_layers(cutoff, 1), lines],
        session_axis(text.session, last),
        value_axis(text.score, domain),
    )
    return frame(text.description, layers, height=height)


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
