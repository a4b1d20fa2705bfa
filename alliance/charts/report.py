"""The agency report's charts: outcome classes per measure and the activity counts. The same
spec is drawn on the page and rendered by vl-convert for the PDF (``alliance.reports``)."""

from collections.abc import Sequence
from dataclasses import dataclass

from alliance.charts.palette import CLASS_COLOURS, INK
from alliance.charts.spec import SCHEMA, Spec

__all__ = ["ClassShare", "Count", "class_shares_spec", "counts_spec"]


@dataclass(frozen=True)
class ClassShare:
    """One measure's share of closed episodes in one outcome class (``label``, already in the
    reader's language; ``order`` its place in ``classes``), out of ``n`` episodes."""

    measure: str
    label: str
    order: int
    share: float
    n: int | None


@dataclass(frozen=True)
class Count:
    """One bar of a count chart: what is counted (in the reader's language) and how many."""

    what: str
    count: float


def class_shares_spec(rows: Sequence[ClassShare], classes: Sequence[str]) -> Spec:
    """One row of bars per measure: the share of episodes in each class (``classes`` in their
    order, the first recovered), each bar labelled with its share and n."""
    order = list(classes)
    values = [
        {
            "measure": r.measure,
            "class": r.label,
            "order": r.order,
            "share": r.share,
            "label": f"{r.share:.0%} (n={r.n})",
        }
        for r in rows
    ]
    return {
        "$schema": SCHEMA,
        "width": 420,
        "data": {"values": values},
        "facet": {"row": {"field": "measure", "type": "nominal", "title": None}},
        "spec": {
            "width": 420,
            "layer": [
                {
                    "mark": "bar",
                    "encoding": {
                        "y": {"field": "class", "type": "nominal", "sort": order, "title": None},
                        "x": {
                            "field": "share",
                            "type": "quantitative",
                            "axis": {"format": "%"},
                            "scale": {"domain": [0, 1]},
                            "title": None,
                        },
                        "color": {
                            "field": "class",
                            "type": "nominal",
                            "legend": None,
                            "scale": {"domain": order, "range": list(CLASS_COLOURS)},
                        },
                    },
                },
                {
                    "mark": {"type": "text", "align": "left", "dx": 4},
                    "encoding": {
                        "y": {"field": "class", "type": "nominal", "sort": order},
                        "x": {"field": "share", "type": "quantitative"},
                        "text": {"field": "label"},
                    },
                },
            ],
        },
    }


def counts_spec(rows: Sequence[Count]) -> Spec:
    """Horizontal bars, one per count in the given order, each labelled with its number."""
    return {
        "$schema": SCHEMA,
        "width": 420,
        "data": {"values": [{"what": r.what, "count": r.count} for r in rows]},
        "layer": [
            {"mark": {"type": "bar", "color": INK}},
            {
                "mark": {"type": "text", "align": "left", "dx": 4},
                "encoding": {"text": {"field": "count"}},
            },
        ],
        "encoding": {
            "y": {"field": "what", "type": "nominal", "sort": None, "title": None},
            "x": {"field": "count", "type": "quantitative", "title": None},
        },
    }
