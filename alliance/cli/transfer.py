"""``alliance import`` and ``alliance export``: the IO shell around the transfer services.

Exit codes as ``alliance analyze``: 0 done, 1 the import or export failed (nothing was written),
2 bad input (every problem printed to stderr, nothing written).
"""

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy

from alliance.cli.analyze import (
    BAD_INPUT,
    FAILED,
    OK,
    InputProblem,
    progress_bars,
    read_ratings_csv,
    write_atomically,
)
from alliance.cli.json_text import json_reason
from alliance.formats.messages import science_text
from alliance.science.ratings_table import RowError
from alliance.transfer.research import MIN_KEY_BYTES
from alliance.transfer.services import Progress as ProgressCallback
from alliance.transfer.services import (
    TransferProblem,
    organisation_export_text,
    organisation_import,
)

__all__ = ["EXPORT_KEY_VARIABLE", "export_run", "import_run"]

EXPORT_KEY_VARIABLE = "ALLIANCE_EXPORT_KEY"

# The kinds of record an import counts (restore.py's ``_new`` labels, ratings_import's
# ``created``), each with its number: "3 episodes". A kind missing here is said as it is.
KIND_WORDS = {
    "organisations": ngettext_lazy("%(count)d organisation", "%(count)d organisations", "count"),
    "teams": ngettext_lazy("%(count)d team", "%(count)d teams", "count"),
    "users": ngettext_lazy("%(count)d user", "%(count)d users", "count"),
    "memberships": ngettext_lazy("%(count)d membership", "%(count)d memberships", "count"),
    "clients": ngettext_lazy("%(count)d client", "%(count)d clients", "count"),
    "default plan items": ngettext_lazy(
        "%(count)d default plan item", "%(count)d default plan items", "count"
    ),
    "trajectory fits": ngettext_lazy(
        "%(count)d trajectory fit", "%(count)d trajectory fits", "count"
    ),
    "episodes": ngettext_lazy("%(count)d episode", "%(count)d episodes", "count"),
    "alerts": ngettext_lazy("%(count)d alert", "%(count)d alerts", "count"),
    "care team members": ngettext_lazy(
        "%(count)d care team member", "%(count)d care team members", "count"
    ),
    "plan items": ngettext_lazy("%(count)d plan item", "%(count)d plan items", "count"),
    "sessions": ngettext_lazy("%(count)d session", "%(count)d sessions", "count"),
    "responses": ngettext_lazy("%(count)d response", "%(count)d responses", "count"),
    "response versions": ngettext_lazy(
        "%(count)d response version", "%(count)d response versions", "count"
    ),
    "goals": ngettext_lazy("%(count)d goal", "%(count)d goals", "count"),
    "goal versions": ngettext_lazy("%(count)d goal version", "%(count)d goal versions", "count"),
    "goal ratings": ngettext_lazy("%(count)d goal rating", "%(count)d goal ratings", "count"),
    "tasks": ngettext_lazy("%(count)d task", "%(count)d tasks", "count"),
    "ruptures": ngettext_lazy("%(count)d rupture", "%(count)d ruptures", "count"),
    "reflections": ngettext_lazy("%(count)d reflection", "%(count)d reflections", "count"),
}


def created_words(created: dict[str, int]) -> str:
    """ "3 episodes, 12 responses" in the active language; the kinds with none are left out."""
    said = [
        str(KIND_WORDS[kind] % {"count": n}) if kind in KIND_WORDS else f"{n} {kind}"
        for kind, n in created.items()
        if n
    ]
    return ", ".join(said) or _("nothing new")


def problem_line(source: Path, bad: RowError) -> str:
    """One problem of ``source`` in the active language: a row and column, or a JSON path."""
    message = science_text(bad.detail, bad.message)
    if bad.row:
        message = _("row %(row)d, column %(column)s: %(message)s") % {
            "row": bad.row,
            "column": bad.column,
            "message": message,
        }
    else:
        message = f"{bad.column}: {message}"
    return f"{source}: {message}"


def _say(message: str) -> None:
    print(message, file=sys.stderr)


