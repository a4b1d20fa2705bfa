"""Events written before the chain existed are chained by migration 0003, oldest first, so
``audit_verify`` passes on an upgraded database and the new triggers are in place."""

import pytest
from django.core.management import call_command
from django.db import connection

from alliance.audit.database import TABLE
from alliance.audit.verify import audit_chain_verify

# Migrating backwards and forwards needs committed schema changes.
pytestmark = pytest.mark.django_db(transaction=True)

OLD_INSERT = (
    f"INSERT INTO {TABLE} (at, actor_name, via, action, route, method, object_kind, user_agent, "
    "detail) VALUES (%s, 'before-the-chain', 'page', 'view', 'clinic:episode', 'GET', 'episode', "
    "'', '')"
)


def test_the_migration_chains_the_events_already_in_the_log() -> None:
    call_command("migrate", "audit", "0002", verbosity=0)
    try:
        with connection.cursor() as cursor:
            for second in range(3):
                cursor.execute(OLD_INSERT, [f"2026-01-01 09:00:0{second}+00:00"])
    finally:
        call_command("migrate", "audit", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT previous_hash, hash FROM {TABLE} ORDER BY id")
        rows = cursor.fetchall()
    assert len(rows) == 3
    assert rows[0][0] == "" and rows[1][0] == rows[0][1] and rows[2][0] == rows[1][1]
    report = audit_chain_verify(connection)
    assert (report.broken, report.events, report.head) == (None, 3, rows[2][1])
