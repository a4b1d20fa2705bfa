"""Writing the audit log: one INSERT per audited request, and ``audit_record`` for the rest.

Each write is a single INSERT, which the database runs atomically on its own; wrapping it in
``transaction.atomic`` would only add two savepoint statements to every audited page. The record's
client and organisation are found by subqueries inside that INSERT, so auditing a page costs one
query however the record was reached.
"""

import json
from typing import Any

from django.db.models import QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponseBase
from django.urls import ResolverMatch

from alliance.accounts.models import Membership, Organisation, User
from alliance.audit.models import USER_AGENT_LENGTH, Action, AuditEvent, Via
from alliance.audit.records import PORTAL_STATE, RECORDS, link_invitations, request_token
from alliance.audit.registry import CLINICAL, FHIR_KINDS, SEARCH_FILTERS, Audited
from alliance.web import request_address, valid_address

BIGINT_MAX = 2**63 - 1

PORTAL_VIA = {"portal:kiosk": Via.KIOSK, "portal:tablet": Via.TABLET, "portal:link": Via.LINK}


def audit_record(
    *,
    actor: User | None,
    action: str,
    organisation: Organisation | None,
    via: str,
    object_kind: str = "",
    object_id: int | None = None,
    address: str | None = None,
    detail: str = "",
) -> AuditEvent:
    """Record an event that is not a web request, such as a command-line import or export.

    ``detail`` is a short note without clinical content (a file's record count, never its name
    if the name could carry one). The client's id is found by the database: read the event
    again to see it."""
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        via=via,
        organisation=organisation,
        action=action,
        object_kind=object_kind,
        object_id=object_id,
        client_id=_client_of(object_kind, object_id),
        address=valid_address(address or ""),
        detail=detail[:200],
    )


def privilege_record(
    *,
    actor: User | None,
    action: str,
    object_kind: str,
    object_id: int | None,
    detail: str,
    before: str = "",
    after: str = "",
    organisation: Organisation | None = None,
    subject: User | None = None,
    address: str | None = None,
) -> AuditEvent:
    """A privileged change: a role, an organisation's setting, a password, a second factor, an API
    token, the trajectory model in use. ``detail`` names what changed ("role", "password");
    ``before`` and ``after`` say what it was and became, never a secret. The event belongs to
    ``organisation``, else to the first organisation of ``subject`` (whose account it is), else
    of the actor. No actor means the command line."""
    owner: Any = organisation.pk if organisation is not None else None
    if owner is None:
        owner = _organisation_of_user(subject or actor)
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        via=Via.PAGE if actor is not None else Via.COMMAND,
        organisation_id=owner,
        action=action,
        object_kind=object_kind[:20],
        object_id=object_id,
        address=valid_address(address or ""),
        detail=detail[:200],
        before=before[:200],
        after=after[:200],
    )


def auth_event_record(
    *, request: HttpRequest | None, user: User | None, action: str, username: str = ""
) -> AuditEvent:
    """A log-in, log-out or failed log-in; the organisation is the user's own."""
    name = user.get_username() if user is not None else username
    # A failed log-in under a real username belongs to that person's organisation.
    organisation = _organisation_of_user(user) if user is not None else _organisation_of_name(name)
    return AuditEvent.objects.create(
        actor=user,
        actor_name=name,
        via=Via.PAGE,
        organisation_id=organisation,
        action=action,
        route="login" if action != Action.LOG_OUT else "logout",
        method=(request.method or "") if request is not None else "",
        address=request_address(request) if request is not None else None,
        user_agent=_user_agent(request) if request is not None else "",
    )


def request_audit(
    *, request: HttpRequest, response: HttpResponseBase, before: int | None = None
) -> AuditEvent | None:
    """Record a request to a clinical route after its view ran, whatever the answer.

    ``before`` is the portal invitation the browser session held before the view (see
    ``portal_invitation``): finishing a form ends it, yet the answers were seen."""
    match = request.resolver_match
    rule = CLINICAL.get(match.view_name) if match is not None else None
    if match is None or rule is None:
        return None
    kind, object_id, found = _target(request, rule, match, before)
    if rule.portal and found is None:
        return None  # a kiosk's code form or an empty tablet: no client is involved
    if found is None and object_id is None and _method_action(request, rule) == Action.CREATE:
        # An API create names its new record only in the answer.
        object_id = created_id(response)
        found = _finder(kind, object_id)
    via, actor = _who(request, rule)
    return _insert(
        request=request,
        match=match,
        response=response,
        fields={"actor": actor, "via": via, "object_kind": kind, "object_id": object_id},
        found=found,
        rule=rule,
    )


def portal_invitation(request: HttpRequest, view_name: str) -> int | None:
    """The invitation a portal page's browser session holds: read before and after the view."""
    read = PORTAL_STATE.get(view_name)
    if read is None:
        return None
    value = read(request.session)
    return int(str(value)) if value is not None else None


