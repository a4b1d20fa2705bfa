"""On PostgreSQL the application connects as a role made by ``manage.py audit_roles``: it adds and
reads audit events and can do nothing else to the log (no TRUNCATE, no trigger switched off, no
UPDATE or DELETE), while the rest of the application works as before."""

import secrets
from collections.abc import Iterator
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from alliance.audit.database import TABLE, chain_rows
from alliance.audit.verify import audit_chain_verify

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="roles are PostgreSQL's"),
    # The grants must be committed for a second connection to see them.
    pytest.mark.django_db(transaction=True),
]

INSERT = (
    f"INSERT INTO {TABLE} (at, actor_name, via, action, route, method, object_kind, user_agent, "
    "detail, before, after, previous_hash, hash) VALUES (now(), 'app', 'page', 'view', '', '', '', "
    "'', '', '', '', '', '')"
)


@pytest.fixture
def app_role() -> Iterator[str]:
    role = f"alliance_app_{secrets.token_hex(4)}"
    out = StringIO()
    call_command("audit_roles", "--role", role, stdout=out)
    assert "may read and add audit events" in out.getvalue()
    yield role
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE "{role}"')


@pytest.fixture
def as_app(app_role: str) -> Iterator[psycopg.Connection]:
    settings = connection.settings_dict
    raw = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=app_role,
        autocommit=True,
    )
    yield raw
    raw.close()


def _refused(raw: psycopg.Connection, statement: str) -> str:
    with pytest.raises(psycopg.Error) as error:
        raw.execute(statement)
    return str(error.value)


def test_the_application_role_adds_and_reads_audit_events(as_app: psycopg.Connection) -> None:
    as_app.execute(INSERT)
    count = as_app.execute(f"SELECT count(*) FROM {TABLE}").fetchone()
    assert count is not None and count[0] == 1
    assert audit_chain_verify(connection).broken is None


def test_the_application_role_cannot_truncate_the_log(as_app: psycopg.Connection) -> None:
    as_app.execute(INSERT)
    assert "permission denied" in _refused(as_app, f"TRUNCATE {TABLE}")
    assert len(list(chain_rows(connection))) == 1


def test_the_application_role_cannot_switch_off_the_trigger(as_app: psycopg.Connection) -> None:
    refusal = _refused(as_app, f"ALTER TABLE {TABLE} DISABLE TRIGGER audit_event_append_only")
    assert "must be owner" in refusal
    assert "must be owner" in _refused(as_app, f"DROP TRIGGER audit_event_chain ON {TABLE}")
    assert "must be owner" in _refused(as_app, f"DROP TABLE {TABLE}")


def test_the_application_role_cannot_update_or_delete_an_event(
    as_app: psycopg.Connection,
) -> None:
    as_app.execute(INSERT)
    assert "permission denied" in _refused(as_app, f"UPDATE {TABLE} SET action = 'delete'")
    assert "permission denied" in _refused(as_app, f"DELETE FROM {TABLE}")


def test_the_application_role_still_changes_other_tables(as_app: psycopg.Connection) -> None:
    as_app.execute(
        "INSERT INTO accounts_organisation (name, admin_sees_clinical_data, "
        "require_two_factor, created_at) VALUES ('Role test', false, false, now())"
    )
    as_app.execute("UPDATE accounts_organisation SET name = 'Role test 2' WHERE name = 'Role test'")
    as_app.execute("DELETE FROM accounts_organisation WHERE name = 'Role test 2'")


def test_it_refuses_to_set_up_a_superuser_as_the_application_role(db: None) -> None:
    owner = str(connection.settings_dict["USER"])
    with pytest.raises(CommandError, match=r"--role: .*(superuser|owns)") as refused:
        call_command("audit_roles", "--role", owner, stdout=StringIO())
    assert refused.value.returncode == 2