@contextmanager
def _progress_bar(label: str) -> Iterator[ProgressCallback]:
    """One progress bar labelled ``label`` (see ``alliance.cli.analyze.progress_bars``)."""
    with progress_bars() as advance:
        yield lambda done, total: advance(label, done, total)


def _read_source(source: Path) -> object:
    if not source.is_file():
        raise InputProblem(_("%(path)s is not a file") % {"path": source})
    if source.suffix.lower() != ".json":
        return read_ratings_csv(source)
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        reason = json_reason(error, _)
        raise InputProblem(
            _("%(path)s is not a readable JSON export: %(reason)s")
            % {"path": source, "reason": reason}
        ) from None
    if not isinstance(document, dict):
        raise InputProblem(
            _(
                "%(path)s: format: not an Alliance export; the top level must be a JSON "
                "object, not a %(kind)s"
            )
            % {"path": source, "kind": type(document).__name__}
        )
    return document


def import_run(source: Path, organisation: str, *, allow_access_changes: bool = False) -> int:
    """Import ``source`` (a research CSV, or a full export ending in .json); the exit code."""
    try:
        data = _read_source(source)
        if not isinstance(data, dict) and not organisation:
            raise InputProblem(_("--organisation is needed to import a research CSV"))
        with _progress_bar(_("Importing")) as progress:
            outcome = organisation_import(
                source=data,
                organisation=organisation,
                progress=progress,
                allow_access_changes=allow_access_changes,
            )
    except (InputProblem, TransferProblem) as problem:
        _say(_("alliance import: %(problem)s; nothing was written.") % {"problem": problem})
        return BAD_INPUT
    except Exception as failure:  # any failure has rolled back; say so plainly
        _say(
            _("alliance import: the import failed and nothing was written: %(failure)s")
            % {"failure": repr(failure)}
        )
        return FAILED
    if outcome.errors:
        for bad in outcome.errors:
            # A full export's problems have a JSON path, not a row; each names the file.
            _say(problem_line(source, bad))
        count = len(outcome.errors)
        _say(
            ngettext(
                "alliance import: %(count)d problem in %(source)s; nothing was written.",
                "alliance import: %(count)d problems in %(source)s; nothing was written.",
                count,
            )
            % {"count": count, "source": source}
        )
        return BAD_INPUT
    new = created_words(outcome.created)
    print(_("Imported %(source)s: %(new)s.") % {"source": source, "new": new})
    return OK


def _research_key(key_file: Path | None) -> bytes:
    if key_file is not None:
        try:
            key = key_file.read_bytes().strip()
        except OSError as error:
            raise InputProblem(
                _("cannot read the key file %(path)s: %(reason)s")
                % {"path": key_file, "reason": error.strerror}
            ) from None
    else:
        key = os.environ.get(EXPORT_KEY_VARIABLE, "").encode()
    if len(key) < MIN_KEY_BYTES:
        raise InputProblem(
            _(
                "a pseudonymised export needs a secret key of at least %(count)d characters, "
                "in %(variable)s or a --key-file"
            )
            % {"count": MIN_KEY_BYTES, "variable": EXPORT_KEY_VARIABLE}
        )
    return key


def export_run(
    destination: Path, organisation: str, *, pseudonymise: bool, key_file: Path | None
) -> int:
    """Write the full export (JSON) or the pseudonymised research CSV; the exit code."""
    try:
        if not destination.parent.is_dir():
            raise InputProblem(
                _("cannot write %(path)s: %(folder)s does not exist")
                % {"path": destination, "folder": destination.parent}
            )
        key = _research_key(key_file) if pseudonymise else None
        text = organisation_export_text(organisation=organisation, research_key=key)
    except (InputProblem, TransferProblem) as problem:
        _say(_("alliance export: %(problem)s; nothing was written.") % {"problem": problem})
        return BAD_INPUT
    write_atomically(destination, text)
    os.chmod(destination, 0o600)  # health data: readable by its owner only
    print(
        _("Exported %(organisation)s to %(file)s.")
        % {"organisation": organisation, "file": destination}
    )
    return OK