def _insert(
    *,
    request: HttpRequest,
    match: ResolverMatch,
    response: HttpResponseBase,
    fields: dict[str, Any],
    found: QuerySet[Any] | None,
    rule: Audited,
) -> AuditEvent:
    actor: User | None = fields["actor"]
    organisation: Any = _organisation_of_user(actor)
    client: Any = None
    via: Any = fields["via"]
    if found is not None:
        path = RECORDS[fields["object_kind"]][1]
        client = Subquery(found.values(path)[:1])
        if fields["object_id"] is None:  # a link: its invitation is found by the token's hash
            fields = fields | {"object_id": Subquery(found.values("pk")[:1])}
        of_record = Subquery(found.values(_organisation_path(path))[:1])
        organisation = of_record if organisation is None else Coalesce(of_record, organisation)
        if rule.portal:
            # The invitation's channel says how the client came: tablet, link or kiosk.
            via = Coalesce(Subquery(found.values("channel")[:1]), Value(via))
    return AuditEvent.objects.create(
        **fields | {"via": via},
        actor_name=actor.get_username() if actor else "",
        organisation_id=organisation,
        client_id=client,
        action=_method_action(request, rule),
        route=match.view_name[:100],
        method=(request.method or "")[:10],
        status=response.status_code,
        address=request_address(request),
        user_agent=_user_agent(request),
        detail=str(match.kwargs.get("fmt", ""))[:20] if rule.action == Action.EXPORT else "",
    )


def _organisation_path(client_path: str) -> str:
    if client_path == "pk":
        return "organisation_id"
    return client_path.removesuffix("client_id") + "client__organisation_id"


def _organisation_of_user(user: User | None) -> Any:
    """A subquery for the user's first organisation: the scope of events with no client."""
    if user is None or not user.pk:
        return None
    memberships = Membership.objects.filter(user_id=user.pk).order_by("pk")
    return Subquery(memberships.values("organisation_id")[:1])


def _organisation_of_name(username: str) -> Any:
    memberships = Membership.objects.filter(user__username=username).order_by("pk")
    return Subquery(memberships.values("organisation_id")[:1]) if username else None


def _client_of(kind: str, object_id: int | None) -> Any:
    found = _finder(kind, object_id)
    return Subquery(found.values(RECORDS[kind][1])[:1]) if found is not None else None


def _record_id(raw: object) -> int | None:
    """A URL's id as a number, or ``None`` when it is not one a table could hold."""
    text = str(raw)
    # isdigit() alone would let "²" through, and a very long number would be slow to convert.
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(BIGINT_MAX)):
        return None
    number = int(text)
    return number if number <= BIGINT_MAX else None


def _target(
    request: HttpRequest, rule: Audited, match: ResolverMatch, before: int | None
) -> tuple[str, int | None, QuerySet[Any] | None]:
    """The record's kind and id, and a queryset that finds it (for its client)."""
    kwargs = match.kwargs
    if rule.portal:
        return _portal_target(request, match, before)
    kind = rule.kind
    if kind == "fhir":
        kind = FHIR_KINDS.get(str(kwargs.get("resource_type")), "fhir")
    object_id = _record_id(kwargs[rule.kwarg]) if rule.kwarg else None
    if rule.kwarg is None and request.method == "GET":
        kind, object_id = _search_filter(request, match, kind)
    return kind, object_id, _finder(kind, object_id)


def _search_filter(request: HttpRequest, match: ResolverMatch, kind: str) -> tuple[str, int | None]:
    """A list narrowed to one record (``?episode=5``, FHIR ``?patient=Patient/5``) is a look at
    that record; FHIR's Patient search by ``_id`` is a look at that client."""
    filters = SEARCH_FILTERS.get(match.namespace, ())
    if match.namespace == "fhir" and kind == "client":
        filters = (("_id", "client"), *filters)
    for parameter, filtered_kind in filters:
        found = _record_id(str(request.GET.get(parameter, "")).rstrip("/").rsplit("/", 1)[-1])
        if found is not None:
            return filtered_kind, found
    return kind, None


def _finder(kind: str, object_id: int | None) -> QuerySet[Any] | None:
    if object_id is None or kind not in RECORDS:
        return None
    # The base manager: a voided response is still the client's (the default one hides it).
    return RECORDS[kind][0]._base_manager.filter(pk=object_id)


def _portal_target(
    request: HttpRequest, match: ResolverMatch, before: int | None
) -> tuple[str, int | None, QuerySet[Any] | None]:
    kwargs = match.kwargs
    if "token" in kwargs:
        # The token is a secret: only the invitation it opens is recorded, never the token.
        return "invitation", None, link_invitations(str(kwargs["token"]))
    invitation = before or portal_invitation(request, match.view_name)
    if invitation is None:
        return "invitation", None, None
    return "invitation", invitation, RECORDS["invitation"][0]._default_manager.filter(pk=invitation)


def _who(request: HttpRequest, rule: Audited) -> tuple[str, User | None]:
    token = request_token(request)
    if token is not None:
        return Via.API, token.user
    user = request.user if request.user.is_authenticated else None
    match = request.resolver_match
    if rule.portal and match is not None:
        # The invitation's channel overrides this where one is found (see ``_insert``). On the
        # tablet the staff member who handed it over is the one accountable.
        return PORTAL_VIA.get(match.view_name, Via.LINK), user
    return (Via.PAGE if user else Via.ANONYMOUS), user


def _method_action(request: HttpRequest, rule: Audited) -> str:
    if rule.action:
        return rule.action
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return Action.VIEW
    if request.method == "DELETE":
        return Action.DELETE
    return rule.write


def created_id(response: HttpResponseBase) -> int | None:
    """The new record's id from a 201 answer: the end of its Location, or the body's ``id``."""
    if response.status_code != 201:
        return None
    location = response.headers.get("Location", "")
    if location:
        return _record_id(location.rstrip("/").rsplit("/", 1)[-1])
    try:
        body = json.loads(getattr(response, "content", b"") or b"{}")
    except ValueError:
        return None
    return _record_id(body.get("id")) if isinstance(body, dict) else None


def _user_agent(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_LENGTH]
