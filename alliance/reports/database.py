"""The database's own notice that an episode's stored figures are out of date.

Every write that can change what an episode's report figures are read from (a response, a
session, a goal rating, a measurement-plan row, the baseline before treatment, the episode
itself) raises the episode's
``generation`` in ``reports_episodefigures``, whatever route it takes: a service, a bulk
import, the admin, raw SQL. Stored figures count only while the generation they were read at
is the current one (``alliance.reports.stored``). A trigger, not a call in each service,
because a missed call would leave a report silently wrong; the price is one upsert per
statement (PostgreSQL, statement-level with transition tables) or per row (SQLite).

On SQLite a later migration that rebuilds one of these tables drops its triggers: the reports
then check for them (:func:`triggers_present`) and read every episode afresh until they are
made again (``manage.py migrate`` runs :func:`triggers_create` from a new migration), and
tests/reports/test_stored_figures.py notices.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection as default_connection
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "reports_episodefigures"
PREFIX = "reports_fig_"

# Each table whose rows the figures are read from, and how a row names its episode.
SOURCES = {
    "measures_response": "session",
    "care_goalrating": "session",
    "care_session": "episode",
    "care_measureplanitem": "episode",
    "care_episode": "self",
    "voice_baseline": "episode",
}
OPERATIONS = ("insert", "update", "delete")


def trigger_names() -> list[str]:
    # The episode's own insert and delete too: an id used again after a flush starts stale.
    return [f"{PREFIX}{table}_{operation}" for table in SOURCES for operation in OPERATIONS]


def _episodes_sql(how: str, rows: list[str]) -> str:
    """SELECT the episode ids of the changed rows (``rows``: the row aliases or tables)."""
    if how == "session":
        ids = " UNION ".join(f"SELECT session_id AS s FROM {r}" for r in rows)
        return f"SELECT episode_id AS e FROM care_session WHERE id IN ({ids})"
    column = "id" if how == "self" else "episode_id"
    return " UNION ".join(f"SELECT {column} AS e FROM {r}" for r in rows)


def _upsert(episodes: str, order: bool) -> str:
    # Ordered by episode on PostgreSQL: two bulk writes lock the rows in the same order.
    return (
        f"INSERT INTO {TABLE} (episode_id, generation, basis) "
        f"SELECT DISTINCT x.e, 1, '' FROM ({episodes}) x WHERE x.e IS NOT NULL"
        f"{' ORDER BY 1' if order else ''} "
        f"ON CONFLICT (episode_id) DO UPDATE SET generation = {TABLE}.generation + 1"
    )


def _postgresql_create() -> list[str]:
    statements = []
    for name in trigger_names():
        table, operation = name.removeprefix(PREFIX).rsplit("_", 1)
        tables = {"insert": ["new_rows"], "update": ["new_rows", "old_rows"]}
        rows = tables.get(operation, ["old_rows"])
        transition = " ".join(f"{'NEW' if r == 'new_rows' else 'OLD'} TABLE AS {r}" for r in rows)
        body = _upsert(_episodes_sql(SOURCES[table], rows), order=True)
        statements += [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {body}; RETURN NULL; END $$",
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {table} "
            f"REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    return statements


def _sqlite_row(how: str, alias: str) -> str:
    column = {"session": "session_id", "episode": "episode_id", "self": "id"}[how]
    return f"(SELECT {alias}.{column} AS {column})"


def _sqlite_create() -> list[str]:
    statements = []
    for name in trigger_names():
        table, operation = name.removeprefix(PREFIX).rsplit("_", 1)
        aliases = {"insert": ["NEW"], "update": ["NEW", "OLD"]}.get(operation, ["OLD"])
        how = SOURCES[table]
        rows = [_sqlite_row(how, alias) for alias in aliases]
        body = _upsert(_episodes_sql(how, rows), order=False)
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {table} "
            f"FOR EACH ROW BEGIN {body}; END",
        ]
    return statements


def _statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return _postgresql_create()
    if vendor == "sqlite":
        return _sqlite_create()
    raise NotImplementedError(f"stored report figures: no triggers for {vendor}")


def triggers_create(apps: Any = None, schema_editor: Any = None) -> None:
    """Make (or make again) every trigger; a migration's RunPython forward step."""
    connection = schema_editor.connection if schema_editor else default_connection
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor):
            cursor.execute(statement)


def triggers_drop(apps: Any = None, schema_editor: Any = None) -> None:
    connection = schema_editor.connection if schema_editor else default_connection
    with connection.cursor() as cursor:
        for name in trigger_names():
            table = name.removeprefix(PREFIX).rsplit("_", 1)[0]
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def triggers_present(connection: BaseDatabaseWrapper) -> bool:
    """Whether every trigger is in place (one query)."""
    names = trigger_names()
    marks = ", ".join(["%s"] * len(names))
    if connection.vendor == "postgresql":
        query = f"SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgname IN ({marks})"
    elif connection.vendor == "sqlite":
        query = f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})"
    else:
        return False
    with connection.cursor() as cursor:
        cursor.execute(query, names)
        return bool(cursor.fetchone()[0] == len(names))


@contextmanager
def without_jit(using: str) -> Iterator[None]:
    """Run the block in one transaction on ``using`` with PostgreSQL's JIT compiler off.

    A report's aggregates are planned as costly (correlated EXISTS over every session), so the
    server's default ``jit_above_cost`` has them compiled: at 120,000 ratings compiling took
    1.16 s of a 1.5 s query that runs in 0.37 s without it (docs/proof.md). ``SET LOCAL`` ends
    with the transaction, so nothing leaks to the next user of a pooled connection
    (PgBouncer in transaction mode). Elsewhere the block just runs."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield
