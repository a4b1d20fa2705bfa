"""``manage.py audit_verify``: prove the audit log's chain is whole (docs/audit.md).

Exit 0 with a summary and the head hash when every event's hash matches its content and names
the one before it; exit 1 naming the first broken event.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from alliance.audit.verify import audit_chain_verify


class Command(BaseCommand):
    help = "Check that no audit event was removed or changed (the hash chain)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--known-head",
            default="",
            metavar="HASH",
            help="A head hash printed by an earlier run (kept in a log or a backup): the chain "
            "must still contain it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        known = str(options["known_head"]).strip().lower()
        report = audit_chain_verify(connection, known=known)
        if report.broken is not None:
            raise CommandError(
                f"The audit log's chain is broken at event {report.broken}: {report.reason}. "
                f"{report.events - 1} events before it are intact.",
                returncode=1,
            )
        if report.known_found is False:
            raise CommandError(
                f"The audit log's chain does not contain the known head {known}: events up to it "
                "were rewritten or removed.",
                returncode=1,
            )
        self.stdout.write(
            f"The audit log is intact: {report.events} events, each chained to the one before.\n"
            f"Head hash: {report.head or '(empty log)'}"
        )
