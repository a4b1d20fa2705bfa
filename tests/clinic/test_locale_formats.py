"""Dates, times and numbers in the reader's language: templates, charts, PDF and messages use
the named formats of alliance/formats, never a format written into the page."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from alliance.formats import chart_locales, local
from alliance.reports.figures import Figure
from alliance.reports.present import figure_value

DAY = dt.date(2026, 12, 1)
MOMENT = dt.datetime(2026, 12, 1, 14, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("language", "day", "weekday"),
    [
        ("en", "1 Dec 2026", "Tue 1 Dec 2026, 14:05"),
        ("nl", "1 dec 2026", "di 1 dec 2026, 14:05"),
        ("de", "1. Dez 2026", "Di, 1. Dez 2026, 14:05"),
    ],
)
def test_a_date_is_written_the_way_its_reader_writes_it(
    language: str, day: str, weekday: str, settings: object
) -> None:
    with translation.override(language):
        assert local(DAY) == day
        assert local(MOMENT, "WEEKDAY_DATETIME_FORMAT") == weekday
        assert Template("{{ d|date }}").render(Context({"d": DAY})) == day


def test_a_reminder_names_the_day_in_full_in_german() -> None:
    with translation.override("de"):
        assert local(DAY, "LONG_WEEKDAY_DATE_FORMAT") == "Dienstag, 1. Dezember 2026"


# Machine values (an <input type="date">'s value, a <time datetime>) may use ISO; nothing else.
_MACHINE = {'"Y-m-d"', "'c'", '"Y-m-d H:i:s"', '"c"'}


SHOWN = re.compile(r"""(="\s*)?\{\{[^}]*\|(?:date|time):("[^"]*"|'[^']*')""")


def test_no_template_writes_its_own_date_format() -> None:
    found = []
    for template in Path("alliance").rglob("*.html"):
        text = template.read_text()
        for shown in re.finditer(SHOWN, text):
            attribute, fmt = shown.groups()
            named = fmt.strip("\"'").endswith("_FORMAT")
            # ISO is for machines: only in an attribute's value, never in the text people read.
            if not named and (fmt not in _MACHINE or attribute is None):
                found.append(f"{template}: {shown.group(0)}")
        # {% now %} takes only Django's own format names, so a page writes the date instead.
        found += [f"{template}: {now}" for now in re.findall(r"\{%\s*now\s+[^%]*%\}", text)]
    assert found == []


def test_the_pdfs_charts_get_the_readers_number_and_date_words() -> None:
    assert chart_locales("nl") == {"format_locale": "nl-NL", "time_format_locale": "nl-NL"}
    assert chart_locales("de") == {"format_locale": "de-DE", "time_format_locale": "de-DE"}
    assert chart_locales("xx") == {}


def _figure(value: float, unit: str) -> Figure:
    return Figure(
        section="outcomes", key="k", label="k", measure="ors", value=value, n=12, unit=unit
    )


def test_a_reports_figures_use_the_readers_decimal_comma() -> None:
    with translation.override("nl"):
        assert figure_value(_figure(12.5, "mean")) == "12,50"
        assert figure_value(_figure(0.456, "rate")) == "46%"
    with translation.override("en"):
        assert figure_value(_figure(12.5, "mean")) == "12.50"


def test_a_chart_page_carries_the_d3_locale_of_its_language() -> None:
    page = Template("{% load dates %}{% chart_locale %}")
    with translation.override("de"):
        html = page.render(Context())
    assert 'id="chart-locale"' in html and '"decimal": ","' in html and "Dez" in html
