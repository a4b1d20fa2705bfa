"""The trajectory preview: the expected paths of the model in use beside a candidate fit, for a
few intake scores (``alliance.trajectories.preview`` computes the paths)."""

from collections.abc import Sequence
from dataclasses import dataclass

from alliance.charts import words
from alliance.charts.palette import CANDIDATE, IN_USE
from alliance.charts.spec import SCHEMA, Spec

__all__ = ["PathPoint", "paths_spec"]


@dataclass(frozen=True)
class PathPoint:
    """The expected score and band at one session, under one model (``model``, its label in the
    legend), for one intake (``intake``, its label)."""

    model: str
    intake: str
    session: int
    expected: float
    lower: float
    upper: float


def paths_spec(
    points: Sequence[PathPoint],
    score_range: tuple[float, float],
    title: str,
    labels: tuple[str, str],
) -> Spec:
    """One line and band per model and intake: the model in use (``labels[0]``) solid and dark,
    the candidate (``labels[1]``) dashed and orange, so the two differ without colour too."""
    x = {
        "field": "session",
        "type": "quantitative",
        "title": str(words.SESSION),
        "axis": {"tickMinStep": 1, "format": "d"},
    }
    y = {
        "field": "expected",
        "type": "quantitative",
        "title": title,
        "scale": {"domain": list(score_range)},
    }
    model = {
        "field": "model",
        "type": "nominal",
        "title": str(words.MODEL),
        "scale": {"domain": list(labels), "range": [IN_USE, CANDIDATE]},
    }
    dash = {
        "field": "model",
        "type": "nominal",
        "title": str(words.MODEL),
        "scale": {"domain": list(labels), "range": [[1, 0], [6, 4]]},
    }
    return {
        "$schema": SCHEMA,
        "description": str(words.PREVIEW_DESCRIPTION),
        "width": "container",
        "height": 260,
        "autosize": {"type": "fit", "contains": "padding"},
        "data": {"values": [_value(p) for p in points]},
        "config": {
            "legend": {"orient": "bottom", "symbolType": "stroke", "symbolStrokeWidth": 2},
            "view": {"stroke": None},
        },
        "layer": [
            {
                "name": "band",
                "mark": {"type": "area", "opacity": 0.12},
                "encoding": {
                    "x": x,
                    "y": {**y, "field": "lower"},
                    "y2": {"field": "upper"},
                    "color": model,
                    "detail": {"field": "intake"},
                },
            },
            {
                "name": "expected",
                "mark": {"type": "line", "strokeWidth": 2},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": model,
                    "strokeDash": dash,
                    "detail": {"field": "intake"},
                    "tooltip": [
                        {"field": "model", "title": str(words.MODEL)},
                        {"field": "intake", "title": str(words.INTAKE)},
                        x,
                        y,
                    ],
                },
            },
        ],
    }


def _value(point: PathPoint) -> dict[str, object]:
    return {
        "model": point.model,
        "intake": point.intake,
        "session": point.session,
        "expected": point.expected,
        "lower": point.lower,
        "upper": point.upper,
    }
