"""No staff answer stays in the browser: every authenticated response says ``Cache-Control:
no-store`` (docs/security.md, "Nothing left in the browser's history").

A clinic tablet is handed to a client in the middle of a clinician's session. Without this, the
browser's Back button showed the session page, the client's page and the caseload (other
clients' names) from its cache, never asking the server, so the hand-off lock never saw the
request. With ``no-store`` the browser asks again and the lock sends it to the client's form.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers

# The machine interfaces answer for a token holder, whatever the answer (also a refusal).
MACHINE_PREFIXES = ("/api/", "/fhir/")


def is_private(request: HttpRequest) -> bool:
    """Whether the answer to ``request`` is for an authenticated person or program."""
    if settings.STATIC_URL and request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return False
    if request.path_info.startswith(MACHINE_PREFIXES):
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    # A token authenticates the REST API (request.auth) and FHIR (request.api_token).
    return any(getattr(request, name, None) is not None for name in ("auth", "api_token"))


class NoStoreMiddleware:
    """Adds ``Cache-Control: no-store`` (with ``no-cache, must-revalidate, private, max-age=0``
    and ``Expires`` now) to every authenticated response: pages, downloads (CSV, JSON, PDF),
    the token page, REST and FHIR. A view's own caching headers are overridden, never kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if is_private(request):
            if response.has_header("Expires"):
                del response["Expires"]  # a view's own expiry in the future
            if response.has_header("Cache-Control"):
                # "public" and any max-age the view chose go; only the never-cache set stays.
                del response["Cache-Control"]
            add_never_cache_headers(response)
        return response
