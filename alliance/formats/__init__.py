"""Dates and times in the active language (``FORMAT_MODULE_PATH``): one format module per
language, so a page, an e-mail and a PDF write "1 Dec 2026", "1 dec 2026" or "1. Dez 2026"
by the reader's language, never a format written into a template.

Besides Django's named formats (``DATE_FORMAT``, ``DATETIME_FORMAT``, ``MONTH_DAY_FORMAT``,
``TIME_FORMAT``), each module names a few of ours, read by :func:`local`:

- ``WEEKDAY_DATE_FORMAT``: "Tue 1 Dec"
- ``WEEKDAY_DATETIME_FORMAT``: "Tue 1 Dec 2026, 14:00"
- ``WEEKDAY_MONTH_DAY_TIME_FORMAT``: "Tue 1 Dec, 14:00"
- ``LONG_WEEKDAY_DATE_FORMAT``: "Tuesday 1 December 2026" (reminders, the day view)
- ``SECONDS_DATETIME_FORMAT``: "1 Dec 2026, 14:00:05" (the audit log)

A language with no module of its own here gets Django's formats for it and English for ours.
"""

import datetime as dt

from django.utils import formats, timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language


def pattern(name: str, language: str | None = None) -> str:
    """The format ``name`` in ``language`` (default: the active one): ours, then Django's."""
    for module in formats.get_format_modules(language or get_language()):
        found = getattr(module, name, None)
        if found:
            return str(found)
    if name.startswith(("WEEKDAY", "LONG_WEEKDAY", "SECONDS_")):
        from alliance.formats.en import formats as english

        return str(getattr(english, name))
    return str(formats.get_format(name, lang=language))


def local(value: dt.date | dt.datetime | None, name: str = "DATE_FORMAT") -> str:
    """``value`` written by the active language's format ``name``; empty for None."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, pattern(name))


# The charts' number and date words by language: d3-format's and d3-time-format's locale names
# (the JSON files the Makefile's frontend target copies into static/vendor/locale/, and the
# names vl-convert knows for the PDF). A language without one keeps the charts' English.
CHART_LOCALES = {"en": "en-GB", "nl": "nl-NL", "de": "de-DE"}


def chart_locale_name(language: str | None = None) -> str | None:
    """The d3 locale name for ``language`` (default: the active one), or None."""
    return CHART_LOCALES.get((language or get_language() or "en").split("-")[0])


def chart_locales(language: str | None = None) -> dict[str, str]:
    """vl-convert's keyword arguments for a chart in ``language``: number and time locales."""
    name = chart_locale_name(language)
    return {"format_locale": name, "time_format_locale": name} if name else {}
