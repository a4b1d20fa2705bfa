"""The language of a program run from a shell, chosen as gettext programs choose it.

``LANGUAGE`` (a list such as ``fr:de``; the first language with a catalogue wins), then
``LC_ALL``, ``LC_MESSAGES`` and ``LANG``: the first one set decides. A language the site does
not offer, ``C``/``POSIX`` or a missing catalogue leaves English. The words come from the
project's compiled catalogues (``alliance/locale/<code>/LC_MESSAGES/django.mo``) read with
Python's own :mod:`gettext`, so nothing here needs Django set up: ``alliance analyze`` never
sets it up, and typer reads its help texts before anything else runs.

Only the standard library is imported here: ``alliance.cli`` (the top layer) and the apps'
management commands (any layer) both use it.
"""

import gettext as _gettext
import os
from pathlib import Path

__all__ = [
    "LOCALE_DIR",
    "OFFERED",
    "chosen",
    "install_default_domain",
    "translations",
]

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


def translations(code: str) -> _gettext.NullTranslations:
    """The catalogue of ``code`` (English, or no catalogue compiled: the words as written)."""
    if code == "en":
        return _gettext.NullTranslations()
    return _gettext.translation(
        "django", localedir=str(LOCALE_DIR), languages=[code], fallback=True
    )


def install_default_domain(code: str) -> None:
    """Point Python's default gettext domain at the project's catalogue, so the libraries that
    translate with ``gettext.gettext`` (typer's panels and defaults, argparse's "usage:" and
    "options") find their words in it. Global to the process: only a program run from a shell
    calls it, never code running inside the web application or the tests. Python's gettext then
    reads the language from the same environment variables :func:`chosen` reads."""
    if code != "en":
        _gettext.bindtextdomain("django", str(LOCALE_DIR))
        _gettext.textdomain("django")
