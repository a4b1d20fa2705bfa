"""The team page's alert rows, written in Python rather than an included template: a supervisor
of busy teams sees hundreds of them, and the template engine's per-node cost (an include,
two ``blocktranslate`` and filters per row) was most of the page's time (issue 16). The HTML and
the words are ``supervision/_alert_row.html``'s, character for character (the same message
ids, so the translations stand; ``tests/supervision/test_alert_rows.py`` compares the two);
everything shown is escaped."""

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from html import escape

from django.urls import reverse
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # missing from django-stubs 6.1.2
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliance.clinic import explain
from alliance.feedback.models import Alert, Severity
from alliance.supervision.selectors import TeamAlert

__all__ = ["alert_rows_html"]

Shown = Alert | TeamAlert
"""An alert as a model, or as the team page reads it (``selectors.TeamAlert``)."""


class _Words:
    """The words of the request's language, each looked up once per page."""

    def __init__(self) -> None:
        # Literal gettext calls, so that makemessages still finds these messages.
        self.with_ = _("with %(name)s")
        self.session_on = _("session %(number)s on %(date)s")
        self.rule = cache(explain.rule_name)
        labels = dict(Severity.choices)
        self.severity = cache(lambda code: escape(str(labels.get(code, code))))
        self.date = cache(self._date)

    @staticmethod
    def _date(value: datetime) -> str:
        return escape(formats.date_format(template_localtime(value)))


def _off_track(alert: Shown) -> str:
    n = alert.evidence["sessions_off_track"]
    return ngettext("%(n)s session off track", "%(n)s sessions off track", n) % {"n": n}


def _row(alert: Shown, extra: str, address: str, words: _Words) -> str:
    episode, session = alert.episode, alert.session
    name = escape(episode.client.display_name)
    primary = getattr(alert, "primary", "")
    with_ = f" · {words.with_ % {'name': escape(primary)}}" if primary else ""
    when = words.session_on % {
        "number": escape(str(session.number)),
        "date": words.date(session.starts_at),
    }
    icon = explain.SEVERITY_ICONS.get(alert.severity, "•")
    return (
        f'<li class="supervision-alert {escape(alert.severity)}">\n'
        f'  <a href="{address.format(alert.episode_id)}">{name}</a>\n'
        f'  <span class="muted">{escape(episode.client.code)} · {escape(episode.team.name)}'
        f"{with_}</span><br>\n"
        f'  <span class="icon" aria-hidden="true">{escape(icon)}</span> <span class="severity">'
        f"{words.severity(alert.severity)}:</span> {escape(words.rule(alert.rule))},\n"
        f"  {when}{f' <strong>{escape(extra)}</strong>' if extra else ''}\n"
        "</li>\n"
    )


def alert_rows_html(alerts: Iterable[Shown], *, off_track: bool = False) -> SafeString:
    """The ``<li>`` rows of a list of alerts; ``off_track`` adds each not-on-track alert's run
    of sessions off track."""
    words = _Words()
    # One reverse() for all rows: the client page's address with the episode's id put in.
    address = reverse("clinic:episode", args=[0]).replace("/0/", "/{}/")
    return mark_safe(
        "".join(
            _row(alert, _off_track(alert) if off_track else "", address, words) for alert in alerts
        )
    )
