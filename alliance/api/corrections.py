"""Corrections by REST (issue 11, point 7): ``POST /api/v1/responses/{id}/void``. Registered on
the same API as ``alliance.api.rest`` (imported by ``alliance.api.urls``); scoped by ``access``
like the session page, through the same service (``alliance.clinic.corrections``)."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field
from ninja.errors import HttpError

from alliance import access
from alliance.accounts.lockout import client_address
from alliance.api.rest import In, RecordId, ResponseOut, _writer, api
from alliance.audit.models import Via
from alliance.clinic.corrections import REASON_MAX, response_void

NOT_CORRECTING = "Only the client's care team voids a response; you may read it."


class VoidIn(In):
    reason: str = Field(..., min_length=1, max_length=REASON_MAX)


class VoidedOut(ResponseOut):
    voided_at: datetime
    voided_by_id: int
    void_reason: str


@api.post(
    "/responses/{response_id}/void",
    response=VoidedOut,
    tags=["responses"],
    url_name="response_void",
)
def response_void_endpoint(request: HttpRequest, response_id: RecordId, payload: VoidIn) -> Any:
    """Void a response entered by mistake, with the reason (required): it stays stored with its
    versions, who voided it, when and why, leaves the lists, the charts and the alerts (which
    are refreshed), and its measure is due again. Voiding it again returns it unchanged."""
    user = _writer(request)
    response = get_object_or_404(
        access.visible_responses_with_voided(user).select_related("session__episode"),
        pk=response_id,
    )
    if not access.may_correct(user, response.session.episode):
        raise HttpError(403, NOT_CORRECTING)
    return response_void(
        response=response,
        by=user,
        reason=payload.reason,
        via=Via.API,
        address=client_address(request),
    )
