"""Small typed helpers for views: who is asking.

``request.user`` types as ``User | AnonymousUser``; behind ``login_required`` it is always a
signed-in ``User``, and these helpers say so once, checked, instead of a ``cast`` in every view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
