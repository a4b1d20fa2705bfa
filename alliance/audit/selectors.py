"""Reading the audit log: the administrators' search, scoped by ``access.visible_audit_events``."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from alliance import access
from alliance.accounts.models import Organisation, User
from alliance.audit.models import AuditEvent


@dataclass(frozen=True)
class EventSearch:
    """What an administrator searches for; empty fields match everything."""

    username: str = ""
    client_code: str = ""
    object_kind: str = ""
    object_id: int | None = None
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def audit_events_search(*, user: User, search: EventSearch) -> QuerySet[AuditEvent]:
    """The events the user may see that match, newest first."""
    events = access.visible_audit_events(user)
    if search.username:
        events = events.filter(actor_name__iexact=search.username)
    if search.client_code:
        clients = access.administered_clients(user).filter(code=search.client_code)
        events = events.filter(client_id__in=clients.values("pk"))
    if search.object_kind:
        events = events.filter(object_kind=search.object_kind)
    if search.object_id is not None:
        events = events.filter(object_id=search.object_id)
    if search.action:
        events = events.filter(action=search.action)
    if search.date_from:
        events = events.filter(at__date__gte=search.date_from)
    if search.date_to:
        events = events.filter(at__date__lte=search.date_to)
    return events.order_by("-at", "-pk")


def audit_organisation(user: User) -> Organisation | None:
    """The organisation an administrator's own audit events (an export) belong to."""
    return access.administered_organisations(user).order_by("pk").first()
