"""While a clinic tablet is handed to a client, the browser shows only the client's form."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve

from alliance.portal import visits

# What a client holding the tablet may reach: the form, its thank-you page, the language switch,
# the clinician's password page to take the tablet back, and logging out (which ends it all).
OPEN_DURING_HANDOFF = frozenset(
    {"portal:tablet", "portal:thanks", "portal:language", "portal:tablet_return", "logout"}
)


class HandoffLockMiddleware:
    """Sends every other page back to the client's form until the clinician takes the tablet
    back with their password (``portal:tablet_return``) or logs in again."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if visits.handoff(request.session) is not None and not self._open(request):
            return redirect("portal:tablet")
        return self.get_response(request)

    @staticmethod
    def _open(request: HttpRequest) -> bool:
        if settings.STATIC_URL and request.path_info.startswith(
            "/" + settings.STATIC_URL.lstrip("/")
        ):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name in OPEN_DURING_HANDOFF
