"""The report's charts: the report's figures turned into the rows of the builders in
:mod:`alliance.charts.report`; the same spec is drawn on the page and rendered for the PDF."""

from alliance.charts import ClassShare, Count, Spec, class_shares_spec, counts_spec
from alliance.charts import words as chart_words
from alliance.reports.labels import CHANGE_LABELS
from alliance.reports.selectors import Report

__all__ = ["chart_title", "report_charts"]


def chart_title(section: str) -> str:
    if section == "outcomes":
        return str(chart_words.OUTCOME_CLASSES_TITLE)
    return str(chart_words.ACTIVITY_TITLE)


def report_charts(report: Report) -> list[tuple[str, str, Spec]]:
    """(key, title, spec) for each chart with data: outcome classes, and the sessions."""
    charts = []
    classes = _class_rows(report)
    if classes:
        order = [str(v) for v in CHANGE_LABELS.values()]
        charts.append(("chart-outcomes", "outcomes", class_shares_spec(classes, order)))
    sessions = [
        Count(str(f.label), f.value)
        for f in report.section("activity")
        if f.unit == "count" and f.value
    ]
    if sessions:
        charts.append(("chart-activity", "activity", counts_spec(sessions)))
    return charts


def _class_rows(report: Report) -> list[ClassShare]:
    rows = []
    for figure in report.section("outcomes"):
        if figure.key.endswith("_rate") and figure.value is not None:
            change = figure.key.removesuffix("_rate")
            rows.append(
                ClassShare(
                    measure=figure.measure.upper(),
                    label=str(CHANGE_LABELS[change]),
                    order=list(CHANGE_LABELS).index(change),
                    share=figure.value,
                    n=figure.n,
                )
            )
    return rows
