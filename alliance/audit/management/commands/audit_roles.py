"""``manage.py audit_roles --role alliance_app``: the application's own PostgreSQL role.

Run it with the owner's ``DATABASE_URL`` (the role that runs ``migrate``), after each
``migrate`` (it is safe to repeat), then give the application ``DATABASE_URL`` with the new role.
See docs/deployment.md and docs/audit.md.
"""

import os
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import connection, transaction
from django.utils.translation import gettext as _

from alliance.audit.roles import RoleRefused, audit_role_set_up
from alliance.console.commands import LocalisedCommand, gettext_lazy


class Command(LocalisedCommand):
    help = gettext_lazy(
        "Create (or bring up to date) a PostgreSQL role for the application that may only read "
        "and add audit events: no TRUNCATE, no trigger changes, no UPDATE or DELETE of the log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--role", required=True, help=gettext_lazy("The application's role, e.g. alliance_app.")
        )
        parser.add_argument(
            "--password-env",
            default="",
            metavar="VARIABLE",
            help=gettext_lazy(
                "Set the role's password from this environment variable (never on the command "
                "line, where other users of the machine could read it)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                _("audit_roles is for PostgreSQL; SQLite has no roles."), returncode=2
            )
        variable = str(options["password_env"])
        password = os.environ.get(variable, "") if variable else None
        if variable and not password:
            raise CommandError(
                _("--password-env: %(variable)s is empty or not set.") % {"variable": variable},
                returncode=2,
            )
        try:
            with transaction.atomic():
                done = audit_role_set_up(connection, role=str(options["role"]), password=password)
        except RoleRefused as refused:
            raise CommandError(f"--role: {refused}", returncode=2) from refused
        for statement in done:
            self.stdout.write(statement)
        self.stdout.write(
            _("%(role)s may read and add audit events, nothing more.") % {"role": options["role"]}
        )
