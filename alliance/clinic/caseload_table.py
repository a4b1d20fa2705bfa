"""The caseload table's rows, written in Python rather than an included template: a caseload
draws up to a thousand of them, and the template engine's per-node cost (includes,
``blocktranslate``, filters) was most of the page's time (issue 16). The HTML and the words are
the template's (the same message ids, so the translations stand); everything shown is escaped.
"""

from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from html import escape

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # missing from django-stubs 6.1.2
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from alliance.clinic import explain
from alliance.clinic.appointment_selectors import AppointmentSummary
from alliance.clinic.selectors import AlertGroup, CaseloadRow, Trend
from alliance.formats import local

__all__ = ["caseload_rows_html"]


class _Words:
    """The words, numbers and decimal mark of the request's language, each looked up once per
    page: a caseload repeats the same few words, counts and scores on every row."""

    def __init__(self) -> None:
        # Literal gettext calls, so that makemessages still finds these messages.
        self.decimal = str(formats.get_format("DECIMAL_SEPARATOR"))
        self.none_yet, self.none_open = _("none yet"), _("None open")
        self.latest_scores = _("%(measure)s, latest scores oldest first: %(values)s")
        self.cutoff = _("cutoff %(value)s")
        self.here_because = _("Here because:")
        self.since, self.at = _("since session %(n)s"), _("at session %(n)s")
        self.last, self.next, self.not_booked = _("Last:"), _("Next:"), _("not booked")
        self.open_alerts = cache(
            lambda n: ngettext("%(n)s open alert", "%(n)s open alerts", n) % {"n": n}
        )
        self.sessions = cache(lambda n: ngettext("session %(list)s", "sessions %(list)s", n))
        self.more = cache(
            lambda n: (
                ngettext("and %(n)s more kind of alert", "and %(n)s more kinds of alert", n)
                % {"n": n}
            )
        )
        self.so_far = cache(
            lambda n: ngettext("%(n)s session so far", "%(n)s sessions so far", n) % {"n": n}
        )
        self.rule = cache(explain.rule_name)
        self.number = cache(self._number)

    def _number(self, value: float, decimals: int = 1) -> str:
        """``explain.number`` for a score below a thousand (no grouping), with the mark known."""
        if not -1000 < value < 1000:
            return explain.number(value, decimals)
        step = Decimal(1).scaleb(-decimals)
        rounded = Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP)
        shown = rounded.copy_abs() if rounded == 0 else rounded
        return f"{shown:f}".replace(".", self.decimal)


def _trend(line: Trend | None, measure: str, words: _Words) -> str:
    """A measure's small chart, drawn server-side as SVG with the scores in its accessible
    name, then the latest score."""
    name = f'<span class="trend-name">{escape(measure.upper())}</span>'
    if line is None:
        return (
            f'<span class="trend">{name} <span class="muted">{escape(words.none_yet)}</span></span>'
        )
    spark = line.line
    values = ", ".join(words.number(value) for value in line.values)
    label = words.latest_scores % {"measure": measure.upper(), "values": values}
    dot = (
        f'<circle class="spark-dot" cx="{spark.last[0]}" cy="{spark.last[1]}" r="2.5"/>'
        if spark.last
        else ""
    )
    cutoff = ""
    if spark.cutoff is not None and line.cutoff is not None:
        label += "; " + words.cutoff % {"value": words.number(line.cutoff, 0)}
        cutoff = (
            f'<line class="spark-cutoff" x1="0" x2="{spark.width}" y1="{spark.cutoff}" '
            f'y2="{spark.cutoff}"/>'
        )
    return (
        f'<span class="trend">{name} <svg class="spark" viewBox="0 0 {spark.width} '
        f'{spark.height}" width="{spark.width}" height="{spark.height}" role="img" '
        f'aria-label="{escape(label)}">{cutoff}<polyline class="spark-line" '
        f'points="{spark.points}"/>{dot}</svg> <span class="trend-latest">'
        f"{words.number(line.latest)}</span></span>"
    )


def _why(top: AlertGroup, words: _Words) -> str:
    last = top.sessions[-1]
    if top.since and top.since < last:
        when = words.since % {"n": top.since}
    else:
        when = words.at % {"n": last}
    because = escape(words.here_because)
    rule = escape(words.rule(top.rule))
    return f'<p class="why"><strong>{because}</strong> {rule} {escape(when)}</p>'


