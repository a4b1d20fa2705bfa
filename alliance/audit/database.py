"""The database's own refusal to change or remove an audit event, and the events' hash chain
(see docs/audit.md).

The model refuses in Python; these triggers refuse any other route (raw SQL, a shell, a bug in a
bulk operation). SQLite and PostgreSQL differ, so each gets its own statements. The only way past
them is ``manage.py flush``, which empties the whole database by design (the test runner uses it
between browser tests): on SQLite the delete trigger asks ``alliance_audit_flushing()``, a function
this module registers on each connection and which answers yes only inside ``flushing()``. A
connection that lacks the function (the ``sqlite3`` shell) cannot delete at all.

Each event also stores ``previous_hash`` (the hash of the event before it) and ``hash``, the
SHA-256 of its canonical text (``canonical_sql``: every column, each as its length and value, and
the previous hash). The database computes both as the row is inserted, so an event written by any
route (subqueries included) is chained, and ``manage.py audit_verify`` recomputes them. On
PostgreSQL a BEFORE INSERT trigger takes a transaction-level advisory lock, gives the row the
next id under that lock (so id order is chain order even when requests insert in parallel) and
reads the last hash; on SQLite writes are serialised already and an AFTER INSERT trigger fills
the two columns (the update refusal lets through only a row whose hash is still empty, which only
exists inside its own INSERT).
"""

import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

TABLE = "audit_auditevent"
REFUSAL = "audit events are append-only"

# The columns covered by the hash, in order; ``previous_hash`` comes last, so each hash covers
# the one before it.
CHAINED_COLUMNS = [
    "id",
    "at",
    "actor_id",
    "actor_name",
    "via",
    "organisation_id",
    "action",
    "route",
    "method",
    "status",
    "object_kind",
    "object_id",
    "client_id",
    "address",
    "user_agent",
    "detail",
    "before",
    "after",
    "previous_hash",
]
# A constant key for pg_advisory_xact_lock: one chain, one lock ("alli" in ASCII).
CHAIN_LOCK = 0x616C6C69


def _text_sql(vendor: str, column: str) -> str:
    """A column as text the same on every read: timestamps in UTC to the microsecond."""
    if vendor == "postgresql":
        if column.endswith(".at"):
            return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')"""
        if column.endswith(".address"):
            return f"host({column})"
        return f"{column}::text"
    # SQLite keeps a timestamp as the text Django wrote; every other value as itself.
    return f"CAST({column} AS TEXT)"


def canonical_sql(vendor: str, row: str) -> str:
    """The SQL for one event's canonical text; ``row`` is ``NEW`` in a trigger, else the table.

    Each column is written as its length, a colon and its text, or ``~`` when it is NULL, so no
    value can pass for two neighbouring ones."""
    parts = []
    for name in CHAINED_COLUMNS:
        text = _text_sql(vendor, f"{row}.{name}")
        parts.append(f"COALESCE(length({text}) || ':' || {text}, '~')")
    return " || '|' || ".join(parts)


