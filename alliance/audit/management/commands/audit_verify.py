"""``manage.py audit_verify``: prove the audit log's chain is whole (docs/audit.md).

Exit 0 with a summary and the head hash when every event's hash matches its content and names
the one before it; exit 1 naming the first broken event.
"""

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliance.audit.verify import audit_chain_verify
from alliance.console.commands import LocalisedCommand, gettext_lazy


class Command(LocalisedCommand):
    help = gettext_lazy("Check that no audit event was removed or changed (the hash chain).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--known-head",
            default="",
            metavar="HASH",
            help=gettext_lazy(
                "A head hash printed by an earlier run (kept in a log or a backup): the chain "
                "must still contain it."
            ),
        )

    # The English says "events" whatever the count, as before (scripts read it); the plural
    # forms are the languages'.
    def handle(self, *args: Any, **options: Any) -> None:
        known = str(options["known_head"]).strip().lower()
        report = audit_chain_verify(connection, known=known)
        if report.broken is not None:
            intact = report.events - 1
            raise CommandError(
                _("The audit log's chain is broken at event %(event)s: %(reason)s.")
                % {"event": report.broken, "reason": report.reason}
                + " "
                + ngettext(
                    "%(count)d events before it are intact.",
                    "%(count)d events before it are intact.",
                    intact,
                )
                % {"count": intact},
                returncode=1,
            )
        if report.known_found is False:
            raise CommandError(
                _(
                    "The audit log's chain does not contain the known head %(hash)s: events up "
                    "to it were rewritten or removed."
                )
                % {"hash": known},
                returncode=1,
            )
        self.stdout.write(
            ngettext(
                "The audit log is intact: %(count)d events, each chained to the one before.",
                "The audit log is intact: %(count)d events, each chained to the one before.",
                report.events,
            )
            % {"count": report.events}
            + "\n"
            + _("Head hash: %(hash)s") % {"hash": report.head or _("(empty log)")}
        )
