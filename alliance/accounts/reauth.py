"""A fresh re-authentication before the most dangerous changes (docs/security.md).

Widening administrators' access, changing a role, setting someone else's password or removing
their second factor, creating an API token, no longer requiring two-factor log-in and putting a
trajectory model in use all ask the person to type their password again, and their two-factor
code when they have an app, within the last ``ALLIANCE["REAUTHENTICATE_MINUTES"]`` minutes. A
borrowed unlocked screen or a stolen session cookie is then not enough.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

SESSION_KEY = "alliance_reauthenticated_at"


def _window_seconds() -> int:
    return int(settings.ALLIANCE["REAUTHENTICATE_MINUTES"]) * 60


def reauthenticated_recently(request: HttpRequest) -> bool:
    """Whether this browser session confirmed the password (and code) within the window."""
    stamp = request.session.get(SESSION_KEY)
    if not isinstance(stamp, int | float):
        return False
    age = time.time() - float(stamp)
    return 0 <= age <= _window_seconds()


def reauthentication_mark(request: HttpRequest) -> None:
    request.session[SESSION_KEY] = time.time()


def reauthenticate_url(next_url: str) -> str:
    return f"{reverse('accounts:reauthenticate')}?{urlencode({'next': next_url})}"


def reauthenticate_first(request: HttpRequest, next_url: str = "") -> HttpResponseRedirect:
    """Send the person to confirm it is them, then back to ``next_url`` (the page they were on:
    the change is made again from there, so nothing is done without them seeing it)."""
    messages.warning(
        request, _("This change needs your password again. Confirm it is you, then make it again.")
    )
    return HttpResponseRedirect(reauthenticate_url(next_url or request.get_full_path()))
