"""Instrument text in the client's language: the files carry language maps such as
``{"en": "Individually", "nl": "Individueel"}``."""

from collections.abc import Mapping

from django.utils.translation import get_language


def in_language(text: Mapping[str, str] | None, language: str | None = None) -> str:
    """The text in the language asked for (``nl-be`` falls back to ``nl``), else English, else
    whatever the file has; empty when there is no text."""
    if not text:
        return ""
    wanted = (language or get_language() or "en").lower()
    for candidate in (wanted, wanted.split("-")[0], "en"):
        if candidate in text:
            return text[candidate]
    return next(iter(text.values()))
