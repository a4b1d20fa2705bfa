"""What the audit log records about, told by the apps that hold it (docs/audit.md).

The clinical apps import the audit log to record, so it does not import their models: each app
registers its record kinds here in its ``AppConfig.ready`` (the kind, its model, and the path
from it to its client's id); the portal and voice say where each portal page keeps its
invitation in the browser session, the portal how a link's token finds its invitation, and the
API how a request's token is found (``alliance.hooks``).
"""

from collections.abc import Callable
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from alliance.hooks import Hooks

# Each record kind: its model and the path from it to its client's id.
RECORDS: dict[str, tuple[type[Model], str]] = {}

# Where each portal page finds the invitation in the browser session.
PORTAL_STATE: dict[str, Callable[[SessionBase], object]] = {}

HOOKS = Hooks(
    "audit",
    {
        "link_invitations": "portal: services.link_invitations",
        "request_token": "api: auth.request_token",
    },
)


def record_kind_register(kind: str, model: type[Model], client_path: str) -> None:
    """Audit looks at records of this kind: ``client_path`` leads from one to its client's id."""
    RECORDS[kind] = (model, client_path)


def portal_state_register(view_name: str, read: Callable[[SessionBase], object]) -> None:
    """Where the portal page ``view_name`` keeps its invitation in the browser session."""
    PORTAL_STATE[view_name] = read


def hook_register(name: str, function: Callable[..., Any]) -> None:
    """Register the function behind one of ``HOOKS`` (from an ``AppConfig.ready``)."""
    HOOKS.register(name, function)


def link_invitations(token: str) -> QuerySet[Any]:
    """``portal.services.link_invitations``: the link invitation this token opens (by hash)."""
    found: QuerySet[Any] = HOOKS["link_invitations"](token)
    return found


def request_token(request: HttpRequest) -> Any:
    """``api.auth.request_token``: the API token that authenticated the request, or None."""
    return HOOKS["request_token"](request)
