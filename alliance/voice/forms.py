"""The client's words on the portal's measure form: up to three agenda topics with the outcome
measure, a comment with the alliance measure, hopes and a theory of change with the expectancy
measure. All optional; leaving them empty and tapping Next skips them."""

import re
from typing import Any, TypeVar

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.voice.models import (
    AGENDA_TEXT_LENGTH,
    COMMENT_LENGTH,
    HOPES_LENGTH,
    MAX_AGENDA_ITEMS,
)

AGENDA_FIELDS = tuple(f"voice_agenda_{n}" for n in range(1, MAX_AGENDA_ITEMS + 1))
COMMENT_FIELD = "voice_comment"
HOPES_FIELD = "voice_hopes"
THEORY_FIELD = "voice_theory"

# Text that reads as a web page tag or script (<b>, </p>, <script, <!--) is refused, so no
# markup is ever stored; "<3" or "a < b" are ordinary words and kept (and escaped when shown).
_MARKUP = re.compile(r"<\s*[/!?]?\s*[a-zA-Z!]|&#?\w+;|javascript:", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def words_problem(label: str, text: str, limit: int) -> str | None:
    """Why the client's text cannot be stored, naming the field, or None."""
    if len(text) > limit:
        return _("%(field)s: please keep it to %(limit)s characters; this has %(length)s.") % {
            "field": label,
            "limit": limit,
            "length": len(text),
        }
    if _MARKUP.search(text) or _CONTROL.search(text):
        return _(
            "%(field)s: please write plain words, without web page tags such as <b> or codes "
            "such as &amp;."
        ) % {"field": label}
    return None


class WordsField(forms.CharField):
    """Optional free text, trimmed, refused with a message naming the field when too long or
    holding markup. ``max_length`` is checked here, not by the browser alone."""

    def __init__(self, *, name: str, limit: int, textarea: bool, **kwargs: Any) -> None:
        widget = forms.Textarea(attrs={"rows": 3}) if textarea else forms.TextInput()
        widget.attrs.update({"maxlength": str(limit), "autocomplete": "off"})
        super().__init__(required=False, strip=True, widget=widget, label=name, **kwargs)
        self.limit = limit

    def clean(self, value: Any) -> str:
        text = str(super().clean(value) or "")
        problem = words_problem(str(self.label), text, self.limit)
        if problem:
            raise forms.ValidationError(problem)
        return text


def _topic_label(n: int) -> str:
    return _("Topic %(n)s") % {"n": n}


AnyForm = TypeVar("AnyForm", bound=forms.Form)


def add_words_fields[AnyForm: forms.Form](form: AnyForm, kind: str) -> AnyForm:
    """Add the optional word fields this measure kind carries to a (bound or unbound) form."""
    if kind == "outcome":
        for n, name in enumerate(AGENDA_FIELDS, 1):
            form.fields[name] = WordsField(
                name=_topic_label(n), limit=AGENDA_TEXT_LENGTH, textarea=False
            )
    elif kind == "alliance":
        form.fields[COMMENT_FIELD] = WordsField(
            name=str(gettext_lazy("Your comment")), limit=COMMENT_LENGTH, textarea=True
        )
    elif kind == "expectancy":
        form.fields[HOPES_FIELD] = WordsField(
            name=str(gettext_lazy("What you hope will be different")),
            limit=HOPES_LENGTH,
            textarea=True,
        )
        form.fields[THEORY_FIELD] = WordsField(
            name=str(gettext_lazy("How you think change happens for you")),
            limit=HOPES_LENGTH,
            textarea=True,
        )
    return form


def words_of(form: forms.Form) -> dict[str, Any]:
    """The cleaned words of a valid form: ``topics`` (non-empty, in order), ``comment``,
    ``hopes``, ``theory``; absent fields give empty values."""
    data = form.cleaned_data
    return {
        "topics": [data[name] for name in AGENDA_FIELDS if data.get(name)],
        "comment": data.get(COMMENT_FIELD, ""),
        "hopes": data.get(HOPES_FIELD, ""),
        "theory": data.get(THEORY_FIELD, ""),
    }
