"""A measure as the client sees it: each item as a line (slider) or a set of choices, in the
client's language, with the answer given so far and any message about it."""

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext as _

from alliance.portal.wording import in_language
from alliance.science.instruments import Instrument, Item


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    checked: bool


@dataclass(frozen=True)
class Question:
    """One item ready for the template. ``kind`` is ``line`` (0-10 slider) or ``choice``
    (radio group); ``value`` is the answer so far as text, empty when unanswered."""

    code: str
    number: int
    label: str
    text: str
    kind: str
    required: bool
    value: str
    error: str
    minimum: str
    maximum: str
    step: str
    low: str
    high: str
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class MeasurePage:
    """One screen: the measure's name, the instructions shown above the items, the items."""

    code: str
    name: str
    kind: str
    instructions: str
    questions: tuple[Question, ...]
    has_lines: bool
    # The questions are worded in English because no checked translation into the client's
    # language is shipped (docs/translating.md, "Licensed instrument wording").
    in_english: bool = False


def _bound(form: forms.Form, code: str) -> str:
    if not form.is_bound:
        return ""
    raw = form.data.get(code, "")
    return str(raw).strip()


def _question(item: Item, form: forms.Form, language: str) -> Question:
    scale = item.scale
    value = _bound(form, item.code)
    errors = form.errors.get(item.code) if form.is_bound else None
    kind = "choice" if scale.type == "likert" else "line"
    choices = tuple(
        Choice(f"{o.value:g}", in_language(o.label, language), value == f"{o.value:g}")
        for o in scale.options
    )
    return Question(
        code=item.code,
        number=item.number,
        label=in_language(item.label, language),
        text=in_language(item.text, language),
        kind=kind,
        required=item.scored,
        value=value,
        error=str(errors[0]) if errors else "",
        minimum=f"{scale.min:g}",
        maximum=f"{scale.max:g}",
        step=f"{scale.step:g}" if scale.step else "1",
        low=in_language(scale.anchors.low, language) if scale.anchors else "",
        high=in_language(scale.anchors.high, language) if scale.anchors else "",
        choices=choices,
    )


def _default_instructions(instrument: Instrument) -> str:
    # Our own plain words for measures whose licensed instructions a site has not supplied.
    if instrument.kind == "alliance":
        return _(
            "How was today's session for you? For each line, tap or drag to the point that fits "
            "you best: the left end is low, the right end is high."
        )
    return _(
        "How have things been for you lately? For each line, tap or drag to the point that fits "
        "you best: the left end is low, the right end is high."
    )


def measure_page(instrument: Instrument, form: forms.Form, language: str) -> MeasurePage:
    """The screen for one measure, from its instrument file and the (possibly bound) form."""
    questions = tuple(_question(item, form, language) for item in instrument.items)
    has_lines = any(q.kind == "line" for q in questions)
    instructions = in_language(instrument.instructions, language)
    if not instructions and has_lines:
        instructions = _default_instructions(instrument)
    return MeasurePage(
        code=instrument.code,
        name=in_language(instrument.name, language),
        kind=instrument.kind,
        instructions=instructions,
        questions=questions,
        has_lines=has_lines,
        in_english=_worded_in_english(instrument, language),
    )


def _worded_in_english(instrument: Instrument, language: str) -> bool:
    """The items' wording falls back to English for a client of another language."""
    wanted = language.lower().split("-")[0]
    worded = [item.text for item in instrument.items if item.text]
    return wanted != "en" and bool(worded) and any(wanted not in text for text in worded)
