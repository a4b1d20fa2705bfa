"""A page where each member of staff creates and revokes their own API tokens."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from alliance.accounts.models import User
from alliance.api import selectors, services
from alliance.api.forms import TokenForm


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's tokens and a form for a new one. A new token's secret is shown on this answer
    only (it is not put in a message or the session, and only its hash is stored)."""
    user = cast(User, request.user)  # login_required guarantees a signed-in User
    form = TokenForm(request.POST if request.method == "POST" else None)
    secret = None
    if request.method == "POST" and form.is_valid():
        issued = services.token_create(user=user, **form.cleaned_data)
        secret = issued.secret
        form = TokenForm()
    context = {"form": form, "secret": secret, "tokens": selectors.user_tokens(user)}
    return render(request, "api/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(selectors.user_tokens(cast(User, request.user)), pk=token_id)
    services.token_revoke(token=token)
    messages.success(request, _("Token revoked: it no longer works."))
    return redirect("tokens:list")
