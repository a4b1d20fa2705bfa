"""The HTML report of ``alliance analyze``: one self-contained page, readable offline.

Built from the analysis JSON (so the page shows exactly what the JSON holds). Charts are the
Vega-Lite specs of ``alliance.charts`` (``analysis.py``: the one schema version and palette of the
pages and the PDF), rendered to inline SVG by vl-convert: no script, no CDN, no external file.
Every chart comes with a caption and its numbers as a table (the text alternative). Clinicians
are listed by id with intervals, never ranked.

The page is ``templates/analysis_report.html`` (a :class:`string.Template`: the command line
never sets Django up) filled with words in the report's language (the command line's, from the
environment, unless ``render_report`` is given one) and numbers and dates written as that
language writes them (``alliance/formats/<language>/formats.py``: "1.234,5" in Dutch and
German). Names from the data (measures, clinician ids, the science core's notes and citations)
are shown as they are.
"""

from __future__ import annotations

import gettext as _gettext
import html
import importlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from string import Template
from typing import Any

import pandas as pd
import vl_convert

from alliance import charts
from alliance.cli.language import LANGUAGE_CODE
from alliance.console.language import translations
from alliance.science.signals import RULES

__all__ = ["MIN_PATH_RATINGS", "render_report"]

MIN_PATH_RATINGS = 5
"""Sessions with fewer ratings than this are left out of the path charts (too noisy to read)."""

TEMPLATE = Path(__file__).resolve().parent / "templates" / "analysis_report.html"


def gettext_noop(message: str) -> str:
    return message


# In the order of the palette's CLASS_COLOURS and COMPARED_COLOURS (alliance/charts/palette.py).
_CLASSES = {
    "recovered": gettext_noop("Recovered"),
    "reliably_improved": gettext_noop("Reliably improved"),
    "no_reliable_change": gettext_noop("No reliable change"),
    "reliably_deteriorated": gettext_noop("Reliably deteriorated"),
}
_COMPARED = {
    "better than average": gettext_noop("better than average"),
    "not distinguishable": gettext_noop("not distinguishable"),
    "worse than average": gettext_noop("worse than average"),
}
# The rules' short names, as the caseload shows them (alliance/clinic/explain.py, same words).
_RULE_NAMES = {
    "risk_answer": gettext_noop("Risk answer"),
    "not_on_track": gettext_noop("Not on track"),
    "reliable_deterioration": gettext_noop("Reliably worse"),
    "low_alliance": gettext_noop("Low alliance"),
    "alliance_drop": gettext_noop("Alliance fell"),
    "rating_discrepancy": gettext_noop("Ratings differ"),
    "ghosting_risk": gettext_noop("Missed after a low alliance"),
    "perfect_alliance_streak": gettext_noop("Always a perfect alliance"),
    "no_outcome_measure": gettext_noop("No outcome measure"),
}


@dataclass(frozen=True)
class _Language:
    """The report's language: its words, and how it writes numbers and a date with a time."""

    code: str
    words: _gettext.NullTranslations
    decimal: str
    thousands: str
    when: str  # a strftime pattern


_STRFTIME = {"d": "%d", "j": "%-d", "m": "%m", "n": "%-m", "Y": "%Y", "y": "%y", "H": "%H",
             "G": "%-H", "i": "%M"}  # fmt: skip


def _language(code: str) -> _Language:
    try:
        formats = importlib.import_module(f"alliance.formats.{code}.formats")
    except ImportError:
        formats = importlib.import_module("alliance.formats.en.formats")
    pattern = "".join(_STRFTIME.get(char, char) for char in formats.SHORT_DATETIME_FORMAT)
    return _Language(
        code=code,
        words=translations(code),
        decimal=formats.DECIMAL_SEPARATOR,
        thousands=formats.THOUSAND_SEPARATOR,
        when=pattern + " UTC",
    )


_current: ContextVar[_Language] = ContextVar("report_language")


@contextmanager
def _speaking(code: str) -> Iterator[_Language]:
    token = _current.set(_language(code))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def _(message: str) -> str:
    return _current.get().words.gettext(message)


def ngettext(singular: str, plural: str, number: int) -> str:
    return _current.get().words.ngettext(singular, plural, number)


