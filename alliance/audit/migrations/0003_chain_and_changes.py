"""Privileged changes' before and after, and the hash chain (alliance/audit/database.py).

The triggers of 0002 are dropped first (on SQLite adding these columns rebuilds the table, which
drops them anyway), the events already in the log are chained in id order, then the triggers
that refuse changes and chain every new event are created.
"""

from typing import Any

from django.db import migrations, models

from alliance.audit.database import (
    TABLE,
    canonical_of,
    chain_hash,
    chain_rows,
    triggers_create,
    triggers_create_0002,
    triggers_drop,
)


def chain_existing(apps: Any, schema_editor: Any) -> None:
    """Give the events written before the chain their hashes, oldest first."""
    connection = schema_editor.connection
    previous = ""
    for event_id, *_ in list(chain_rows(connection)):
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET previous_hash = %s WHERE id = %s", [previous, event_id]
            )
            # The canonical text covers previous_hash, so it is read once that is set.
            previous = chain_hash(canonical_of(connection, event_id))
            cursor.execute(f"UPDATE {TABLE} SET hash = %s WHERE id = %s", [previous, event_id])


def unchain(apps: Any, schema_editor: Any) -> None:
    """Nothing to undo: the columns go with the fields."""


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.RunPython(triggers_drop, triggers_create_0002),
        migrations.AddField(
            model_name="auditevent",
            name="after",
            field=models.CharField(blank=True, max_length=200, verbose_name="after"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="before",
            field=models.CharField(blank=True, max_length=200, verbose_name="before"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=64, verbose_name="hash"
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="previous_hash",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                max_length=64,
                verbose_name="hash of the previous event",
            ),
        ),
        migrations.RunPython(chain_existing, unchain),
        migrations.RunPython(triggers_create, triggers_drop),
    ]
