"""Creating, using and revoking API tokens."""

import hashlib
import secrets
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.accounts.models import User
from alliance.api.models import ApiToken, Scope

PREFIX_LENGTH = 8


class IssuedToken(NamedTuple):
    token: ApiToken
    secret: str
    """The full token, to show once: only its hash is stored."""


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str, scope: str = Scope.READ) -> IssuedToken:
    """Issue a new token for ``user``. The secret is ``secrets.token_urlsafe(32)``; its first
    characters are kept as a prefix so a token can be recognised in lists and logs."""
    if scope not in Scope.values:
        raise ValidationError(
            {"scope": _("Choose one of: %(allowed)s.") % {"allowed": ", ".join(Scope.values)}}
        )
    if not name.strip():
        raise ValidationError({"name": _("Say what the token is for.")})
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        prefix=secret[:PREFIX_LENGTH],
        digest=token_digest(secret),
        scope=scope,
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(secret: str) -> ApiToken | None:
    """The live token for this secret, marked as used; ``None`` for an unknown, revoked or
    inactive user's token. Looked up by prefix, then compared in constant time."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(prefix=secret[:PREFIX_LENGTH], revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or not secrets.compare_digest(token.digest, token_digest(secret)):
        return None
    now = timezone.now()
    # Writing on every call would make each read a write; once a minute is enough to audit.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