def render_report(
    result: Mapping[str, Any], *, source: str, when: datetime, language: str | None = None
) -> str:
    """The whole report page for an analysis JSON (``Analysis.to_json_dict()``), in
    ``language`` (default: the command line's)."""
    with _speaking(language or LANGUAGE_CODE) as speaking:
        summary = result["summary"]
        title = _("Alliance analysis of %(file)s") % {"file": source}
        words = {
            "lang": speaking.code,
            "title": _e(title),
            "made": _e(
                _(
                    "Made %(when)s by alliance analyze. The JSON file written alongside holds "
                    "every episode, outcome and alert; this page shows the totals and charts."
                )
                % {"when": when.strftime(speaking.when)}
            ),
            "totals": _totals(summary),
            **_changes(summary["classification_counts"]),
            **_talking_therapies(summary["nhs_talking_therapies"]),
            **_trajectories(result["etr"]),
            **_alerts(summary["alerts_by_rule"]),
            **_clinicians(result["clinicians"]),
            **_alliance_outcome(result["alliance_outcome"]),
        }
        return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(words)


def _e(text: object) -> str:
    """Text for an element's content (quotes stay as written)."""
    return html.escape(str(text), quote=False)


def _digits(value: float | int, digits: int) -> str:
    """``value`` with thousands grouped, written with the language's separators."""
    speaking = _current.get()
    plain = f"{value:,}" if isinstance(value, int) else f"{value:,.{digits}f}"
    marks: dict[str, str | int | None] = {",": speaking.thousands, ".": speaking.decimal}
    return plain.translate(str.maketrans(marks))


