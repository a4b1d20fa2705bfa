"""The caseload table's rows, written in Python rather than an included template: a caseload
draws up to a thousand of them, and the template engine's per-node cost (includes,
``blocktranslate``, filters) was most of the page's time (issue 16). The HTML and the words are
the template's (the same message ids, so the translations stand); everything shown is escaped.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from html import escape

from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliance.clinic import explain
from alliance.clinic.appointment_selectors import AppointmentSummary
from alliance.clinic.selectors import AlertGroup, CaseloadRow
from alliance.clinic.templatetags.clinic import trend

__all__ = ["caseload_rows_html"]


def _words() -> Callable[..., str]:
    """Plural words looked up once per request and count (a caseload repeats a few counts)."""

    @cache
    def plural(singular: str, plural: str, n: int) -> str:
        return ngettext(singular, plural, n)

    return plural


def _why(top: AlertGroup) -> str:
    rule = escape(explain.rule_name(top.rule))
    last = top.sessions[-1]
    if top.since and top.since < last:
        when = _("since session %(n)s") % {"n": top.since}
    else:
        when = _("at session %(n)s") % {"n": last}
    return f'<p class="why"><strong>{escape(_("Here because:"))}</strong> {rule} {escape(when)}</p>'


def _alerts(row: CaseloadRow, plural: Callable[..., str]) -> str:
    if not row.alerts:
        return f'<span class="muted">{escape(_("None open"))}</span>'
    count = plural("%(n)s open alert", "%(n)s open alerts", row.open_count) % {"n": row.open_count}
    tags = []
    for group in row.alerts:
        n = len(group.sessions)
        listed = ", ".join(str(number) for number in group.sessions)
        sessions = plural("session %(list)s", "sessions %(list)s", n) % {"n": n, "list": listed}
        tags.append(
            f'<li class="tag {escape(group.severity)}"><span class="icon" aria-hidden="true">'
            f"{escape(explain.SEVERITY_ICONS.get(group.severity, '•'))}</span> "
            f'<span class="severity">{escape(group.severity_label)}:</span> '
            f"{escape(explain.rule_name(group.rule))} "
            f'<span class="muted">{escape(sessions)}</span></li>'
        )
    if row.more:
        more = plural("and %(n)s more kind of alert", "and %(n)s more kinds of alert", row.more) % {
            "n": row.more
        }
        tags.append(f'<li class="muted">{escape(more)}</li>')
    listed = "".join(tags)
    return f'{_why(row.alerts[0])}<ul class="alert-tags" aria-label="{escape(count)}">{listed}</ul>'


def _when(value: datetime | None, shape: str) -> str:
    return escape(date_filter(template_localtime(value), shape)) if value else ""


def _appointments(booked: AppointmentSummary, plural: Callable[..., str]) -> str:
    last = _when(booked.last_at, "j M") or f'<span class="muted">{escape(_("none yet"))}</span>'
    upcoming = _when(booked.next_at, "D j M, H:i")
    upcoming = (
        f"<strong>{upcoming}</strong>"
        if upcoming
        else f'<span class="muted">{escape(_("not booked"))}</span>'
    )
    so_far = plural("%(n)s session so far", "%(n)s sessions so far", booked.so_far) % {
        "n": booked.so_far
    }
    return (
        f'<td class="appointments-cell"><span>{escape(_("Last:"))} {last}</span><br>'
        f"<span>{escape(_('Next:'))} {upcoming}</span><br>"
        f'<span class="muted">{escape(so_far)}</span></td>'
    )


def caseload_rows_html(rows: Sequence[CaseloadRow]) -> SafeString:
    """The caseload table's ``<tr>`` rows."""
    plural = _words()
    # One reverse() for all rows: the client page's address with the episode's id put in.
    address = reverse("clinic:episode", args=[0]).replace("/0/", "/{}/")
    out = []
    for row in rows:
        episode, client = row.episode, row.episode.client
        out.append(
            f'<tr><th scope="row" class="client-cell"><a href="{address.format(episode.pk)}">'
            f"{escape(client.display_name)}</a> "
            f'<span class="muted">{escape(client.code)} · {escape(episode.team.name)}</span></th>'
            f'<td class="trends">{trend(row.outcome, episode.outcome_measure)} '
            f"{trend(row.alliance, episode.alliance_measure)}</td>"
            f"<td>{_alerts(row, plural)}</td>{_appointments(row.appointments, plural)}</tr>"
        )
    return mark_safe("\n".join(out))
