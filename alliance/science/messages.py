"""Messages of the science core that the apps can translate.

The core imports no Django, so it cannot translate; and its messages must stay English for the
tests, the logs and the API clients that read them. So an error carries a :class:`Message`: a
template with named placeholders (marked with :func:`gettext_noop`, so ``makemessages`` puts it
in the catalogue) and its parameters. ``str(message)`` is the English text; the apps translate
the template, and each parameter that is itself a message or a number, at their boundary
(``alliance.console.messages``).

A parameter is text (a code, a value as the user wrote it: never translated), a
:class:`Number` (written with the reader's decimal mark), a tuple of numbers (a list), or a
nested :class:`Message` (words such as a scale's description, translated too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Message", "Number", "english", "gettext_noop"]


def gettext_noop(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (xgettext knows the name).

    >>> gettext_noop("%(item)s: answer missing")
    '%(item)s: answer missing'
    """
    return message


@dataclass(frozen=True)
class Number:
    """A number in a message: ``text`` is how the English message writes it (``repr`` or
    ``:g``), so the translation shows the same digits with the reader's decimal mark.

    >>> str(Number.of(7.35)), str(Number.of(11.0, "g"))
    ('7.35', '11')
    """

    value: float
    text: str

    @classmethod
    def of(cls, value: float, style: str = "r") -> Number:
        return cls(value, repr(value) if style == "r" else format(value, style))

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Message:
    """A template with named ``%(name)s`` placeholders and its parameters.

    >>> str(Message("%(item)s: %(value)s is not a number", {"item": "ors_1", "value": "'x'"}))
    "ors_1: 'x' is not a number"
    """

    template: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template % english(self.params) if self.params else self.template


def english(params: Mapping[str, object]) -> dict[str, str]:
    """The parameters as the English message writes them."""
    return {name: _english(value) for name, value in params.items()}


def _english(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(str(part) for part in value)
    return str(value)
