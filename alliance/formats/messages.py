"""The science core's messages in the active language (pages, the API, management commands).

See :mod:`alliance.console.messages`: the template and the words among its parameters through
Django's ``gettext``, numbers with the active language's decimal mark.
"""

from django.utils import formats
from django.utils.translation import gettext

from alliance.console.messages import translated
from alliance.science.messages import Message

__all__ = ["science_text"]


def science_text(message: Message | str | None, fallback: object = "") -> str:
    """``message`` (a science error's ``.message`` or a ``RowError``'s ``.detail``) in the
    active language; ``fallback`` as text when there is no message."""
    if message is None:
        return str(fallback)
    return translated(message, gettext, str(formats.get_format("DECIMAL_SEPARATOR")))
