"""Two-factor log-in for staff: a user with an authenticator app must type a code after the
password, and a member of an organisation that requires it must set one up, before any page."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from alliance.accounts import selectors

# Not a view name: stands for the static files, which every page needs.
STATIC = "<static>"
# Pages an unverified user may still open: logging in and out, the language switch, the
# client's side of the portal (a client answering on a tablet or by link is not the member of
# staff; ``portal:tablet_return`` is deliberately absent: taking the tablet back is staff work),
# and the bearer-token API, which never uses the session.
OPEN_VIEWS = frozenset(
    {
        "login",
        "logout",
        "set_language",
        "portal:link",
        "portal:kiosk",
        "portal:thanks",
        "portal:language",
        "portal:tablet",
        STATIC,
    }
)
OPEN_NAMESPACES = frozenset({"api", "fhir"})
SET_UP = "accounts:two_factor"
VERIFY = "accounts:two_factor_verify"


class TwoFactorMiddleware:
    """Place after ``django_otp.middleware.OTPMiddleware`` (which gives ``user.is_verified``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Read by the page header: while a code is awaited, it offers only "log out", since
        # every other link would lead back to the code page.
        request.two_factor_pending = False  # type: ignore[attr-defined]
        user = request.user
        if user.is_authenticated and not user.is_verified():  # type: ignore[attr-defined]
            view_name = self._view_name(request)
            if not self._always_open(view_name):
                target = self._needed_page(request)
                if target is not None and view_name != target:
                    query = urlencode({"next": request.get_full_path()})
                    return HttpResponseRedirect(f"{reverse(target)}?{query}")
                request.two_factor_pending = target is not None  # type: ignore[attr-defined]
        return self.get_response(request)

    @staticmethod
    def _needed_page(request: HttpRequest) -> str | None:
        state = selectors.two_factor_state(request.user)  # type: ignore[arg-type]
        if state.has_device:
            return VERIFY
        return SET_UP if state.required else None

    @staticmethod
    def _view_name(request: HttpRequest) -> str:
        if settings.STATIC_URL and request.path_info.startswith(
            "/" + settings.STATIC_URL.lstrip("/")
        ):
            return STATIC
        try:
            return resolve(request.path_info).view_name
        except Resolver404:
            return ""

    @staticmethod
    def _always_open(view_name: str) -> bool:
        namespace = view_name.partition(":")[0] if ":" in view_name else ""
        return view_name in OPEN_VIEWS or namespace in OPEN_NAMESPACES
