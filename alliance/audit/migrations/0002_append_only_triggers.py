"""The database refuses UPDATE and DELETE on the audit log (see alliance/audit/database.py).

On SQLite, a later migration that alters the audit table rebuilds it and drops these triggers:
such a migration must run ``triggers_create`` again (tests/audit/test_append_only.py notices).
Migration 0003 replaces these with the triggers that also chain the events.
"""

from django.db import migrations

from alliance.audit.database import triggers_create_0002, triggers_drop


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_event")]

    operations = [migrations.RunPython(triggers_create_0002, triggers_drop)]
