"""A page where each member of staff creates and revokes their own API tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from alliance.accounts import reauth
from alliance.api import selectors, services
from alliance.api.forms import TokenForm
from alliance.api.models import ApiToken
from alliance.audit.models import Action
from alliance.audit.services import privilege_record, request_address
from alliance.web import signed_in_user


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's tokens and a form for a new one. A new token's secret is shown on this answer
    only (it is not put in a message or the session, and only its hash is stored)."""
    user = signed_in_user(request)
    form = TokenForm(request.POST if request.method == "POST" else None)
    secret = None
    if request.method == "POST" and not reauth.reauthenticated_recently(request):
        # A token reads what its owner reads, without a password or a code, for as long as it
        # lives: a stolen session must not be able to mint one.
        return reauth.reauthenticate_first(request)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            issued = services.token_create(user=user, **form.cleaned_data)
            token_change_record(request, issued.token, Action.CREATE)
        secret = issued.secret
        form = TokenForm()
    context = {"form": form, "secret": secret, "tokens": selectors.user_tokens(user)}
    return render(request, "api/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(selectors.user_tokens(signed_in_user(request)), pk=token_id)
    with transaction.atomic():
        services.token_revoke(token=token)
        token_change_record(request, token, Action.DELETE)
    messages.success(request, _("Token revoked: it no longer works."))
    return redirect("tokens:list")


def token_change_record(request: HttpRequest, token: ApiToken, action: str) -> None:
    """A token issued or revoked, in the audit log: by its prefix and scope, never the secret."""
    privilege_record(
        actor=signed_in_user(request),
        action=action,
        object_kind="api_token",
        object_id=token.pk,
        detail=f"token {token.prefix}… for user {token.user_id}",
        before="" if action == Action.CREATE else "live",
        after=token.scope if action == Action.CREATE else "revoked",
        subject=token.user,
        address=request_address(request),
    )
