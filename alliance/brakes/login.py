"""The log-in brake: no more passwords checked than django-axes allows, however many log-ins
arrive at the same moment.

django-axes counts failures atomically (a locked row and ``F() + 1``), but only *after* the
password was checked, and it decides whether to check from the count before: forty log-ins
sent together all find no failure yet, and all forty passwords are tried. So the password check
here first takes a ticket under a row lock, per user name and address (as
``AXES_LOCKOUT_PARAMETERS``), and goes on only while axes's failures plus the checks still
running stay under ``AXES_FAILURE_LIMIT``. A check gives its ticket back when it is over: at once
when the password was right, after axes has recorded the failure when it was wrong. Axes stays
the one record of failures, so its cool-off, its reset command and the admin's "clear lockout"
work as before.
"""

import datetime as dt
from typing import Any

from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from alliance.accounts.lockout import client_address
from alliance.accounts.models import User
from alliance.brakes.services import Limit, Ticket, brake_give_back, brake_take

LOG_IN = "log-in"
# A check takes well under a second; a ticket a crash never gave back lapses after this.
_CHECK_WINDOW = dt.timedelta(minutes=5)
_TICKET = "_alliance_login_ticket"


def login_limit(username: str, address: str) -> Limit:
    """The checks of one user name's password from one address that may run at once."""
    return Limit(LOG_IN, f"{username}\n{address}", settings.AXES_FAILURE_LIMIT, _CHECK_WINDOW)


class BrakedModelBackend(ModelBackend):
    """Django's user-name-and-password check, behind the log-in brake. Placed after
    ``axes.backends.AxesStandaloneBackend``, which refuses a name already locked out."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if request is None or username is None or password is None:
            return super().authenticate(request, username, password, **kwargs)
        ticket = _take(request, username)
        if not ticket.allowed:
            # Shown as axes's lockout page (429); axes counts the try as a failure too.
            request.axes_locked_out = True  # type: ignore[attr-defined]
            raise AxesBackendPermissionDenied("Too many log-ins tried at once.")
        try:
            user = super().authenticate(request, username, password, **kwargs)
        except BaseException:
            brake_give_back(ticket)
            raise
        if user is not None:
            brake_give_back(ticket)
        else:
            setattr(request, _TICKET, ticket)  # given back once axes has counted the failure
        return user


def _take(request: HttpRequest, username: str) -> Ticket:
    AxesProxyHandler.update_request(request)
    credentials = get_credentials(username)
    # Read under the ticket's lock, so every check that finished before this one is counted.
    return brake_take(
        login_limit(username, client_address(request)),
        earlier=lambda: AxesProxyHandler.get_failures(request, credentials),
    )


def failure_counted(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    """After axes's own receiver of ``user_login_failed`` (connected before this one)."""
    ticket = getattr(request, _TICKET, None)
    if ticket is not None:
        delattr(request, _TICKET)
        brake_give_back(ticket)
