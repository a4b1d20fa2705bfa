"""Vega-Lite specs for the report: the same spec is drawn on the page and rendered for the PDF."""

from typing import Any

from django.utils.translation import gettext as _

from alliance.reports.labels import CHANGE_LABELS
from alliance.reports.selectors import Report

__all__ = ["chart_title", "report_charts"]

Spec = dict[str, Any]
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
# Distinct grey-scale shades so the print keeps its meaning; the bars are labelled with n.
CLASS_COLOURS = ["#1a7f37", "#1f5fbf", "#9aa3b2", "#a3141c"]


def chart_title(section: str) -> str:
    if section == "outcomes":
        return _("Outcome classes per measure (share of closed episodes, with n)")
    return _("Episodes and sessions (counts)")


def report_charts(report: Report) -> list[tuple[str, str, Spec]]:
    """(key, title, spec) for each chart with data: outcome classes, and the sessions."""
    charts = []
    classes = _class_rows(report)
    if classes:
        charts.append(("chart-outcomes", "outcomes", _outcome_spec(classes)))
    sessions = [
        {"what": str(f.label), "count": f.value}
        for f in report.section("activity")
        if f.unit == "count" and f.value
    ]
    if sessions:
        charts.append(("chart-activity", "activity", _bar_spec(sessions)))
    return charts


def _class_rows(report: Report) -> list[dict[str, Any]]:
    rows = []
    for figure in report.section("outcomes"):
        if figure.key.endswith("_rate") and figure.value is not None:
            change = figure.key.removesuffix("_rate")
            rows.append(
                {
                    "measure": figure.measure.upper(),
                    "class": str(CHANGE_LABELS[change]),
                    "order": list(CHANGE_LABELS).index(change),
                    "share": figure.value,
                    "label": f"{figure.value:.0%} (n={figure.n})",
                }
            )
    return rows


def _outcome_spec(rows: list[dict[str, Any]]) -> Spec:
    order = [str(v) for v in CHANGE_LABELS.values()]
    return {
        "$schema": SCHEMA,
        "width": 420,
        "data": {"values": rows},
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
                            "scale": {"domain": order, "range": CLASS_COLOURS},
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


def _bar_spec(rows: list[dict[str, Any]]) -> Spec:
    return {
        "$schema": SCHEMA,
        "width": 420,
        "data": {"values": rows},
        "layer": [
            {"mark": {"type": "bar", "color": "#1f5fbf"}},
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