def _alerts(row: CaseloadRow, words: _Words) -> str:
    if not row.alerts:
        return f'<span class="muted">{escape(words.none_open)}</span>'
    tags = []
    for group in row.alerts:
        n = len(group.sessions)
        listed = ", ".join(str(number) for number in group.sessions)
        sessions = words.sessions(n) % {"n": n, "list": listed}
        icon = explain.SEVERITY_ICONS.get(group.severity, "•")
        tags.append(
            f'<li class="tag {escape(group.severity)}"><span class="icon" aria-hidden="true">'
            f'{escape(icon)}</span> <span class="severity">{escape(group.severity_label)}:</span> '
            f'{escape(words.rule(group.rule))} <span class="muted">{escape(sessions)}</span></li>'
        )
    if row.more:
        tags.append(f'<li class="muted">{escape(words.more(row.more))}</li>')
    count = escape(words.open_alerts(row.open_count))
    listed = "".join(tags)
    return f'{_why(row.alerts[0], words)}<ul class="alert-tags" aria-label="{count}">{listed}</ul>'


def _when(value: datetime | None, name: str) -> str:
    """A time in the reader's language by one of our named formats (``alliance.formats``)."""
    return escape(local(template_localtime(value), name)) if value else ""


def _appointments(booked: AppointmentSummary, words: _Words) -> str:
    last = (
        _when(booked.last_at, "MONTH_DAY_FORMAT")
        or f'<span class="muted">{escape(words.none_yet)}</span>'
    )
    upcoming = _when(booked.next_at, "WEEKDAY_MONTH_DAY_TIME_FORMAT")
    upcoming = (
        f"<strong>{upcoming}</strong>"
        if upcoming
        else f'<span class="muted">{escape(words.not_booked)}</span>'
    )
    return (
        f'<td class="appointments-cell"><span>{escape(words.last)} {last}</span><br>'
        f"<span>{escape(words.next)} {upcoming}</span><br>"
        f'<span class="muted">{escape(words.so_far(booked.so_far))}</span></td>'
    )


def _row(row: CaseloadRow, address: str, words: _Words) -> str:
    return (
        f'<tr><th scope="row" class="client-cell"><a href="{address.format(row.episode_id)}">'
        f"{escape(row.client_name)}</a> "
        f'<span class="muted">{escape(row.client_code)} · {escape(row.team_name)}</span></th>'
        f'<td class="trends">{_trend(row.outcome, row.outcome_measure, words)} '
        f"{_trend(row.alliance, row.alliance_measure, words)}</td>"
        f"<td>{_alerts(row, words)}</td>{_appointments(row.appointments, words)}</tr>"
    )


# Rows already drawn, by everything they show (see _drawn_by): a caseload is opened many times
# a day and most rows change only when their summary does, so the page draws only those.
_DRAWN: dict[tuple[object, ...], str] = {}
_MOST_DRAWN = 10_000  # about 1.6 KB a row: some 16 MB a process at most


def _drawn_by(row: CaseloadRow, page: tuple[str, ...]) -> tuple[object, ...]:
    """Everything a row's HTML is drawn from: the page's language, time zone and address, the
    client's and team's names, the measures and cutoffs in force, the summary's scores and open
    alerts as stored, the sessions attended, and the last and next appointment at this moment
    (which change with the clock, not with the summary)."""
    booked = row.appointments
    return (
        *page,
        row.episode_id,
        row.client_name,
        row.client_code,
        row.team_name,
        row.outcome_measure,
        row.alliance_measure,
        row.outcome_cutoff,
        row.alliance_cutoff,
        row.scores_json,
        row.alerts_json,
        row.open_count,
        booked.so_far,
        booked.last_at,
        booked.next_at,
    )


def _ascii(html: str) -> str:
    """The row with every character beyond ASCII written as a character reference (``&#9650;``
    for the high severity's triangle): the browser shows the same, and a page of ASCII rows is
    encoded for sending forty times quicker than one holding a single "▲" (UTF-8 of a
    two-byte-wide string)."""
    return html if html.isascii() else html.encode("ascii", "xmlcharrefreplace").decode("ascii")


def caseload_rows_html(rows: Sequence[CaseloadRow]) -> SafeString:
    """The caseload table's ``<tr>`` rows; a row drawn before from the same values is reused."""
    words = _Words()
    # One reverse() for all rows: the client page's address with the episode's id put in.
    address = reverse("clinic:episode", args=[0]).replace("/0/", "/{}/")
    page = (get_language() or "", timezone.get_current_timezone_name(), address)
    out = []
    for row in rows:
        key = _drawn_by(row, page)
        html = _DRAWN.get(key)
        if html is None:
            if len(_DRAWN) >= _MOST_DRAWN:
                _DRAWN.clear()  # rather than an LRU's bookkeeping on every row
            html = _DRAWN[key] = _ascii(_row(row, address, words))
        out.append(html)
    return mark_safe("\n".join(out))
