"""An import's problems said twice: in English (``RowError.message``, for logs, tests and API
clients, word for word as before) and in the language of whoever reads them (``RowError.detail``,
translated where it is shown, by ``alliance.formats.messages.science_text``).

Most problems carry a template marked with ``gettext_noop`` and its parameters
(``RowError.of``). Two kinds cannot: a sentence with a count, whose plural form depends on the
language (``ngettext_lazy``), and the words Django or a form write themselves (a model field's
``clean_fields``, the plan's and the portal's checks). For those the detail holds the words as a
lazy string, worded again in the active language when it is shown.
"""

from collections.abc import Callable
from typing import Any

from django.utils import translation
from django.utils.functional import lazy

from alliance.science.messages import Message
from alliance.science.ratings_table import RowError

__all__ = ["counted_error", "said_error"]

# A template with nothing to translate: the words are its one parameter, said when shown.
_AS_SAID = "%(said)s"


def said_error(at: str, said: Callable[[], str]) -> RowError:
    """The problem at the JSON path ``at`` that ``said()`` words in the active language:
    English in ``message``, the reader's language in ``detail``."""
    with translation.override("en"):
        english = str(said())
    return RowError(0, at, english, Message(_AS_SAID, {"said": lazy(said, str)()}))


def counted_error(at: str, words: Any, /, **params: object) -> RowError:
    """The problem at ``at`` said by ``words``, an ``ngettext_lazy(singular, plural, "count")``
    whose ``count`` is among ``params``: each language picks its own plural form."""
    return said_error(at, lambda: str(words % params))
