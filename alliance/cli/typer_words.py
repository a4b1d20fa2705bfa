"""typer's own words in the command line's language.

typer 0.29 ships its own copy of click, with the English written into it (no ``gettext``): the
usage line's "Usage:", the help option's "Show this message and exit.", the placeholders
"[OPTIONS]" and "COMMAND [ARGS]...", and every error ("Missing argument 'ratings'.", "No such
option: --x", "Invalid value for '--level': ..."). The app's group and commands use the classes
below (``cls=``), which write the usage line and the help option in the chosen language and, when
typer refuses the command line, raise the same error again with its message translated (built
from the error's fields, or read from typer's English sentence where only that is kept), so
typer's own error panel shows it. The words typer does translate are in
:data:`alliance.cli.language.TYPER_WORDS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO, Any

from typer._click import exceptions as errors
from typer._click.core import Context
from typer._click.formatting import HelpFormatter
from typer._click.utils import echo
from typer.core import TyperCommand, TyperGroup, TyperOption

from alliance.cli.language import gettext as _
from alliance.cli.language import ngettext

__all__ = ["OPTIONS_METAVAR", "TranslatedCommand", "TranslatedGroup", "translated"]

OPTIONS_METAVAR = _("[OPTIONS]")

# pydantic's messages for a value typer could not convert, by pydantic's error type.
_VALUE_WORDS = {
    "int_parsing": _("it should be a whole number"),
    "int_from_float": _("it should be a whole number, not one with a fraction"),
    "int_type": _("it should be a whole number"),
    "float_parsing": _("it should be a number"),
    "float_type": _("it should be a number"),
    "finite_number": _("it should be a finite number"),
    "bool_parsing": _("it should be true or false"),
    "bool_type": _("it should be true or false"),
    "string_type": _("it should be text"),
}


def _extra_arguments(found: re.Match[str]) -> str:
    arguments = found["arguments"]
    return ngettext(
        "Got an unexpected extra argument (%(arguments)s)",
        "Got unexpected extra arguments (%(arguments)s)",
        len(arguments.split(" ")),
    ) % {"arguments": arguments}


def _option_arguments(found: re.Match[str]) -> str:
    count = 1 if found["count"] == "an" else int(found["count"])
    return ngettext(
        "Option %(name)s needs a value.",
        "Option %(name)s needs %(count)d values.",
        count,
    ) % {"name": found["name"], "count": count}


# typer's English sentences that come only as text (an f-string in its click copy).
_SENTENCES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"^No such option: (?P<name>.+)$"),
        lambda found: _("No such option: %(name)s") % {"name": found["name"]},
    ),
    (
        re.compile(r"^Got unexpected extra argument\(s\) \((?P<arguments>.*)\)$", re.DOTALL),
        _extra_arguments,
    ),
    (
        re.compile(r"^Option (?P<name>'.+') requires (?P<count>an|\d+) arguments?\.$"),
        _option_arguments,
    ),
    (
        re.compile(r"^Option (?P<name>'.+') does not take a value\.$"),
        lambda found: _("Option %(name)s does not take a value.") % {"name": found["name"]},
    ),
    (
        re.compile(r"^Argument (?P<name>'.+') takes (?P<count>\d+) values\.$"),
        lambda found: (
            _("Argument %(name)s takes %(count)s values.")
            % {"name": found["name"], "count": found["count"]}
        ),
    ),
    (
        re.compile(r"^Value (?P<value>.+) is not a valid (?P<kind>.+)\.$"),
        lambda found: (
            _("%(value)s is not a valid %(kind)s.")
            % {"value": found["value"], "kind": found["kind"]}
        ),
    ),
    (
        re.compile(r"^Value must be an iterable\.$"),
        lambda found: _("Give one or more values."),
    ),
    (
        # "No such command 'x'." is translated by typer; its suggestion is added in English.
        re.compile(r"^(?P<message>.*)\. Did you mean (?P<suggestions>.+)\?$", re.DOTALL),
        lambda found: (
            _("%(message)s. Did you mean %(suggestions)s?")
            % {"message": found["message"], "suggestions": found["suggestions"]}
        ),
    ),
]


def _sentence(message: str) -> str:
    for pattern, translate in _SENTENCES:
        found = pattern.match(message)
        if found:
            return translate(found)
    return message


def _value_problem(error: errors.BadParameter) -> str:
    """Why the value was refused: pydantic's reason by its error type, else typer's words."""
    cause = error.__cause__
    problems = getattr(cause, "errors", None)
    if callable(problems):
        found = problems()
        if found and found[0].get("type") in _VALUE_WORDS:
            return _VALUE_WORDS[found[0]["type"]]
    return _sentence(error.message)


def _hint(error: errors.BadParameter) -> str | None:
    if error.param_hint is not None:
        return errors._join_param_hints(error.param_hint)
    if error.param is not None:
        return errors._join_param_hints(error.param.get_error_hint())
    return None


def _missing(error: errors.MissingParameter) -> str:
    hint = _hint(error) or ""
    kind = error.param_type or (error.param.param_type_name if error.param else "parameter")
    words = {
        "argument": _("Missing argument %(name)s."),
        "option": _("Missing option %(name)s."),
    }
    message = words.get(kind, _("Missing value %(name)s.")) % {"name": hint}
    return message.replace("  ", " ").replace(" .", ".")


def _message(error: errors.ClickException) -> str:
    if isinstance(error, errors.MissingParameter):
        return _missing(error)
    if isinstance(error, errors.BadParameter):
        hint = _hint(error)
        problem = _value_problem(error)
        if hint is None:
            return _("Invalid value: %(problem)s") % {"problem": problem}
        return _("Invalid value for %(name)s: %(problem)s") % {"name": hint, "problem": problem}
    if isinstance(error, errors.NoSuchOption):
        message = _sentence(error.message)
        if error.possibilities:
            possible = ", ".join(sorted(error.possibilities))
            message += " " + _("(Possible options: %(options)s)") % {"options": possible}
        return message
    if isinstance(error, errors.FileError):
        return _("Could not open file %(file)r: %(problem)s") % {
            "file": error.ui_filename,
            "problem": error.message,
        }
    return _sentence(error.message)


class TranslatedError(errors.UsageError):
    """A usage error whose message is already in the command line's language."""

    def __init__(self, message: str, ctx: Context | None, exit_code: int) -> None:
        super().__init__(message, ctx)
        self.exit_code = exit_code

    def format_message(self) -> str:
        return self.message

    def show(self, file: IO[Any] | None = None) -> None:
        # typer's plain (not rich) output, in the same words as its rich panel.
        if self.ctx is not None:
            hint = ""
            if self.ctx.command.get_help_option(self.ctx) is not None:
                hint = _("Try '%(command)s %(option)s' for help.") % {
                    "command": self.ctx.command_path,
                    "option": self.ctx.help_option_names[0],
                }
            echo(f"{self.ctx.get_usage()}\n{hint}", file=file, err=True, color=self.ctx.color)
        echo(_("Error: %(message)s") % {"message": self.message}, file=file, err=True)


