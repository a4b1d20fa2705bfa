"""The command line's language, chosen before the typer app is built.

typer reads every ``help=`` text when ``alliance.cli.main`` is imported, long before Django is
set up (and ``alliance analyze`` never sets it up), so Django's ``gettext`` cannot translate
them. This module reads the project's compiled catalogues (``alliance/locale/<code>/LC_MESSAGES/
django.mo``) with Python's own :mod:`gettext`, choosing the language as gettext programs do:
``LANGUAGE``, then ``LC_ALL``, ``LC_MESSAGES`` and ``LANG``. A language the site does not offer,
``C``/``POSIX`` or a missing catalogue leaves English. The strings are marked with ``_`` /
``gettext`` / ``ngettext`` so ``makemessages`` puts them in the one catalogue the site uses.

Commands that set Django up call :func:`activate_in_django` so what Django translates for them
(and their management commands) speaks the same language.
"""

import gettext as _gettext
import os
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
# The languages besides English: those with a catalogue (so adding one needs no code here).
OFFERED = tuple(
    sorted(path.name for path in LOCALE_DIR.iterdir() if (path / "LC_MESSAGES").is_dir())
    if LOCALE_DIR.is_dir()
    else ()
)
_ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def chosen(environ: os._Environ[str] | dict[str, str] | None = None) -> str:
    """The language code the environment asks for: ``nl``, ``de`` or ``en``."""
    environ = os.environ if environ is None else environ
    for name in _ENVIRONMENT:
        value = environ.get(name, "")
        if not value:
            continue
        # LANGUAGE may list several (nl:de); the first one offered wins. The first variable set
        # decides, as gettext does: LANG=nl with LC_ALL=C is English.
        for item in value.split(":"):
            code = item.split(".")[0].split("@")[0].split("_")[0].lower()
            if code in OFFERED:
                return code
            if code in ("en", "c", "posix"):
                return "en"
        return "en"
    return "en"


def _load(code: str) -> _gettext.NullTranslations:
    if code == "en":
        return _gettext.NullTranslations()
    return _gettext.translation(
        "django", localedir=str(LOCALE_DIR), languages=[code], fallback=True
    )


def gettext_noop(message: str) -> str:
    return message


# click's and typer's own words (they translate them with Python's gettext, default domain):
# marked here so the one catalogue holds them; :func:`_install_for_click` makes them found.
CLICK_WORDS = (
    gettext_noop("Show this message and exit."),
    gettext_noop("Options"),
    gettext_noop("Commands"),
    gettext_noop("Arguments"),
    gettext_noop("[required]"),
    gettext_noop("Error"),
)


def _install_for_click(code: str) -> None:
    """Point Python's default gettext domain at the project's catalogue, so click and typer
    (which call ``gettext.gettext``, some at import time) speak the chosen language too. Must run
    before typer's ``rich_utils`` is imported; ``alliance/cli/__init__.py`` imports this module
    first for that reason."""
    if code != "en":
        _gettext.bindtextdomain("django", str(LOCALE_DIR))
        _gettext.textdomain("django")


LANGUAGE_CODE = chosen()
_translations = _load(LANGUAGE_CODE)
_install_for_click(LANGUAGE_CODE)


def gettext(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, number: int) -> str:
    return _translations.ngettext(singular, plural, number)


_ = gettext


def activate_in_django() -> None:
    """After ``django.setup()``: make Django translate in the command line's language."""
    from django.utils import translation

    translation.activate(LANGUAGE_CODE)
