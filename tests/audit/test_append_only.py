"""The audit log only grows: the model, its queryset and the database itself refuse changes."""

import contextlib
from types import SimpleNamespace

import pytest
from django.db import DatabaseError, connection, transaction

from alliance.audit.database import flushing
from alliance.audit.models import Action, AppendOnlyError, AuditEvent, Via
from alliance.audit.services import audit_record


@pytest.fixture
def event(clinic: SimpleNamespace) -> AuditEvent:
    return audit_record(
        actor=clinic.clinician,
        action=Action.VIEW,
        organisation=clinic.org,
        via=Via.PAGE,
        object_kind="episode",
        object_id=clinic.episode.pk,
    )


def test_it_refuses_to_save_a_change(event: AuditEvent) -> None:
    event.action = Action.DELETE
    with pytest.raises(AppendOnlyError):
        event.save()


def test_it_refuses_to_delete_an_event(event: AuditEvent) -> None:
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_it_refuses_bulk_updates_and_deletes(event: AuditEvent) -> None:
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action=Action.DELETE)
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def _raw(sql: str, params: list[object]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_a_raw_update(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["delete", event.pk])
    event.refresh_from_db()
    assert event.action == Action.VIEW


def test_the_database_refuses_a_raw_delete(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_database_still_refuses_a_raw_delete_of_every_event(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM audit_auditevent", [])
    assert AuditEvent.objects.count() >= 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's flush uses TRUNCATE")
def test_only_a_flush_of_the_whole_database_may_empty_it_on_sqlite(event: AuditEvent) -> None:
    with flushing():
        _raw("DELETE FROM audit_auditevent", [])
    assert not AuditEvent.objects.exists()


COLUMNS = "(id, at, actor_name, via, action, route, method, object_kind, user_agent, detail"
VALUES = "VALUES (%s, '2020-01-01 00:00:00', 'x', 'page', 'log_in', '', '', '', '', ''"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="INSERT OR REPLACE is SQLite's")
@pytest.mark.parametrize("verb", ["INSERT OR REPLACE", "REPLACE"])
def test_the_database_refuses_to_replace_an_event_on_sqlite(event: AuditEvent, verb: str) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(f"{verb} INTO audit_auditevent {COLUMNS}, hash) {VALUES}, '')", [event.pk])
    event.refresh_from_db()
    assert event.action == Action.VIEW


def test_an_insert_naming_an_existing_id_never_replaces_that_event(event: AuditEvent) -> None:
    # SQLite refuses it; PostgreSQL's chaining trigger gives the row the next id instead.
    with contextlib.suppress(DatabaseError):
        _raw(f"INSERT INTO audit_auditevent {COLUMNS}, hash) {VALUES}, '')", [event.pk])
    event.refresh_from_db()
    assert event.action == Action.VIEW
    assert AuditEvent.objects.filter(pk=event.pk).count() == 1


def test_the_database_writes_the_hash_whatever_an_insert_says(event: AuditEvent) -> None:
    # SQLite refuses a hash it did not write; PostgreSQL's trigger writes its own.
    with contextlib.suppress(DatabaseError):
        _raw(
            f"INSERT INTO audit_auditevent {COLUMNS.replace('(id, ', '(')}, hash) "
            f"{VALUES.replace('(%s, ', '(')}, %s)",
            ["f" * 64],
        )
    assert not AuditEvent.objects.filter(hash="f" * 64).exists()
