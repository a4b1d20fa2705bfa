"""Bearer-token authentication shared by the REST API and the FHIR endpoints."""

from django.http import HttpRequest

from alliance.accounts.language import offered, use
from alliance.api.models import ApiToken
from alliance.api.services import token_authenticate


def token_language_use(request: HttpRequest, token: ApiToken) -> None:
    """A request that names no language (no ``Accept-Language``, as most scripts send) gets
    its answers, refusals included, in the token's user's own language, as their pages are;
    a language the request names wins, so a script can ask for the one it parses."""
    if "Accept-Language" in request.headers:
        return
    language = offered(token.user.language)
    if language:
        use(request, language)


def bearer_secret(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def token_of(request: HttpRequest) -> ApiToken | None:
    """The live token the request carries, or ``None``."""
    secret = bearer_secret(request)
    token = token_authenticate(secret) if secret else None
    if token is not None:
        token_language_use(request, token)
    # The audit log records the token's user (alliance.audit.services).
    request.api_token = token  # type: ignore[attr-defined]
    return token


def request_token(request: HttpRequest) -> ApiToken | None:
    """The token that authenticated this request, for the audit log (``audit.records``)."""
    # django-ninja keeps the token as ``request.auth``; the FHIR views as ``request.api_token``.
    for name in ("api_token", "auth"):
        token = getattr(request, name, None)
        if isinstance(token, ApiToken):
            return token
    return None