def _number(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return _digits(value, digits)


def _percent(value: float, digits: int = 0) -> str:
    return _("%(number)s%%") % {"number": _digits(value, digits)}


def _share(part: int, whole: int) -> str:
    return "–" if whole == 0 else _percent(100 * part / whole)


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


def _svg(spec: charts.Spec) -> str:
    from alliance.formats import chart_locales

    locales = chart_locales(_current.get().code)
    # vl-convert's stubs list the locale names as literals; chart_locales gives known ones.
    return str(vl_convert.vegalite_to_svg(spec, **locales))  # type: ignore[arg-type]


def _by_id(clinician: object) -> tuple[int, int, str]:
    """Natural order of ids: 2 before 10; numbers before other text."""
    text = str(clinician)
    return (0, int(text), text) if text.isdigit() else (1, 0, text)


def _compared(group: str, better_side: str) -> str:
    if group == "within":
        return "not distinguishable"
    return "better than average" if group == better_side else "worse than average"


def _figure(spec: charts.Spec, label: str, caption: str, numbers: str) -> str:
    """A chart with its text alternative: a short label, a caption and the plotted numbers."""
    numbers_title = _("The numbers in this chart")
    return (
        f'<figure><div class="chart" role="img" aria-label="{html.escape(label)}">'
        f"{_svg(spec)}</div>"
        f"<figcaption>{_e(caption)}</figcaption>"
        f"<details><summary>{_e(numbers_title)}</summary>{numbers}</details>"
        "</figure>"
    )


def _totals(summary: Mapping[str, Any]) -> str:
    measures = ", ".join(
        f"{code} ({_number(count)})" for code, count in summary["ratings_per_measure"].items()
    )
    # (Words outside the f-strings: makemessages does not read inside them.)
    rows = [
        (_("Ratings"), _number(summary["n_ratings"])),
        (_("Episodes"), _number(summary["n_episodes"])),
        (_("Clinicians"), _number(summary["n_clinicians"])),
        (_("Ratings per measure"), _e(measures)),
    ]
    return "".join(f"<dt>{_e(name)}</dt><dd>{value}</dd>" for name, value in rows)


def _section(name: str, heading: str, note: str, body: str) -> dict[str, str]:
    return {f"{name}_heading": _e(heading), f"{name}_note": _e(note), name: body}


def _changes(counts: Mapping[str, Mapping[str, int]]) -> dict[str, str]:
    heading = _("Change from first to last rating")
    note = _(
        "Reliable and clinically significant change (Jacobson & Truax 1991) with each measure's "
        "cutoff and reliable-change value for the client's age group. Episodes with one rating, "
        "or on a measure without a published value for their age group, are unclassified."
    )
    if not counts:
        empty = _("No outcome measure was rated.")
        return _section("changes", heading, note, f"<p>{_e(empty)}</p>")
    rows = [
        [measure, *(found[c] for c in _CLASSES), found["unclassified"], sum(found.values())]
        for measure, found in counts.items()
    ]
    header = [
        _("Measure"),
        *(_(label) for label in _CLASSES.values()),
        _("Unclassified"),
        _("Episodes"),
    ]
    table = _table(_("Episodes by class of change"), header, rows)
    caption = _(
        "Bars show, per measure, the share of classified episodes that recovered, improved "
        "reliably, did not change reliably or deteriorated reliably."
    )
    label = _("Stacked bars of change classes per measure")
    body = _figure(_class_chart(counts), label, caption, table)
    return _section("changes", heading, note, body)


def _class_chart(counts: Mapping[str, Mapping[str, int]]) -> charts.Spec:
    rows = [
        charts.ClassCount(measure=m, label=_(_CLASSES[c]), order=i, episodes=found[c])
        for m, found in counts.items()
        for i, c in enumerate(_CLASSES)
    ]
    return charts.class_counts_spec(
        rows,
        [_(label) for label in _CLASSES.values()],
        title=_("Share of classified episodes by class of change"),
        measure=_("Measure"),
        share=_("Share"),
        legend=_("Class"),
    )


def _talking_therapies(totals: Mapping[str, Any]) -> dict[str, str]:
    heading = _("NHS Talking Therapies outcomes")
    note = _(
        "Adult episodes rated on both PHQ-9 and GAD-7. Caseness: PHQ-9 10 or more, or GAD-7 8 "
        "or more, at the first rating. A finished course has two or more sessions (NHS Talking "
        "Therapies manual, NHS England 2024)."
    )
    if totals["n_episodes"] == 0:
        empty = _("No adult episode was rated on both PHQ-9 and GAD-7.")
        return _section("talking_therapies", heading, note, f"<p>{_e(empty)}</p>")
    cases = totals["finished_cases"]
    rows = [
        [_("Episodes with both measures"), totals["n_episodes"], ""],
        [_("Cases at the start"), totals["caseness"], ""],
        [_("Cases that finished a course"), cases, ""],
        [_("Recovered"), totals["recovered"], _share(totals["recovered"], cases)],
        [_("Reliable improvement"), totals["reliable_improvement"], ""],
        [
            _("Reliable recovery"),
            totals["reliable_recovery"],
            _share(totals["reliable_recovery"], cases),
        ],
        [_("Reliable deterioration"), totals["reliable_deterioration"], ""],
    ]
    caption = _("Talking Therapies totals (rates over cases that finished a course)")
    table = _table(caption, [_("Outcome"), _("Episodes"), _("Rate")], rows)
    return _section("talking_therapies", heading, note, table)


def _trajectories(etr: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    heading = _("Expected treatment response")
    note = _(
        "For each outcome measure: the average score of the clients rated at each session, "
        "beside the average of what each client's expected path predicted from their own intake "
        "score (Finch, Lambert & Schaalje 2001), with the band's average edges. Sessions with "
        "fewer than %(count)d ratings are left out of the charts."
    ) % {"count": MIN_PATH_RATINGS}
    parts = []
    for measure, entry in etr.items():
        model = entry["model"]
        citation = "" if model is None else f" {_e(model['citation'])}"
        described = _("Model: %(note)s.") % {"note": entry["note"]}
        parts.append(f"<h3>{_e(measure)}</h3>\n<p class='note'>{_e(described)}{citation}</p>")
        path = pd.DataFrame(entry["path"])
        if model is not None and not path.empty:
            parts.append(_path_figure(measure, path[path["n_ratings"] >= MIN_PATH_RATINGS]))
    return _section("trajectories", heading, note, "\n".join(parts))


def _path_figure(measure: str, path: pd.DataFrame) -> str:
    columns = ["session", "n_ratings", "observed_mean", "expected_mean", "lower_mean", "upper_mean"]
    rows = [
        [int(row[0]), int(row[1]), *row[2:]] for row in path[columns].to_numpy(dtype=float).tolist()
    ]
    header = [_("Session"), _("Ratings"), _("Average"), _("Expected"), _("Band lower"),
              _("Band upper")]  # fmt: skip
    caption = _("%(measure)s: average and expected scores by session") % {"measure": measure}
    table = _table(caption, header, rows)
    if path.empty:
        return table
    caption = _(
        "%(measure)s: the clients' average score at each session (solid) and the average "
        "expected score (dashed), with the shaded band between the average band edges."
    ) % {"measure": measure}
    label = _("Line chart of the %(measure)s average and expected scores by session") % {
        "measure": measure
    }
    return _figure(_path_chart(measure, path), label, caption, table)


def _path_chart(measure: str, path: pd.DataFrame) -> charts.Spec:
    columns = ["session", "observed_mean", "expected_mean", "lower_mean", "upper_mean"]
    points = [
        charts.MeanPoint(int(session), *(_plain(value) for value in values))
        for session, *values in path[columns].itertuples(index=False)
    ]
    text = charts.MeanPathText(
        title=_("%(measure)s: average against expected path") % {"measure": measure},
        session=_("Session"),
        score=_("%(measure)s score") % {"measure": measure},
        observed=_("Clients' average"),
        expected=_("Expected"),
    )
    return charts.mean_path_spec(points, text)


def _plain(value: Any) -> float | None:
    """A number of the path as JSON writes it: a float, or None where nothing was predicted."""
    return None if value is None or pd.isna(value) else float(value)


def _alerts(by_rule: Mapping[str, int]) -> dict[str, str]:
    heading = _("Alerts")
    note = _(
        "What the alert rules would have raised, session by session (docs/science/signals.md). "
        "A research file has no missed appointments, so no ghosting alert can be raised from it."
    )
    if not by_rule:
        empty = _("No alerts.")
        return _section("alerts", heading, note, f"<p>{_e(empty)}</p>")
    names = [_(_RULE_NAMES.get(r.__name__, r.__name__.replace("_", " "))) for r in RULES]
    counts = [by_rule.get(rule.__name__, 0) for rule in RULES]
    rows = [[name, count] for name, count in zip(names, counts, strict=True)]
    table = _table(_("Alerts by rule"), [_("Rule"), _("Alerts")], rows)
    chart = charts.alerts_spec(
        [charts.Count(name, count) for name, count in zip(names, counts, strict=True)],
        title=_("Alerts by rule"),
        axis=_("Alerts"),
    )
    caption = _("Number of alerts per rule, in the order a caseload is sorted by (risk first).")
    body = _figure(chart, _("Bar chart of alerts per rule"), caption, table)
    return _section("alerts", heading, note, body)


def _clinicians(reports: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    heading = _("Clinicians")
    note = _(
        "Case-mix adjusted effects on the last score, adjusted for the intake score and shrunk "
        "towards the average clinician (0), with intervals. Clinicians are listed by id, never "
        "ranked: only an interval wholly above or below 0 sets a clinician apart from the "
        "average. Clinicians with too few episodes are not shown."
    )
    parts = []
    for measure, report in reports.items():
        parts.append(f"<h3>{_e(measure)}</h3>")
        if report["estimated"]:
            parts.append(_clinician_section(measure, report))
        else:
            parts.append(f"<p>{_e(report['note'])}.</p>")
    return _section("clinicians", heading, note, "\n".join(parts))


def _clinician_note(measure: str, report: Mapping[str, Any], hidden: int) -> str:
    sentences = [
        ngettext(
            "%(episodes)s episodes, %(count)d clinician;",
            "%(episodes)s episodes, %(count)d clinicians;",
            report["n_clinicians"],
        )
        % {"episodes": _number(report["n_episodes"]), "count": report["n_clinicians"]},
        _("share of outcome variance between clinicians %(share)s.")
        % {"share": _percent(100 * report["variance_share"], 1)},
        (
            _("On %(measure)s higher is better.")
            if report["higher_is_better"]
            else _("On %(measure)s lower is better.")
        )
        % {"measure": measure},
        ngettext(
            "%(count)d clinician with fewer than %(minimum)d episodes is not shown.",
            "%(count)d clinicians with fewer than %(minimum)d episodes are not shown.",
            hidden,
        )
        % {"count": hidden, "minimum": report["min_caseload"]},
    ]
    return f"<p class='note'>{_e(' '.join(sentences))}</p>"


def _clinician_section(measure: str, report: Mapping[str, Any]) -> str:
    shown = [
        {**c, "compared": _compared(c["group"], report["better_side"])}
        for c in sorted(report["clinicians"], key=lambda c: _by_id(c["clinician_id"]))
        if c["shown"]
    ]
    note = _clinician_note(measure, report, len(report["clinicians"]) - len(shown))
    if not shown:
        return note
    level = _percent(100 * report["level"])
    keys = ("clinician_id", "n_episodes", "estimate", "lower", "upper")
    header = [_("Clinician"), _("Episodes"), _("Effect"), _("Lower"), _("Upper"),
              _("Compared with the average")]  # fmt: skip
    table = _table(
        _("%(measure)s: clinician effects with %(level)s intervals")
        % {"measure": measure, "level": level},
        header,
        [
            [
                *(str(c[k]) if k == "clinician_id" else c[k] for k in keys),
                _(_COMPARED[c["compared"]]),
            ]
            for c in shown
        ],
    )
    chart = charts.intervals_spec(
        [
            charts.Interval(
                label=str(c["clinician_id"]),
                estimate=c["estimate"],
                lower=c["lower"],
                upper=c["upper"],
                group=_(_COMPARED[c["compared"]]),
            )
            for c in shown
        ],
        title=_("%(measure)s: clinician effects") % {"measure": measure},
        label_axis=_("Clinician (by id)"),
        value_axis=_("Effect (points)"),
        groups=[_(label) for label in _COMPARED.values()],
        legend=_("Interval"),
    )
    caption = _(
        "Each clinician's adjusted effect (dot) with its %(level)s interval (line), in id order; "
        "the dashed line is the average clinician."
    ) % {"level": level}
    label = _("Dot and interval chart of %(measure)s clinician effects") % {"measure": measure}
    return note + _figure(chart, label, caption, table)


def _alliance_outcome(reports: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    heading = _("Alliance and outcome")
    note = _(
        "Each client's mean alliance score split into the clinician's mean (between) and the "
        "client's difference from it (within), both predicting the last score with the intake "
        "score as case mix (Baldwin, Wampold & Imel 2007); and the plain correlation of alliance "
        "with the last score (meta-analytic r = .28, Flückiger et al. 2018; expect a negative r "
        "where lower scores are better)."
    )
    estimated = {m: r for m, r in reports.items() if r["estimated"]}
    notes = "".join(
        f"<p>{_e(m)}: {_e(r['note'])}.</p>" for m, r in reports.items() if not r["estimated"]
    )
    if not estimated:
        return _section("alliance_outcome", heading, note, notes)
    header = [_("Measure"), _("Clients"), _("Clinicians"), _("Within"), _("Interval"),
              _("Between"), _("Interval"), "r", _("r interval")]  # fmt: skip
    table = _table(
        _("Alliance-outcome split per outcome measure (points of outcome per point of alliance)"),
        header,
        [_split_row(measure, report) for measure, report in estimated.items()],
    )
    chart = charts.intervals_spec(
        [
            charts.Interval(
                label=m,
                estimate=r["correlation"],
                lower=r["correlation_lower"],
                upper=r["correlation_upper"],
            )
            for m, r in estimated.items()
        ],
        title=_("Alliance-outcome correlation"),
        label_axis=_("Outcome measure"),
        value_axis=_("Correlation of alliance with the last score"),
    )
    caption = _(
        "Correlation of each client's mean alliance with their last score (dot) and its "
        "interval (line); the dashed line is no correlation."
    )
    label = _("Dot and interval chart of alliance-outcome correlations")
    body = _figure(chart, label, caption, table) + notes
    return _section("alliance_outcome", heading, note, body)


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
    return _("%(lower)s to %(upper)s") % {"lower": _digits(lower, 2), "upper": _digits(upper, 2)}
