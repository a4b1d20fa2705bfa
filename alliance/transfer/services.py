"""Import and export, whole or not at all (``docs/transfer.md``).

Everything is checked before the first write; then the whole import runs in one transaction, so
an error, a refused row or a killed process leaves the database exactly as it was.
"""

import getpass
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext, gettext_noop

from alliance.accounts.models import Organisation
from alliance.audit.models import Action, Via
from alliance.audit.services import audit_record
from alliance.replica import replica_reads
from alliance.science.ratings_table import RowError, check_ratings
from alliance.transfer import ratings_import, research
from alliance.transfer.document_check import document_problems
from alliance.transfer.document_shape import document_upgrade
from alliance.transfer.restore import RestoreConflict, document_restore
from alliance.transfer.selectors import organisation_export

__all__ = [
    "ImportOutcome",
    "TransferProblem",
    "organisation_export_text",
    "organisation_import",
    "transfer_record",
]

logger = logging.getLogger(__name__)
Progress = Callable[[int, int], None]

# Test hook (docs/transfer.md): with ALLIANCE_ENV=test, an import pauses for good after this many
# units (episodes or rows), once it has created the marker file, so a fault test can kill it
# at a known point. Ignored in every other environment.
PAUSE_AFTER = "ALLIANCE_IMPORT_PAUSE_AFTER"
PAUSE_MARKER = "ALLIANCE_IMPORT_PAUSE_MARKER"


class TransferProblem(Exception):
    """Input that cannot be imported or exported, with a message for the person running it."""


@dataclass
class ImportOutcome:
    """What an import found wrong (then nothing was written) or wrote (new records by kind)."""

    errors: list[RowError] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)


def transfer_record(*, action: str, organisation: str, detail: dict[str, Any]) -> None:
    """The single place an import or export is recorded: in the audit log (as the command line,
    with the operating-system account that ran it) and in the log. Counts only, never content."""
    counts = ", ".join(f"{kind} {n}" for kind, n in sorted(detail.items()))
    note = f"{counts}; by {_os_user()}"
    org = Organisation.objects.filter(name=organisation).first()
    audit_record(
        actor=None,
        action=Action.IMPORT if action == "import" else Action.EXPORT,
        organisation=org,
        via=Via.COMMAND,
        object_kind="organisation",
        object_id=org.pk if org else None,
        detail=note,
    )
    logger.info("alliance %s: %s (%s)", action, organisation, note)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except OSError:  # no name for this account (a container's numeric user)
        return f"uid {os.getuid()}"


def _organisation(name: str) -> Organisation:
    found = Organisation.objects.filter(name=name).first()
    if found is None:
        raise TransferProblem(
            gettext("there is no organisation named %(name)s") % {"name": repr(name)}
        )
    return found


def organisation_export_text(*, organisation: str, research_key: bytes | None = None) -> str:
    """The full export as JSON text, or with ``research_key`` the pseudonymised research CSV."""
    org = _organisation(organisation)
    if research_key is None:
        text = json.dumps(organisation_export(organisation=org), indent=1, ensure_ascii=False)
        kind = "full"
    else:
        with replica_reads():  # the research export reads from the replica when there is one
            text = research.research_csv(organisation=org, key=research_key)
        kind = "pseudonymised"
    transfer_record(action="export", organisation=org.name, detail={"kind": kind})
    return text + ("" if text.endswith("\n") else "\n")


def _advancer(total: int, progress: Progress) -> Callable[[], None]:
    """Counts written units for the progress bar; with the test hook set, stops for good at the
    chosen one."""
    after = os.environ.get(PAUSE_AFTER) if settings.ALLIANCE_ENV == "test" else None
    count = 0

    def tick() -> None:
        nonlocal count
        count += 1
        progress(count, total)
        if after is not None and count == int(after):
            Path(os.environ[PAUSE_MARKER]).write_text(str(count), encoding="utf-8")
            time.sleep(600)

    return tick