def translated(error: errors.UsageError) -> errors.UsageError:
    """``error`` with its message in the command line's language (the help shown when no
    arguments are given is left as it is)."""
    if isinstance(error, errors.NoArgsIsHelpError | TranslatedError):
        return error
    return TranslatedError(_message(error), error.ctx, error.exit_code)


class _Words:
    """The usage line and the help option in the command line's language."""

    def format_usage(self, ctx: Context, formatter: HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_("Usage:") + " ")

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        option: TyperOption | None = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = _("Show this message and exit.")
        return option


class TranslatedCommand(_Words, TyperCommand):
    """A command of the ``alliance`` app (``@app.command(cls=TranslatedCommand)``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("options_metavar") in (None, "[OPTIONS]"):
            kwargs["options_metavar"] = OPTIONS_METAVAR
        super().__init__(*args, **kwargs)


class TranslatedGroup(_Words, TyperGroup):
    """The ``alliance`` app: its commands' errors are translated here, where they pass on their
    way to typer's error panel."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("options_metavar") in (None, "[OPTIONS]"):
            kwargs["options_metavar"] = OPTIONS_METAVAR
        if kwargs.get("subcommand_metavar") is None:
            kwargs["subcommand_metavar"] = _("COMMAND [ARGS]...")
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except errors.UsageError as error:
            raise translated(error) from error

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except errors.UsageError as error:
            raise translated(error) from error
