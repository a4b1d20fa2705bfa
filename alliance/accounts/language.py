"""The language of a member of staff: chosen once (the header's switch or "Your settings"),
kept on the user, and used for every page after log-in whatever browser they use.

Anonymous pages keep Django's choice (the language cookie, else the browser's Accept-Language,
by ``LocaleMiddleware``); the client's side of the portal chooses its own (portal/language.py)."""

from collections.abc import Callable
from typing import TypeGuard

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from alliance.accounts import selectors
from alliance.accounts.models import User


def offered(code: str | None) -> str | None:
    """``code`` if the site offers it (``nl-BE`` -> ``nl``), else None."""
    if not code:
        return None
    languages = {language for language, _name in settings.LANGUAGES}
    for candidate in (code, code.lower(), code.lower().split("-")[0]):
        if candidate in languages:
            return candidate
    return None


def use(request: HttpRequest, language: str) -> None:
    """Make ``language`` the language of the rest of this request (pages, dates, numbers)."""
    translation.activate(language)
    request.LANGUAGE_CODE = language


class UserLanguageMiddleware:
    """After ``AuthenticationMiddleware``: a logged-in user's own language wins over the
    browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = offered(getattr(user, "language", ""))
            if language:
                use(request, language)
        return self.get_response(request)


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language`` (the cookie, for the log-in page and other anonymous pages),
    and for a logged-in user their own language too, so the choice follows them."""
    response = set_language(request)
    language = offered(request.POST.get("language"))
    user = request.user
    if language and _fully_logged_in(user) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return response


def _fully_logged_in(user: object) -> TypeGuard[User]:
    """Past the second factor where the user needs one. The switch is open before it (the code
    page has the header), but a password alone is not yet the user: the cookie changes, their
    own setting does not (``accounts.middleware.TwoFactorMiddleware``)."""
    if not isinstance(user, User):
        return False
    verified = getattr(user, "is_verified", None)  # django_otp's OTPMiddleware gives it
    if verified is None or verified():
        return True
    state = selectors.two_factor_state(user)
    return not (state.has_device or state.required)
