"""Date and time inputs: the browser's own picker, an ISO value, the date in the reader's words.

An ``<input type="date">`` is drawn by the browser in the browser's language and order
("07-12-2026" in a Dutch Chrome, "12/07/2026" in an American one), whatever the page's language;
Alliance does not fight that. It makes the choice clear instead:

- the value is always ISO (``2026-12-07``), the only form the input reads: a value in the
  page's format ("07-12-2026") would leave the picker empty, losing a session's date on the
  reschedule form;
- the page's ``<html lang>`` is the reader's language, and ``static/alliance/dates.js`` writes
  the chosen day in words in that language next to each date input ("maandag 7 december
  2026"), so an American order cannot be misread;
- a browser without a picker shows a text box: its placeholder asks for the ISO form in the
  reader's words ("JJJJ-MM-DD"), which the form always accepts.
"""

from typing import Any

from django import forms
from django.utils.translation import pgettext

__all__ = ["DateInput", "DateTimeInput", "TimeInput", "date_placeholder"]


def date_placeholder() -> str:
    """The ISO date form in the active language's letters: "YYYY-MM-DD", "JJJJ-MM-DD"."""
    return pgettext("date format", "YYYY-MM-DD")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"data-date-words": "", **(attrs or {})}, format="%Y-%m-%d")

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        # Read when drawn, so the placeholder is in the reader's language.
        context["widget"]["attrs"].setdefault("placeholder", date_placeholder())
        return context


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"data-date-words": "", **(attrs or {})}, format="%H:%M")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")
