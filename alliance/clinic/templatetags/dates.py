"""``{{ when|local_date:"WEEKDAY_DATETIME_FORMAT" }}``: a date in the active language by one of
our named formats (alliance/formats); Django's own names work too."""

import datetime as dt
import functools
import json
from pathlib import Path

from django import template
from django.contrib.staticfiles import finders
from django.utils.html import json_script

from alliance.formats import chart_locale_name, local

register = template.Library()


@register.filter
def local_date(value: dt.date | dt.datetime | None, name: str = "DATE_FORMAT") -> str:
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        if timezone.is_aware(value):
            value = timezone.localtime(value)
    return local(value, name)


@functools.cache
def _d3_locale(name: str) -> dict[str, object] | None:
    found = {}
    for kind in ("format", "time"):
        path = finders.find(f"vendor/locale/{kind}-{name}.json")
        if not path:
            return None
        found[kind] = json.loads(Path(str(path)).read_text(encoding="utf-8"))
    return found


@register.simple_tag
def chart_locale() -> str:
    """The active language's d3 number and time locale as a JSON script (charts.js hands it to
    vega-embed), so axes and tooltips write 18,5 and "dec"; empty without one (English)."""
    name = chart_locale_name()
    words = _d3_locale(name) if name else None
    return json_script(words, "chart-locale") if words else ""
