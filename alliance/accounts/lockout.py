"""How django-axes sees a log-in: the address it counts failures by, and the page it shows when
it refuses one (settings ``AXES_CLIENT_IP_CALLABLE`` and ``AXES_LOCKOUT_CALLABLE``)."""

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def client_address(request: HttpRequest) -> str:
    """The address of the person logging in. Behind our reverse proxy every request comes from
    the proxy, so the right-most ``X-Forwarded-For`` entry (added by the proxy itself, so not
    forgeable by the browser) is the real one; otherwise ``REMOTE_ADDR``."""
    if settings.ALLIANCE_BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return str(hops[-1])
    return str(request.META.get("REMOTE_ADDR", ""))


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, object] | None = None,
) -> HttpResponse:
    """429 with the time the user may try again. The same answer for every user name, known or
    not, so the page does not tell a guesser which accounts exist."""
    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    # Every refused try restarts the cool-off (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT).
    until = timezone.localtime(timezone.now() + cool_off)
    return render(request, "registration/locked_out.html", {"until": until}, status=429)
