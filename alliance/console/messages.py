"""The science core's messages in the reader's language.

An error of :mod:`alliance.science` carries a :class:`~alliance.science.messages.Message` (a
template marked for the catalogue and its parameters). :func:`translated` says it with any
``gettext``: Django's on pages, in the API and in the management commands
(:func:`alliance.formats.messages.science_text`), Python's for ``alliance analyze``, which never
sets Django up (:func:`for_language`). Words among the parameters (a scale's description) are
translated too, numbers written with the language's decimal mark; codes and the values a user
typed are shown as they are.

Only the standard library and the science core are imported here, so any layer may use it.
"""

import importlib
from collections.abc import Callable

from alliance.science.messages import Message, Number

__all__ = ["decimal_mark", "for_language", "translated"]


def translated(message: Message | str, gettext: Callable[[str], str], decimal: str = ".") -> str:
    """``message`` said with ``gettext``; a plain string is returned as it is.

    >>> words = {"%(min)s to %(max)s": "%(min)s tot %(max)s"}
    >>> scale = Message("%(min)s to %(max)s", {"min": Number.of(0.5), "max": Number.of(10, "g")})
    >>> translated(scale, lambda text: words.get(text, text), ",")
    '0,5 tot 10'
    """
    if not isinstance(message, Message):
        return message
    template = gettext(message.template)
    if not message.params:
        return template
    return template % {
        name: _param(value, gettext, decimal) for name, value in message.params.items()
    }


def _param(value: object, gettext: Callable[[str], str], decimal: str) -> str:
    if isinstance(value, Message):
        return translated(value, gettext, decimal)
    if isinstance(value, Number):
        return value.text.replace(".", decimal)
    if isinstance(value, tuple):
        # A list of numbers: with a decimal comma, the list is kept apart by semicolons.
        separator = "; " if decimal == "," else ", "
        return separator.join(_param(part, gettext, decimal) for part in value)
    return str(value)


def decimal_mark(language: str) -> str:
    """The decimal mark of ``language`` as Django's locale formats give it ("," for nl, de),
    read without Django being set up; "." when Django has none for it."""
    try:
        formats = importlib.import_module(f"django.conf.locale.{language}.formats")
    except ImportError:
        return "."
    return str(getattr(formats, "DECIMAL_SEPARATOR", "."))


def for_language(message: Message | str, gettext: Callable[[str], str], language: str) -> str:
    """``message`` with ``gettext`` and the decimal mark of ``language`` (the command line)."""
    return translated(message, gettext, decimal_mark(language))
