"""Each audit event stores the hash of the one before it; ``audit_verify`` proves the chain whole
and names the first event that was changed or follows a removed one."""

import itertools
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from alliance.audit.database import TABLE, _statements, canonical_of, chain_hash
from alliance.audit.models import Action, AuditEvent, Via
from alliance.audit.services import audit_record


def _events(clinic: SimpleNamespace, count: int) -> list[AuditEvent]:
    return [
        audit_record(
            actor=clinic.clinician,
            action=Action.VIEW,
            organisation=clinic.org,
            via=Via.PAGE,
            object_kind="episode",
            object_id=clinic.episode.pk,
            detail=f"read {n}",
        )
        for n in range(count)
    ]


def _verify(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


def _tamper(sql: str, params: list[object]) -> None:
    """Change the log as a database owner could: drop the triggers, write, put them back."""
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, create=False):
            cursor.execute(statement)
        cursor.execute(sql, params)
        for statement in _statements(connection.vendor, create=True):
            cursor.execute(statement)


def test_each_event_stores_the_hash_of_the_one_before(clinic: SimpleNamespace) -> None:
    _events(clinic, 3)
    events = list(AuditEvent.objects.order_by("pk"))
    assert events[0].previous_hash == ""
    for earlier, later in itertools.pairwise(events):
        assert later.previous_hash == earlier.hash
    for event in events:
        assert len(event.hash) == 64
        assert event.hash == chain_hash(canonical_of(connection, event.pk))


def test_the_hash_covers_the_client_found_by_the_database(clinic: SimpleNamespace) -> None:
    (event,) = _events(clinic, 1)
    event.refresh_from_db()
    assert event.client_id == clinic.episode.client_id
    client = str(clinic.episode.client_id)
    assert f"|{len(client)}:{client}|" in canonical_of(connection, event.pk)


def test_audit_verify_says_an_intact_log_is_intact(clinic: SimpleNamespace) -> None:
    _events(clinic, 4)
    head = AuditEvent.objects.order_by("-pk").first()
    assert head is not None
    out = _verify()
    assert f"{AuditEvent.objects.count()} events" in out
    assert head.hash in out


def test_audit_verify_passes_an_empty_log(db: None) -> None:
    assert "0 events" in _verify()


def test_audit_verify_names_an_event_changed_through_sql(clinic: SimpleNamespace) -> None:
    events = _events(clinic, 4)
    _tamper(f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["delete", events[1].pk])
    with pytest.raises(CommandError, match=f"at event {events[1].pk}: its content") as refused:
        _verify()
    assert refused.value.returncode == 1


def test_audit_verify_names_the_event_after_one_removed(clinic: SimpleNamespace) -> None:
    events = _events(clinic, 4)
    _tamper(f"DELETE FROM {TABLE} WHERE id = %s", [events[2].pk])
    with pytest.raises(CommandError, match=f"at event {events[3].pk}: it does not follow"):
        _verify()


def test_audit_verify_notices_a_changed_hash_too(clinic: SimpleNamespace) -> None:
    events = _events(clinic, 3)
    _tamper(f"UPDATE {TABLE} SET hash = %s WHERE id = %s", ["0" * 64, events[0].pk])
    with pytest.raises(CommandError, match=f"at event {events[0].pk}"):
        _verify()


def test_a_known_head_shows_the_newest_events_were_removed(clinic: SimpleNamespace) -> None:
    events = _events(clinic, 3)
    head = AuditEvent.objects.get(pk=events[-1].pk).hash
    assert head in _verify("--known-head", head)
    # Removing the newest events leaves a chain that holds together; only the known head tells.
    _tamper(f"DELETE FROM {TABLE} WHERE id >= %s", [events[1].pk])
    assert "events" in _verify()
    with pytest.raises(CommandError, match="does not contain the known head") as refused:
        _verify("--known-head", head)
    assert refused.value.returncode == 1