def chain_hash(canonical: str) -> str:
    """The hash of one event's canonical text (the previous hash is part of that text)."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _sqlite_create() -> list[str]:
    return [
        # No update at all, except the chaining trigger's own on the row it is inserting.
        f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {TABLE}
        WHEN OLD.hash <> ''
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
        f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON {TABLE}
        WHEN NOT alliance_audit_flushing()
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
        # INSERT OR REPLACE and REPLACE delete the old row without firing a delete trigger: refuse
        # any id that is not past the newest. (An id left to SQLite reads as -1 here.)
        f"""CREATE TRIGGER audit_event_no_replace BEFORE INSERT ON {TABLE}
        WHEN NEW.id <> -1 AND NEW.id <= (SELECT max(id) FROM {TABLE})
        BEGIN SELECT RAISE(ABORT, '{REFUSAL} (an existing or earlier id)'); END""",
        f"""CREATE TRIGGER audit_event_no_forged_hash BEFORE INSERT ON {TABLE}
        WHEN NEW.hash <> ''
        BEGIN SELECT RAISE(ABORT, '{REFUSAL} (the hash is the database''s to write)'); END""",
        f"""CREATE TRIGGER audit_event_chain AFTER INSERT ON {TABLE}
        BEGIN
            UPDATE {TABLE} SET previous_hash = COALESCE(
                (SELECT hash FROM {TABLE} WHERE id < NEW.id ORDER BY id DESC LIMIT 1), ''
            ) WHERE id = NEW.id;
            UPDATE {TABLE} SET hash = alliance_audit_sha256({canonical_sql("sqlite", TABLE)})
            WHERE id = NEW.id;
        END""",
    ]


SQLITE_TRIGGERS = [
    "audit_event_no_update",
    "audit_event_no_delete",
    "audit_event_no_replace",
    "audit_event_no_forged_hash",
    "audit_event_chain",
]


def _postgresql_create() -> list[str]:
    return [
        f"""CREATE FUNCTION audit_event_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{REFUSAL} (% refused)', TG_OP; END; $$""",
        f"""CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_event_refuse()""",
        # Under the lock, the id is taken and the last hash read, so parallel inserts chain in
        # id order; the lock is held until the inserting transaction ends.
        f"""CREATE FUNCTION audit_event_chain() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE previous text;
        BEGIN
            PERFORM pg_advisory_xact_lock({CHAIN_LOCK});
            NEW.id := nextval(pg_get_serial_sequence('{TABLE}', 'id'));
            SELECT hash INTO previous FROM {TABLE} ORDER BY id DESC LIMIT 1;
            NEW.previous_hash := COALESCE(previous, '');
            NEW.hash := encode(sha256(convert_to({canonical_sql("postgresql", "NEW")}, 'UTF8')),
                'hex');
            RETURN NEW;
        END; $$""",
        f"""CREATE TRIGGER audit_event_chain BEFORE INSERT ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_event_chain()""",
    ]


POSTGRESQL_DROP = [
    f"DROP TRIGGER IF EXISTS audit_event_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_event_refuse()",
    f"DROP TRIGGER IF EXISTS audit_event_chain ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_event_chain()",
]

# The statements of migration 0002 (append-only, no chain), kept for migrating back to it.
SQLITE_CREATE_0002 = [
    f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON {TABLE}
    WHEN NOT alliance_audit_flushing()
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
]
POSTGRESQL_CREATE_0002 = [
    f"""CREATE FUNCTION audit_event_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{REFUSAL} (% refused)', TG_OP; END; $$""",
    f"""CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse()""",
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
        raw.create_function("alliance_audit_sha256", 1, _sha256, deterministic=True)


def _sha256(text: str | None) -> str:
    return chain_hash(text or "")


def _statements(vendor: str, *, create: bool, version: int = 3) -> list[str]:
    if vendor == "sqlite":
        if not create:
            return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]
        return _sqlite_create() if version == 3 else SQLITE_CREATE_0002
    if vendor == "postgresql":
        if not create:
            return POSTGRESQL_DROP
        return _postgresql_create() if version == 3 else POSTGRESQL_CREATE_0002
    raise NotImplementedError(
        f"The audit log's triggers are written for SQLite and PostgreSQL, not {vendor}."
    )


def triggers_create(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """The triggers of the current schema (refusals and the chain); a migration that rebuilds
    the audit table on SQLite must call this again."""
    for statement in _statements(schema_editor.connection.vendor, create=True):
        schema_editor.execute(statement, params=None)


def triggers_drop(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in _statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(statement, params=None)


def triggers_create_0002(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Migration 0002's triggers (no chain yet): the columns the chain needs do not exist then."""
    for statement in _statements(schema_editor.connection.vendor, create=True, version=2):
        schema_editor.execute(statement, params=None)


def chain_rows(
    connection: BaseDatabaseWrapper, *, batch: int = 2000, after: int | None = None
) -> Iterator[tuple[Any, ...]]:
    """Every event in id order (past ``after``) as (id, previous_hash, hash, canonical text),
    read in batches."""
    canonical = canonical_sql(connection.vendor, TABLE)
    sql = (
        f"SELECT id, previous_hash, hash, {canonical} FROM {TABLE} "
        f"WHERE id > %s ORDER BY id LIMIT {int(batch)}"
    )
    last = -(2**63) if after is None else after
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [last])
            rows = cursor.fetchall()
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1][0]


def canonical_of(connection: BaseDatabaseWrapper, event_id: int) -> str:
    """One event's canonical text as the database writes it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {canonical_sql(connection.vendor, TABLE)} FROM {TABLE} WHERE id = %s",
            [event_id],
        )
        return str(cursor.fetchone()[0])
