"""The HTML report of ``alliance analyze``: one self-contained page, readable offline.

Built from the analysis JSON (so the page shows exactly what the JSON holds). Charts are Vega-Lite
specifications made with Altair and rendered to inline SVG by vl-convert: no script, no CDN, no
external file. Every chart comes with a caption and its numbers as a table (the text alternative).
Clinicians are listed by id with intervals, never ranked.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import altair as alt
import pandas as pd
import vl_convert

from alliance.science.signals import RULES

__all__ = ["MIN_PATH_RATINGS", "render_report"]

MIN_PATH_RATINGS = 5
"""Sessions with fewer ratings than this are left out of the path charts (too noisy to read)."""

_CLASSES = {
    "recovered": ("Recovered", "#2166ac"),
    "reliably_improved": ("Reliably improved", "#67a9cf"),
    "no_reliable_change": ("No reliable change", "#bababa"),
    "reliably_deteriorated": ("Reliably deteriorated", "#d6604d"),
}
_COMPARED = {
    "better than average": "#2166ac",
    "not distinguishable": "#8c8c8c",
    "worse than average": "#d6604d",
}
_STYLE = """
body { font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a; margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1, h2, h3 { line-height: 1.25; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.95rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.25rem; }
th, td { border-bottom: 1px solid #ccc; padding: 0.2rem 0.6rem; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0 1.5rem; }
figcaption { font-size: 0.95rem; max-width: 45rem; }
.chart svg { max-width: 100%; height: auto; }
.note { color: #444; font-size: 0.95rem; max-width: 45rem; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.1rem 1rem; }
dt { font-weight: 600; }
"""


def render_report(result: Mapping[str, Any], *, source: str, when: datetime) -> str:
    """The whole report page for an analysis JSON (``Analysis.to_json_dict()``)."""
    sections = [
        _summary(result["summary"], source, when),
        _changes(result["summary"]["classification_counts"]),
        _talking_therapies(result["summary"]["nhs_talking_therapies"]),
        _trajectories(result["etr"]),
        _alerts(result["summary"]["alerts_by_rule"]),
        _clinicians(result["clinicians"]),
        _alliance_outcome(result["alliance_outcome"]),
    ]
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Alliance analysis of {_e(source)}</title>\n<style>{_STYLE}</style>\n"
        "</head>\n<body>\n<main>\n" + "\n".join(sections) + "\n</main>\n</body>\n</html>\n"
    )


def _e(text: object) -> str:
    return html.escape(str(text))


def _number(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def _share(part: int, whole: int) -> str:
    return "–" if whole == 0 else f"{100 * part / whole:.0f}%"


def _table(caption: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f'<th scope="col">{_e(name)}</th>' for name in header)
    body = []
    for row in rows:
        cells = []
        for cell in row:
            numeric = isinstance(cell, int | float) and not isinstance(cell, bool)
            text = _number(cell) if numeric or cell is None else _e(cell)
            cells.append(f'<td class="number">{text}</td>' if numeric else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<table><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _svg(chart: alt.TopLevelMixin) -> str:
    readable = (
        chart.configure_axis(labelFontSize=12, titleFontSize=13)
        .configure_legend(labelFontSize=12, titleFontSize=13)
        .configure_title(fontSize=15)
    )
    return str(vl_convert.vegalite_to_svg(readable.to_dict()))


def _by_id(clinician: object) -> tuple[int, int, str]:
    """Natural order of ids: 2 before 10; numbers before other text."""
    text = str(clinician)
    return (0, int(text), text) if text.isdigit() else (1, 0, text)


def _compared(group: str, better_side: str) -> str:
    if group == "within":
        return "not distinguishable"
    return "better than average" if group == better_side else "worse than average"


def _figure(chart: alt.TopLevelMixin, label: str, caption: str, numbers: str) -> str:
    """A chart with its text alternative: a short label, a caption and the plotted numbers."""
    return (
        f'<figure><div class="chart" role="img" aria-label="{_e(label)}">{_svg(chart)}</div>'
        f"<figcaption>{_e(caption)}</figcaption>"
        f"<details><summary>The numbers in this chart</summary>{numbers}</details></figure>"
    )


def _summary(summary: Mapping[str, Any], source: str, when: datetime) -> str:
    measures = ", ".join(
        f"{code} ({count:,})" for code, count in summary["ratings_per_measure"].items()
    )
    return (
        f"<h1>Alliance analysis of {_e(source)}</h1>\n"
        f'<p class="note">Made {_e(when.strftime("%Y-%m-%d %H:%M UTC"))} by alliance analyze. '
        "The JSON file written alongside holds every episode, outcome and alert; this page "
        "shows the totals and charts.</p>\n<dl>"
        f"<dt>Ratings</dt><dd>{summary['n_ratings']:,}</dd>"
        f"<dt>Episodes</dt><dd>{summary['n_episodes']:,}</dd>"
        f"<dt>Clinicians</dt><dd>{summary['n_clinicians']:,}</dd>"
        f"<dt>Ratings per measure</dt><dd>{_e(measures)}</dd></dl>"
    )


def _changes(counts: Mapping[str, Mapping[str, int]]) -> str:
    intro = (
        "<h2>Change from first to last rating</h2>\n<p class='note'>Reliable and clinically "
        "significant change (Jacobson &amp; Truax 1991) with each measure's cutoff and "
        "reliable-change value for the client's age group. Episodes with one rating, or on a "
        "measure without a published value for their age group, are unclassified.</p>"
    )
    if not counts:
        return intro + "<p>No outcome measure was rated.</p>"
    rows = [
        [measure, *(found[c] for c in _CLASSES), found["unclassified"], sum(found.values())]
        for measure, found in counts.items()
    ]
    header = ["Measure", *(label for label, _ in _CLASSES.values()), "Unclassified", "Episodes"]
    table = _table("Episodes by class of change", header, rows)
    caption = (
        "Bars show, per measure, the share of classified episodes that recovered, improved "
        "reliably, did not change reliably or deteriorated reliably."
    )
    chart = _class_chart(counts)
    return intro + _figure(chart, "Stacked bars of change classes per measure", caption, table)


def _class_chart(counts: Mapping[str, Mapping[str, int]]) -> alt.Chart:
    frame = pd.DataFrame(
        [
            {"measure": m, "class": _CLASSES[c][0], "order": i, "episodes": found[c]}
            for m, found in counts.items()
            for i, c in enumerate(_CLASSES)
        ]
    )
    labels = [label for label, _ in _CLASSES.values()]
    colours = alt.Scale(domain=labels, range=[colour for _, colour in _CLASSES.values()])
    share = alt.X("episodes:Q", stack="normalize", title="Share", axis=alt.Axis(format="%"))
    chart: alt.Chart = (
        alt.Chart(frame, title="Share of classified episodes by class of change")
        .mark_bar()
        .encode(
            y=alt.Y("measure:N", title="Measure"),
            x=share,
            color=alt.Color("class:N", sort=labels, scale=colours, title="Class"),
            order=alt.Order("order:Q"),
        )
        .properties(width=480)
    )
    return chart


def _talking_therapies(totals: Mapping[str, Any]) -> str:
    intro = (
        "<h2>NHS Talking Therapies outcomes</h2>\n<p class='note'>Adult episodes rated on both "
        "PHQ-9 and GAD-7. Caseness: PHQ-9 10 or more, or GAD-7 8 or more, at the first rating. "
        "A finished course has two or more sessions (NHS Talking Therapies manual, NHS England "
        "2024).</p>"
    )
    if totals["n_episodes"] == 0:
        return intro + "<p>No adult episode was rated on both PHQ-9 and GAD-7.</p>"
    cases = totals["finished_cases"]
    rows = [
        ["Episodes with both measures", totals["n_episodes"], ""],
        ["Cases at the start", totals["caseness"], ""],
        ["Cases that finished a course", cases, ""],
        ["Recovered", totals["recovered"], _share(totals["recovered"], cases)],
        ["Reliable improvement", totals["reliable_improvement"], ""],
        [
            "Reliable recovery",
            totals["reliable_recovery"],
            _share(totals["reliable_recovery"], cases),
        ],
        ["Reliable deterioration", totals["reliable_deterioration"], ""],
    ]
    caption = "Talking Therapies totals (rates over cases that finished a course)"
    return intro + _table(caption, ["Outcome", "Episodes", "Rate"], rows)


def _trajectories(etr: Mapping[str, Mapping[str, Any]]) -> str:
    parts = [
        "<h2>Expected treatment response</h2>\n<p class='note'>For each outcome measure: the "
        "average score of the clients rated at each session, beside the average of what each "
        "client's expected path predicted from their own intake score (Finch, Lambert &amp; "
        f"Schaalje 2001), with the band's average edges. Sessions with fewer than "
        f"{MIN_PATH_RATINGS} ratings are left out of the charts.</p>"
    ]
    for measure, entry in etr.items():
        model = entry["model"]
        citation = "" if model is None else f" {_e(model['citation'])}"
        parts.append(
            f"<h3>{_e(measure)}</h3>\n<p class='note'>Model: {_e(entry['note'])}.{citation}</p>"
        )
        path = pd.DataFrame(entry["path"])
        if model is not None and not path.empty:
            parts.append(_path_figure(measure, path[path["n_ratings"] >= MIN_PATH_RATINGS]))
    return "\n".join(parts)


def _path_figure(measure: str, path: pd.DataFrame) -> str:
    columns = ["session", "n_ratings", "observed_mean", "expected_mean", "lower_mean", "upper_mean"]
    rows = [
        [int(row[0]), int(row[1]), *row[2:]] for row in path[columns].to_numpy(dtype=float).tolist()
    ]
    table = _table(
        f"{measure}: average and expected scores by session",
        ["Session", "Ratings", "Average", "Expected", "Band lower", "Band upper"],
        rows,
    )
    if path.empty:
        return table
    caption = (
        f"{measure}: the clients' average score at each session (solid) and the average expected "
        "score (dashed), with the shaded band between the average band edges."
    )
    label = f"Line chart of the {measure} average and expected scores by session"
    return _figure(_path_chart(measure, path), label, caption, table)


def _path_chart(measure: str, path: pd.DataFrame) -> alt.LayerChart:
    names = {"observed_mean": "Clients' average", "expected_mean": "Expected"}
    long = path.melt(
        id_vars=["session"], value_vars=list(names), var_name="line", value_name="score"
    )
    long["line"] = long["line"].map(names)
    x = alt.X("session:Q", title="Session", axis=alt.Axis(tickMinStep=1))
    y = alt.Y("lower_mean:Q", title=f"{measure} score", scale=alt.Scale(zero=False))
    band = (
        alt.Chart(path).mark_area(opacity=0.2, color="#67a9cf").encode(x=x, y=y, y2="upper_mean:Q")
    )
    colour = alt.Color("line:N", title=None, scale=alt.Scale(range=["#1a1a1a", "#2166ac"]))
    lines = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(x=x, y="score:Q", color=colour, strokeDash=alt.StrokeDash("line:N", title=None))
    )
    title = f"{measure}: average against expected path"
    chart: alt.LayerChart = (band + lines).properties(width=480, height=260, title=title)
    return chart


def _alerts(by_rule: Mapping[str, int]) -> str:
    intro = (
        "<h2>Alerts</h2>\n<p class='note'>What the alert rules would have raised, session by "
        "session (docs/science/signals.md). A research file has no missed appointments, so no "
        "ghosting alert can be raised from it.</p>"
    )
    if not by_rule:
        return intro + "<p>No alerts.</p>"
    names = [rule.__name__.replace("_", " ") for rule in RULES]
    rows = [[name, by_rule.get(rule.__name__, 0)] for name, rule in zip(names, RULES, strict=True)]
    table = _table("Alerts by rule", ["Rule", "Alerts"], rows)
    chart = (
        alt.Chart(pd.DataFrame(rows, columns=["rule", "alerts"]), title="Alerts by rule")
        .mark_bar(color="#2166ac")
        .encode(y=alt.Y("rule:N", sort=names, title=None), x=alt.X("alerts:Q", title="Alerts"))
        .properties(width=420)
    )
    caption = "Number of alerts per rule, in the order a caseload is sorted by (risk first)."
    return intro + _figure(chart, "Bar chart of alerts per rule", caption, table)


def _clinicians(reports: Mapping[str, Mapping[str, Any]]) -> str:
    parts = [
        "<h2>Clinicians</h2>\n<p class='note'>Case-mix adjusted effects on the last score, "
        "adjusted for the intake score and shrunk towards the average clinician (0), with "
        "intervals. Clinicians are listed by id, never ranked: only an interval wholly above or "
        "below 0 sets a clinician apart from the average. Clinicians with too few episodes are "
        "not shown.</p>"
    ]
    for measure, report in reports.items():
        parts.append(f"<h3>{_e(measure)}</h3>")
        if report["estimated"]:
            parts.append(_clinician_section(measure, report))
        else:
            parts.append(f"<p>{_e(report['note'])}.</p>")
    return "\n".join(parts)


def _clinician_section(measure: str, report: Mapping[str, Any]) -> str:
    shown = [
        {**c, "compared": _compared(c["group"], report["better_side"])}
        for c in sorted(report["clinicians"], key=lambda c: _by_id(c["clinician_id"]))
        if c["shown"]
    ]
    better = "higher" if report["higher_is_better"] else "lower"
    note = (
        f"<p class='note'>{report['n_episodes']:,} episodes, {report['n_clinicians']} clinicians; "
        f"share of outcome variance between clinicians {100 * report['variance_share']:.1f}%. "
        f"On {_e(measure)} {better} is better. {len(report['clinicians']) - len(shown)} "
        f"clinicians with fewer than {report['min_caseload']} episodes are not shown.</p>"
    )
    if not shown:
        return note
    level = f"{100 * report['level']:.0f}%"
    keys = ("clinician_id", "n_episodes", "estimate", "lower", "upper", "compared")
    table = _table(
        f"{measure}: clinician effects with {level} intervals",
        ["Clinician", "Episodes", "Effect", "Lower", "Upper", "Compared with the average"],
        [[str(c[k]) if k == "clinician_id" else c[k] for k in keys] for c in shown],
    )
    frame = pd.DataFrame(shown).assign(label=lambda f: f["clinician_id"].astype(str))
    colour = alt.Color(
        "compared:N",
        scale=alt.Scale(domain=list(_COMPARED), range=list(_COMPARED.values())),
        title="Interval",
    )
    chart = _interval_chart(frame, "Clinician (by id)", "Effect (points)", colour).properties(
        height=max(80, 18 * len(shown)), title=f"{measure}: clinician effects"
    )
    caption = (
        f"Each clinician's adjusted effect (dot) with its {level} interval (line), in id order; "
        "the dashed line is the average clinician."
    )
    label = f"Dot and interval chart of {measure} clinician effects"
    return note + _figure(chart, label, caption, table)


def _interval_chart(
    frame: pd.DataFrame, y_title: str, x_title: str, colour: alt.Color | None = None
) -> alt.LayerChart:
    """Dots (``estimate``) with interval lines (``lower`` to ``upper``) per ``label``, in the
    frame's order, and a dashed line at 0."""
    y = alt.Y("label:N", sort=list(frame["label"]), title=y_title)
    extra = {} if colour is None else {"color": colour}
    intervals = (
        alt.Chart(frame)
        .mark_rule()
        .encode(y=y, x=alt.X("lower:Q", title=x_title), x2="upper:Q", **extra)
    )
    points = alt.Chart(frame).mark_point(filled=True).encode(y=y, x="estimate:Q", **extra)
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    chart: alt.LayerChart = (intervals + points + zero).properties(width=420)
    return chart


def _alliance_outcome(reports: Mapping[str, Mapping[str, Any]]) -> str:
    intro = (
        "<h2>Alliance and outcome</h2>\n<p class='note'>Each client's mean alliance score split "
        "into the clinician's mean (between) and the client's difference from it (within), both "
        "predicting the last score with the intake score as case mix (Baldwin, Wampold &amp; "
        "Imel 2007); and the plain correlation of alliance with the last score (meta-analytic "
        "r = .28, Flückiger et al. 2018; expect a negative r where lower scores are better).</p>"
    )
    estimated = {m: r for m, r in reports.items() if r["estimated"]}
    notes = "".join(
        f"<p>{_e(m)}: {_e(r['note'])}.</p>" for m, r in reports.items() if not r["estimated"]
    )
    if not estimated:
        return intro + notes
    header = ["Measure", "Clients", "Clinicians", "Within", "Interval", "Between", "Interval",
              "r", "r interval"]  # fmt: skip
    table = _table(
        "Alliance-outcome split per outcome measure (points of outcome per point of alliance)",
        header,
        [_split_row(measure, report) for measure, report in estimated.items()],
    )
    frame = pd.DataFrame(
        [
            {
                "label": m,
                "estimate": r["correlation"],
                "lower": r["correlation_lower"],
                "upper": r["correlation_upper"],
            }
            for m, r in estimated.items()
        ]
    )
    x_title = "Correlation of alliance with the last score"
    chart = _interval_chart(frame, "Outcome measure", x_title).properties(
        title="Alliance-outcome correlation"
    )
    caption = (
        "Correlation of each client's mean alliance with their last score (dot) and its "
        "interval (line); the dashed line is no correlation."
    )
    label = "Dot and interval chart of alliance-outcome correlations"
    return intro + _figure(chart, label, caption, table) + notes


def _split_row(measure: str, report: Mapping[str, Any]) -> list[Any]:
    within, between = report["within"], report["between"]
    return [
        measure,
        report["n_clients"],
        report["n_clinicians"],
        within["estimate"],
        _interval(within["lower"], within["upper"]),
        between["estimate"],
        _interval(between["lower"], between["upper"]),
        report["correlation"],
        _interval(report["correlation_lower"], report["correlation_upper"]),
    ]


def _interval(lower: float, upper: float) -> str:
    return f"{lower:.2f} to {upper:.2f}"
