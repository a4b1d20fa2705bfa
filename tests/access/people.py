"""The standing cast by role name, the anonymous visitor included, for the matrices that call
``alliance.access`` directly (the seven roles of ``tests.access.roles.ROLES``)."""

from types import SimpleNamespace

from django.contrib.auth.models import AnonymousUser

from tests.access.roles import ROLES


def person(cast: SimpleNamespace, role: str) -> object:
    return AnonymousUser() if role == "anonymous" else getattr(cast, role)


def only(*roles: str) -> dict[str, bool]:
    """Each of the seven roles: True for those named, False for the rest."""
    return {role: role in roles for role in ROLES}
