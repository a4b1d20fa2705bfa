"""Two-factor log-in pages: set up an authenticator app, type a code after the password, remove
the app; and the administrator's switch that requires it for an organisation."""

from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance import access
from alliance.accounts import reauth, selectors, services
from alliance.accounts.forms import (
    CodeForm,
    ReauthenticateForm,
    RequireTwoFactorForm,
    UserSettingsForm,
)
from alliance.accounts.language import use as language_use
from alliance.accounts.models import User
from alliance.accounts.signals import privilege_changed_send
from alliance.web import request_address, signed_in_user

WRONG_CODE = gettext_lazy(
    "That code did not work. Check the time on your phone and try again in a minute."
)


def _next_url(request: HttpRequest) -> str:
    """Where to go once done: the page the user was sent away from, if it is ours."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _qr_code(device: TOTPDevice) -> str:
    # Inline SVG: no image request to anyone, and the page's CSP needs no exception. Safe to
    # mark: segno writes only path data from the key, never text from the request.
    qr = segno.make(device.config_url, error="m")
    return mark_safe(qr.svg_inline(scale=4, border=4))


def _secret(device: TOTPDevice) -> str:
    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set-up when the user has no app yet; otherwise the state and a way to remove it."""
    user = signed_in_user(request)
    device = selectors.confirmed_totp_device(user)
    if device is not None:
        return _two_factor_on(request, user, codes=None)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        confirmed = services.totp_device_confirm(user=user, code=form.cleaned_data["code"])
        if confirmed is not None:
            otp_login(request, confirmed[0])
            return _two_factor_on(request, user, codes=confirmed[1])
        form.add_error("code", WRONG_CODE)
    return _two_factor_set_up(request, user, form)


def _two_factor_set_up(request: HttpRequest, user: User, form: CodeForm) -> HttpResponse:
    device = services.totp_device_start(user=user)
    context = {
        "form": form,
        "qr_code": _qr_code(device),
        "secret": _secret(device),
        "required": selectors.two_factor_state(user).required,
        "organisations": access.administered_organisations(user),
        "next": _next_url(request),
    }
    return render(request, "accounts/two_factor_set_up.html", context, status=_status(form))


def _two_factor_on(request: HttpRequest, user: User, codes: list[str] | None) -> HttpResponse:
    """The backup codes appear on the answer to the confirming code only, never again."""
    context = {
        "codes": codes,
        "codes_left": selectors.backup_codes_left(user),
        "form": CodeForm(),
        "organisations": access.administered_organisations(user),
        "next": _next_url(request),
    }
    return render(request, "accounts/two_factor_on.html", context)


def _status(form: CodeForm) -> int:
    return 400 if form.errors else 200


@never_cache
@login_required
@require_POST
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    """Removing the app takes a current code, so a borrowed unlocked screen cannot do it."""
    user = signed_in_user(request)
    form = CodeForm(request.POST)
    if form.is_valid() and services.two_factor_verify(user=user, code=form.cleaned_data["code"]):
        services.two_factor_remove(user=user, by=user, address=request_address(request))
        messages.success(request, _("Two-factor log-in is off. You can set it up again here."))
        return redirect("accounts:two_factor")
    if form.is_valid():
        form.add_error("code", WRONG_CODE)
    context = {
        "codes": None,
        "codes_left": selectors.backup_codes_left(user),
        "form": form,
        "organisations": access.administered_organisations(user),
        "next": _next_url(request),
    }
    return render(request, "accounts/two_factor_on.html", context, status=400)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of logging in, for a user with an app."""
    user = signed_in_user(request)
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next_url(request))
    if selectors.confirmed_totp_device(user) is None:
        return redirect("accounts:two_factor")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        device = services.two_factor_verify(user=user, code=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("code", WRONG_CODE)
    context = {"form": form, "next": _next_url(request)}
    return render(request, "accounts/two_factor_verify.html", context, status=_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def organisation_security(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """An administrator requires two-factor log-in for their organisation and sees who has it."""
    organisation = get_object_or_404(
        access.administered_organisations(signed_in_user(request)), pk=organisation_id
    )
    initial = {"require_two_factor": organisation.require_two_factor}
    form = RequireTwoFactorForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        required = form.cleaned_data["require_two_factor"]
        # Switching it off widens who can get in with a password alone.
        switching_off = organisation.require_two_factor and not required
        if switching_off and not reauth.reauthenticated_recently(request):
            return reauth.reauthenticate_first(request)
        services.organisation_two_factor_set(
            organisation=organisation,
            required=required,
            by=signed_in_user(request),
            address=request_address(request),
        )
        if required:
            messages.success(request, _("Two-factor log-in is now required for everyone here."))
        else:
            messages.success(request, _("Two-factor log-in is no longer required."))
        return redirect("accounts:organisation_security", organisation.pk)
    context = {
        "organisation": organisation,
        "form": form,
        "members": selectors.organisation_members_two_factor(organisation),
    }
    return render(request, "accounts/organisation_security.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Type the password (and a code) again before a privileged change; then back to the page."""
    user = signed_in_user(request)
    data = request.POST if request.method == "POST" else None
    form = ReauthenticateForm(data, request=request, user=user)
    if form.is_valid():
        reauth.reauthentication_mark(request)
        return redirect(_next_url(request))
    context = {
        "form": form,
        "next": _next_url(request),
        "minutes": settings.ALLIANCE["REAUTHENTICATE_MINUTES"],
    }
    return render(request, "accounts/reauthenticate.html", context, status=_status_of(form))


def _status_of(form: ReauthenticateForm) -> int:
    return 400 if form.errors else 200


def _password_record(request: HttpRequest, user: User, detail: str) -> None:
    privilege_changed_send(
        actor=user,
        object_kind="user",
        object_id=user.pk,
        detail=detail,
        before="a password",
        after="a new password",
        subject=user,
        address=request_address(request),
    )


class PasswordChange(auth_views.PasswordChangeView):
    """Django's page (the old password, then the new one twice), recorded in the audit log."""

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            _password_record(self.request, form.user, "own password changed")
        return response


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Django's page behind the e-mailed link, recorded in the audit log."""

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            _password_record(self.request, form.user, "password reset by e-mail link")
        return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def user_settings(request: HttpRequest) -> HttpResponse:
    """The user's own settings: the language of their pages after log-in."""
    user = signed_in_user(request)
    form = UserSettingsForm(request.POST or None, initial={"language": user.language})
    if form.is_bound and form.is_valid():
        user.language = form.cleaned_data["language"]
        user.save(update_fields=["language"])
        # The answer and the pages after it in the chosen language (empty: the browser's).
        if user.language:
            language_use(request, user.language)
        messages.success(request, _("Your settings are saved."))
        return redirect("accounts:settings")
    status = 400 if form.errors else 200
    return render(request, "accounts/settings.html", {"form": form}, status=status)
