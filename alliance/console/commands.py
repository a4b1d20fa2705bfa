"""A management command that speaks the language the environment asks for.

Run from a shell (``manage.py <command>``, ``django-admin``), a command built on
:class:`LocalisedCommand` speaks the language of the locale, chosen as the ``alliance`` command
line chooses it (:func:`alliance.console.language.chosen`: ``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES``, ``LANG``): its help, its messages, and argparse's own words ("usage:",
"options", "the following arguments are required"), which argparse translates with Python's
gettext (default domain, pointed at our catalogue here), and Django's help texts of the options
every command has (``--verbosity``, ``--settings``, ...), which Django writes in English.

Called in-process (``call_command``: ``alliance demo``, the worker, the tests) it keeps the
language its caller has active, and the process's gettext domain is left alone.
"""

from typing import Any, cast

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop, ngettext_lazy
from django.utils.translation import gettext_lazy as _gettext_lazy

from alliance.console.language import chosen, install_default_domain

__all__ = ["ARGPARSE_WORDS", "DJANGO_OPTION_HELP", "LocalisedCommand", "gettext_lazy"]


def gettext_lazy(message: str) -> str:
    """Django's ``gettext_lazy`` for a command's ``help`` and its options' help, typed as the
    text ``BaseCommand.help`` and argparse take: :meth:`LocalisedCommand.create_parser` makes
    it text in the language in force. (The same name, so ``makemessages`` finds the strings.)"""
    return cast(str, _gettext_lazy(message))


# argparse's words as argparse writes them (placeholders included), marked so the catalogue
# holds them; argparse itself looks them up.
ARGPARSE_WORDS = (
    gettext_noop("usage: "),
    gettext_noop("options"),
    gettext_noop("positional arguments"),
    gettext_noop("show this help message and exit"),
    gettext_noop("%(prog)s: error: %(message)s\n"),
    gettext_noop("the following arguments are required: %s"),
    gettext_noop("unrecognized arguments: %s"),
    gettext_noop("argument %(argument_name)s: %(message)s"),
    gettext_noop("expected one argument"),
    gettext_noop("expected at most one argument"),
    gettext_noop("expected at least one argument"),
    ngettext_lazy("expected %s argument", "expected %s arguments"),
    gettext_noop("invalid choice: %(value)r (choose from %(choices)s)"),
    gettext_noop("invalid %(type)s value: %(value)r"),
    gettext_noop("ambiguous option: %(option)s could match %(matches)s"),
    gettext_noop("not allowed with argument %s"),
    gettext_noop("ignored explicit argument %r"),
    gettext_noop("one of the arguments %s is required"),
    gettext_noop("can't open '%(filename)s': %(error)s"),
)

# The help of the options Django gives every command, exactly as Django writes it.
DJANGO_OPTION_HELP = frozenset(
    {
        gettext_noop("Show program's version number and exit."),
        gettext_noop(
            "Verbosity level; 0=minimal output, 1=normal output, 2=verbose output, "
            "3=very verbose output"
        ),
        gettext_noop(
            'The Python path to a settings module, e.g. "myproject.settings.main". If this '
            "isn't provided, the DJANGO_SETTINGS_MODULE environment variable will be used."
        ),
        gettext_noop(
            'A directory to add to the Python path, e.g. "/home/djangoprojects/myproject".'
        ),
        gettext_noop("Display a full stack trace on CommandError exceptions."),
        gettext_noop("Don't colorize the command output."),
        gettext_noop("Force colorization of the command output."),
        gettext_noop("Skip system checks."),
    }
)


class LocalisedCommand(BaseCommand):
    """A command in the environment's language when run from a shell (see the module)."""

    def run_from_argv(self, argv: list[str]) -> None:
        code = chosen()
        install_default_domain(code)  # this process is the command: argparse's words too
        with translation.override(code):
            super().run_from_argv(argv)

    def print_help(self, prog_name: str, subcommand: str) -> None:
        # ``manage.py help <command>`` comes here, not through run_from_argv.
        code = chosen()
        install_default_domain(code)
        with translation.override(code):
            super().print_help(prog_name, subcommand)

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Lazy help texts made text now, in the language in force (argparse wraps them with re,
        # which takes only text); Django's own option help looked up in our catalogue.
        if parser.description is not None:
            parser.description = str(parser.description)
        for action in parser._actions:
            if isinstance(action.help, Promise):
                action.help = str(action.help)
            elif isinstance(action.help, str) and action.help in DJANGO_OPTION_HELP:
                action.help = gettext(action.help)
        return parser
