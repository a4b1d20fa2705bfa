"""Records every request to a clinical route in the audit log (see docs/audit.md).

The event is written inside the request, after the view: if the write fails the answer is a
server error, so no clinical page is ever shown without its record.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from alliance.audit.registry import CLINICAL
from alliance.audit.services import portal_invitation, request_audit

PORTAL_BEFORE = "_audit_portal_before"


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # Django turns a view's exception into a 500 answer before it comes back here, so a
        # failed view is recorded too.
        response = self.get_response(request)
        request_audit(
            request=request, response=response, before=getattr(request, PORTAL_BEFORE, None)
        )
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        # Finishing a form at the kiosk or on the tablet ends its state in the browser
        # session, so the invitation is read before the view as well as after it.
        match = request.resolver_match
        rule = CLINICAL.get(match.view_name) if match is not None else None
        if match is not None and rule is not None and rule.portal:
            setattr(request, PORTAL_BEFORE, portal_invitation(request, match.view_name))
