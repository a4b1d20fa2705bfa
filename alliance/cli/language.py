"""The command line's language, chosen before the typer app is built.

typer reads every ``help=`` text when ``alliance.cli.main`` is imported, long before Django is
set up (and ``alliance analyze`` never sets it up), so Django's ``gettext`` cannot translate
them. The language is the one the environment asks for (:func:`chosen`, from
:mod:`alliance.console.language`, shared with the management commands), read from the
project's compiled catalogues with Python's own :mod:`gettext`. The strings are marked with
``_`` / ``gettext`` / ``ngettext`` so ``makemessages`` puts them in the one catalogue the site
uses.

typer's own words come two ways: the few typer still translates with ``gettext.gettext`` (its
panel titles, "[default: ...]", "Try ... for help.") are found once the default domain points at
our catalogue (:data:`TYPER_WORDS`); the rest are written into the click copy typer ships, so
:mod:`alliance.cli.typer_words` translates them where they are shown.

Commands that set Django up call :func:`activate_in_django` so what Django translates for them
(and their management commands) speaks the same language.
"""

from alliance.console.language import LOCALE_DIR, OFFERED, chosen, install_default_domain
from alliance.console.language import translations as _load

__all__ = [
    "CLICK_WORDS",
    "LANGUAGE_CODE",
    "LOCALE_DIR",
    "OFFERED",
    "TYPER_WORDS",
    "activate_in_django",
    "chosen",
    "gettext",
    "gettext_noop",
    "ngettext",
]


def gettext_noop(message: str) -> str:
    return message


# The words typer translates itself with Python's gettext (default domain), exactly as typer
# writes them (placeholders included): marked here so the one catalogue holds them.
TYPER_WORDS = (
    gettext_noop("Options"),
    gettext_noop("Commands"),
    gettext_noop("Arguments"),
    gettext_noop("[required]"),
    gettext_noop("required"),
    gettext_noop("Error"),
    gettext_noop("Aborted."),
    gettext_noop("Aborted!"),
    gettext_noop("[default: {}]"),
    gettext_noop("default: {default}"),
    gettext_noop("[env var: {}]"),
    gettext_noop("env var: {var}"),
    gettext_noop("(dynamic)"),
    gettext_noop("(deprecated) "),
    gettext_noop("Missing command."),
    gettext_noop("No such command {name!r}."),
    gettext_noop("Try [blue]'{command_path} {help_option}'[/] for help."),
)
CLICK_WORDS = TYPER_WORDS  # the earlier name (typer's words were click's until typer 0.29)

# Old private names, kept for callers that used them.
_install_for_click = install_default_domain

LANGUAGE_CODE = chosen()
_translations = _load(LANGUAGE_CODE)
# Before typer's rich_utils is imported (it translates its words at import):
# alliance/cli/__init__.py imports this module first for that reason.
install_default_domain(LANGUAGE_CODE)


def gettext(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, number: int) -> str:
    return _translations.ngettext(singular, plural, number)


_ = gettext


def activate_in_django() -> None:
    """After ``django.setup()``: make Django translate in the command line's language."""
    from django.utils import translation

    translation.activate(LANGUAGE_CODE)
