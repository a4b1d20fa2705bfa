"""Django's ``flush``, allowed to empty the audit log too (it empties every table by design).

The test runner flushes between browser tests; without this, SQLite's delete trigger would stop
it. See alliance/audit/database.py.
"""

from typing import Any

from django.core.management.commands import flush

from alliance.audit.database import flushing
from alliance.console.commands import LocalisedCommand


class Command(LocalisedCommand, flush.Command):
    # Django's help and questions stay Django's (English); the options' words and argparse's
    # follow the environment's language.
    def handle(self, **options: Any) -> None:
        with flushing():
            super().handle(**options)
