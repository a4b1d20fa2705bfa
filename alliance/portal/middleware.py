"""While a clinic tablet is handed to a client, the browser shows only the client's form."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class HandoffLockMiddleware:
    """Placeholder until the hand-off lock is written: passes every request through."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)
