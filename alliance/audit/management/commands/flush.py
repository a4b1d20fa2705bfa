"""Django's ``flush``, allowed to empty the audit log too (it empties every table by design).

The test runner flushes between browser tests; without this, SQLite's delete trigger would stop
it. See alliance/audit/database.py.
"""

from typing import Any

from django.core.management.commands import flush

from alliance.audit.database import flushing


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with flushing():
            super().handle(**options)
