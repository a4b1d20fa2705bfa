"""A log-in session ends ``ALLIANCE_SESSION_MAX_HOURS`` after it began, however busy it stays.

The idle timeout (``ALLIANCE_SESSION_SECONDS``, Django's ``SESSION_COOKIE_AGE`` renewed by every
request) alone lets a session that is used now and then last for ever; a stolen session cookie
would too. The time the session was first seen logged in is kept in it; past the limit the user
is logged out and asked to log in again.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

STARTED = "alliance.session_started"


def session_max_seconds() -> int:
    hours = settings.ALLIANCE["SESSION_MAX_HOURS"]
    return int(hours) * 3600


class SessionLifetimeMiddleware:
    """Place after ``AuthenticationMiddleware`` and ``MessageMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(STARTED, now)
            if not isinstance(started, int | float) or now - started > session_max_seconds():
                logout(request)
                hours = settings.ALLIANCE["SESSION_MAX_HOURS"]
                messages.info(
                    request,
                    _("You were logged in for %(hours)s hours, so please log in again.")
                    % {"hours": hours},
                )
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)
