"""The database's own refusal to change or remove an audit event (see docs/audit.md).

The model refuses in Python; these triggers refuse any other route (raw SQL, a shell, a bug in a
bulk operation). SQLite and PostgreSQL differ, so each gets its own statements. The only way past
them is ``manage.py flush``, which empties the whole database by design (the test runner uses it
between browser tests): on SQLite the delete trigger asks ``alliance_audit_flushing()``, a function
this module registers on each connection and which answers yes only inside ``flushing()``. A
connection that lacks the function (the ``sqlite3`` shell) cannot delete at all.
"""

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

TABLE = "audit_auditevent"
REFUSAL = "audit events are append-only"

SQLITE_CREATE = [
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON {TABLE}
    WHEN NOT alliance_audit_flushing()
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]
POSTGRESQL_CREATE = [
    f"""CREATE FUNCTION audit_event_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{REFUSAL} (% refused)', TG_OP; END; $$""",
    f"""CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse()""",
]
POSTGRESQL_DROP = [
    f"DROP TRIGGER IF EXISTS audit_event_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_event_refuse()",
]

_state = threading.local()


@contextmanager
def flushing() -> Iterator[None]:
    """Let ``flush`` empty the log on SQLite (PostgreSQL's TRUNCATE fires no row trigger)."""
    _state.flushing = True
    try:
        yield
    finally:
        _state.flushing = False


def _is_flushing() -> int:
    return int(getattr(_state, "flushing", False))


def register_functions(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Connect to ``connection_created``: SQLite triggers may only call registered functions."""
    if connection.vendor == "sqlite":
        raw: sqlite3.Connection = connection.connection
        raw.create_function("alliance_audit_flushing", 0, _is_flushing, deterministic=False)


def _statements(vendor: str, *, create: bool) -> list[str]:
    if vendor == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    if vendor == "postgresql":
        return POSTGRESQL_CREATE if create else POSTGRESQL_DROP
    raise NotImplementedError(
        f"The audit log's triggers are written for SQLite and PostgreSQL, not {vendor}."
    )


def triggers_create(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in _statements(schema_editor.connection.vendor, create=True):
        schema_editor.execute(statement, params=None)


def triggers_drop(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in _statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(statement, params=None)
