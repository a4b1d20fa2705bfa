"""Why a JSON file could not be read, in the reader's words: the line and column and what the
parser wanted, instead of Python's own English ("Expecting value: line 1 column 1 (char 0)").

Each caller passes its ``gettext`` (Python's for ``alliance analyze``, Django's for ``alliance
import``); the words are marked here with ``gettext_noop`` for the catalogue.
"""

import json
from collections.abc import Callable

from alliance.cli.language import gettext_noop

__all__ = ["json_reason"]

# Python's json module's messages (3.12, 3.13), by how each begins.
_PROBLEMS = (
    ("Expecting value", gettext_noop("a value was expected here")),
    (
        "Expecting property name",
        gettext_noop("a name in double quotes was expected here"),
    ),
    ("Expecting ':'", gettext_noop("a colon (:) was expected here")),
    ("Expecting ','", gettext_noop("a comma (,) was expected here")),
    ("Unterminated string", gettext_noop("a text in quotes is not closed")),
    ("Invalid control character", gettext_noop("a control character inside a text in quotes")),
    ("Invalid \\uXXXX", gettext_noop("an incomplete \\uXXXX escape")),
    ("Invalid \\escape", gettext_noop("a backslash escape JSON does not know")),
    ("Extra data", gettext_noop("more follows after the end of the JSON")),
    ("Illegal trailing comma", gettext_noop("a comma before a closing bracket")),
)


def json_reason(error: Exception, gettext: Callable[[str], str]) -> str:
    """Where and why ``json.loads`` (or decoding the file's bytes) failed, said with ``gettext``.

    >>> try:
    ...     json.loads('{"a": 1,}')
    ... except json.JSONDecodeError as error:
    ...     print(json_reason(error, lambda text: text))
    line 1, column 9: a name in double quotes was expected here
    """
    if isinstance(error, UnicodeDecodeError):
        return gettext("byte %(position)d is not UTF-8 text") % {"position": error.start + 1}
    if isinstance(error, RecursionError):
        return gettext("nested too deep")
    if not isinstance(error, json.JSONDecodeError):
        return gettext("not valid JSON")
    problem = next(
        (words for start, words in _PROBLEMS if error.msg.startswith(start)), "not valid JSON"
    )
    return gettext("line %(line)d, column %(column)d: %(problem)s") % {
        "line": error.lineno,
        "column": error.colno,
        "problem": gettext(problem),
    }
