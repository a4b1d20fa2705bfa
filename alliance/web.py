"""Small typed helpers for views: who is asking, and from where.

``request.user`` types as ``User | AnonymousUser``; behind ``login_required`` it is always a
signed-in ``User``, and these helpers say so once, checked, instead of a ``cast`` in every view.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest

from alliance.accounts.models import User

if TYPE_CHECKING:
    from alliance.api.models import ApiToken


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in user of a view behind ``login_required``.

    Raises ``TypeError`` when the view is reached without a signed-in user, which means the view
    lost its ``login_required`` guard: a programming error, not a user's.
    """
    user = request.user
    if not isinstance(user, User):
        raise TypeError("signed_in_user() needs a view behind login_required.")
    return user


def token_user(request: HttpRequest) -> User:
    """The user whose API token authenticated this django-ninja request."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]  # set by ninja's auth, unknown to HttpRequest
    user: User = token.user
    return user


def request_address(request: HttpRequest) -> str | None:
    """The client's address: the proxy's forwarded address only when the site says it is behind
    a proxy (``ALLIANCE_BEHIND_PROXY``), since anyone can send that header otherwise. Kept in
    the audit log (``alliance.audit.services`` still exports it)."""
    address = str(request.META.get("REMOTE_ADDR", ""))
    if getattr(settings, "ALLIANCE_BEHIND_PROXY", False):
        # Our proxy appends the address it saw; earlier entries come from the client.
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")[-1].strip()
        address = forwarded or address
    return valid_address(address)


def valid_address(address: str) -> str | None:
    """``address`` as an IP address in its usual spelling, or ``None`` when it is not one."""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