def organisation_import(
    *, source: Any, organisation: str, progress: Progress, allow_access_changes: bool = False
) -> ImportOutcome:
    """Import a full export (a dict) or a research ratings table (a DataFrame of text cells).

    Returns the errors when there are any (nothing written), else the counts of new records.
    ``organisation`` is the organisation to import into (for a full export, "" keeps the name
    in the document). Into an existing organisation, an import that would add a membership or
    a care-team member (to an episode already there, for a research CSV) is refused unless
    ``allow_access_changes``.
    """
    # One transaction with the audit event: an import is never in the database unrecorded.
    with transaction.atomic():
        if isinstance(source, dict):
            outcome = _import_document(source, organisation, progress, allow_access_changes)
        else:
            outcome = _import_ratings(source, organisation, progress, allow_access_changes)
        if not outcome.errors:
            name = organisation or source["organisation"]["name"]
            transfer_record(action="import", organisation=name, detail=outcome.created)
    return outcome


def _import_document(
    document: dict[str, Any], organisation: str, progress: Progress, allow_access: bool
) -> ImportOutcome:
    document = document_upgrade(document)
    try:
        problems = document_problems(document)
    except (KeyError, TypeError, ValueError, AttributeError) as damaged:
        # A check this version does not foresee: refused (exit 2) rather than a crash.
        template = gettext_noop(
            "the export is damaged or edited by hand (%(damage)s); nothing was written"
        )
        return ImportOutcome(errors=[RowError.of(0, "document", template, damage=repr(damaged))])
    if problems:
        return ImportOutcome(errors=problems)
    name = organisation or document["organisation"]["name"]
    tick = _advancer(len(document["episodes"]), progress)
    try:
        with transaction.atomic():
            created = document_restore(
                document,
                organisation_name=name,
                after_episode=tick,
                allow_access_changes=allow_access,
            )
    except RestoreConflict as conflict:
        return ImportOutcome(errors=[RowError(0, conflict.at, str(conflict), conflict.detail)])
    except (IntegrityError, DataError) as broken:
        # A rule of the database the checks above did not foresee: rolled back, and named.
        template = gettext_noop(
            "the export breaks a rule of the database (%(rule)s); nothing was written"
        )
        return ImportOutcome(errors=[RowError.of(0, "document", template, rule=str(broken))])
    except (KeyError, TypeError, ValueError) as damaged:
        # A field missing or of the wrong type deep in the document: rolled back, and said so.
        template = gettext_noop("the export is damaged or edited by hand (%(damage)s)")
        return ImportOutcome(errors=[RowError.of(0, "document", template, damage=repr(damaged))])
    return ImportOutcome(created=created)


def _import_ratings(
    frame: Any, organisation: str, progress: Progress, allow_access: bool
) -> ImportOutcome:
    # Every problem of the file in one pass: the table's own, then the database's checks of
    # the rows the table found clean.
    errors, table = check_ratings(frame)
    if errors and not Organisation.objects.filter(name=organisation).exists():
        # The file's own problems are still worth knowing: said with the missing organisation.
        return ImportOutcome(
            errors=[
                *errors,
                RowError.of(
                    0,
                    "--organisation",
                    gettext_noop("there is no %(name)s"),
                    name=repr(organisation),
                ),
            ]
        )
    try:
        with transaction.atomic():
            org = _organisation(organisation)
            rows: list[Any] = []
            if table is not None:
                rows, more = ratings_import.ratings_check(table, organisation=org)
                errors = sorted(errors + more)
            if errors:
                return ImportOutcome(errors=errors)
            tick = _advancer(len(rows), progress)
            created = ratings_import.ratings_write(
                rows, organisation=org, after_row=tick, allow_access_changes=allow_access
            )
    except ratings_import.RowRefused as refused:
        return ImportOutcome(errors=[refused.error])
    return ImportOutcome(created=created)
