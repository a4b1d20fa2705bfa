"""A PostgreSQL role for the application that cannot rewrite the audit log (docs/audit.md).

The table's owner (the role that runs ``migrate``) can TRUNCATE it, disable or drop its
triggers, or drop it. The application connects as a second role that owns no table and holds only
SELECT and INSERT on the audit log (with the sequence its ids come from), and the usual
SELECT, INSERT, UPDATE, DELETE on every other table, now and in future migrations.
"""

from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import sql

from alliance.audit.database import TABLE


class RoleRefused(Exception):
    """The role asked for would still be able to rewrite the log."""


def audit_role_statements(connection: BaseDatabaseWrapper, role: str) -> list[sql.Composable]:
    """The statements, run by the table's owner, that give ``role`` the application's rights."""
    name = sql.Identifier(role)
    database = sql.Identifier(str(connection.settings_dict["NAME"]))
    table = sql.Identifier(TABLE)
    return [
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, name),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
            name
        ),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(name),
        # TRUNCATE, TRIGGER, REFERENCES, UPDATE, DELETE: none of them on the log.
        sql.SQL("REVOKE ALL ON {} FROM {}").format(table, name),
        sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(table, name),
        # Tables that later migrations create (run by the owner) are the application's to use.
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
        ).format(name),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}"
        ).format(name),
    ]


def audit_role_set_up(
    connection: BaseDatabaseWrapper, *, role: str, password: str | None = None
) -> list[str]:
    """Create ``role`` if it is missing (able to log in), then grant it the application's rights.

    Refuses a role that is a superuser or that owns the audit table: either could rewrite it.
    Returns the statements run, as text (without the password)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        found = cursor.fetchone()
        if found is not None and found[0]:
            raise RoleRefused(f"{role} is a superuser: it could rewrite the audit log.")
        cursor.execute(
            "SELECT tableowner FROM pg_tables WHERE tablename = %s AND schemaname = 'public'",
            [TABLE],
        )
        owner = cursor.fetchone()
        if owner is not None and owner[0] == role:
            raise RoleRefused(f"{role} owns {TABLE}: connect the application as another role.")
        done: list[str] = []
        if found is None:
            cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
            done.append(f"CREATE ROLE {role} LOGIN")
        if password:
            statement = sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(password)
            )
            cursor.execute(statement)
            done.append(f"ALTER ROLE {role} PASSWORD '…'")
        raw = connection.connection
        for grant in audit_role_statements(connection, role):
            cursor.execute(grant)
            done.append(grant.as_string(raw))
    return done
