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
from django.utils.translation import ngettext

from alliance.cli.analyze import (
    BAD_INPUT,
    FAILED,
    OK,
    InputProblem,
    progress_bars,
    read_ratings_csv,
    write_atomically,
)
from alliance.transfer.research import MIN_KEY_BYTES
from alliance.transfer.services import Progress as ProgressCallback
from alliance.transfer.services import (
    TransferProblem,
    organisation_export_text,
    organisation_import,
)

__all__ = ["EXPORT_KEY_VARIABLE", "export_run", "import_run"]

EXPORT_KEY_VARIABLE = "ALLIANCE_EXPORT_KEY"


def _say(message: str) -> None:
    print(message, file=sys.stderr)


@contextmanager
def _progress_bar(label: str) -> Iterator[ProgressCallback]:
    """One progress bar labelled ``label`` (see ``alliance.cli.analyze.progress_bars``)."""
    with progress_bars() as advance:
        yield lambda done, total: advance(label, done, total)


def _read_source(source: Path) -> object:
    if not source.is_file():
        raise InputProblem(f"{source} is not a file")
    if source.suffix.lower() != ".json":
        return read_ratings_csv(source)
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        reason = "nested too deep" if isinstance(error, RecursionError) else str(error)
        raise InputProblem(f"{source} is not a readable JSON export: {reason}") from None
    if not isinstance(document, dict):
        raise InputProblem(
            f"{source}: format: not an Alliance export; the top level must be a JSON object, "
            f"not a {type(document).__name__}"
        )
    return document


def import_run(source: Path, organisation: str, *, allow_access_changes: bool = False) -> int:
    """Import ``source`` (a research CSV, or a full export ending in .json); the exit code."""
    try:
        data = _read_source(source)
        if not isinstance(data, dict) and not organisation:
            raise InputProblem("--organisation is needed to import a research CSV")
        with _progress_bar("Importing") as progress:
            outcome = organisation_import(
                source=data,
                organisation=organisation,
                progress=progress,
                allow_access_changes=allow_access_changes,
            )
    except (InputProblem, TransferProblem) as problem:
        _say(f"alliance import: {problem}; nothing was written.")
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
            _say(f"{source}: " + (str(bad) if bad.row else f"{bad.column}: {bad.message}"))
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
    new = ", ".join(f"{n} {kind}" for kind, n in outcome.created.items() if n) or _("nothing new")
    print(_("Imported %(source)s: %(new)s.") % {"source": source, "new": new})
    return OK


def _research_key(key_file: Path | None) -> bytes:
    if key_file is not None:
        try:
            key = key_file.read_bytes().strip()
        except OSError as error:
            raise InputProblem(f"cannot read the key file {key_file}: {error.strerror}") from None
    else:
        key = os.environ.get(EXPORT_KEY_VARIABLE, "").encode()
    if len(key) < MIN_KEY_BYTES:
        raise InputProblem(
            f"a pseudonymised export needs a secret key of at least {MIN_KEY_BYTES} characters, "
            f"in {EXPORT_KEY_VARIABLE} or a --key-file"
        )
    return key


def export_run(
    destination: Path, organisation: str, *, pseudonymise: bool, key_file: Path | None
) -> int:
    """Write the full export (JSON) or the pseudonymised research CSV; the exit code."""
    try:
        if not destination.parent.is_dir():
            raise InputProblem(f"cannot write {destination}: {destination.parent} does not exist")
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
