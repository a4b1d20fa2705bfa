"""Acknowledging feedback: one click (with an optional note) marks an alert as discussed."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance import access
from alliance.accounts.models import User
from alliance.clinic.forms import AcknowledgementForm
from alliance.feedback.models import Alert
from alliance.feedback.services import alert_acknowledge as acknowledge


def _back(request: HttpRequest, alert: Alert) -> str:
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target else reverse("clinic:episode", args=[alert.episode_id])


def _no_longer_open(request: HttpRequest) -> HttpResponse:
    """Withdrawn a moment ago (a newer rating no longer shows the problem), never there, or not
    the person's to see: one answer, so a URL reveals nothing about who is in care. A click on
    the page (htmx) reloads it, so the clinician sees the alerts as they are now."""
    if not request.headers.get("HX-Request"):
        raise Http404
    response = HttpResponseNotFound(_("This alert is no longer open."))
    response["HX-Refresh"] = "true"
    return response


@require_POST
@login_required
def alert_acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    """htmx posts here and gets the alert's card back to swap in; without JavaScript the same
    form posts here and comes back to the page it was sent from."""
    user = cast(User, request.user)  # login_required guarantees a signed-in User
    form = AcknowledgementForm(request.POST)
    try:
        alert = access.visible_alerts(user).select_related("session", "episode").get(pk=alert_id)
        acknowledged = form.is_valid()
        if acknowledged:
            acknowledge(alert=alert, by=user, note=form.cleaned_data["note"])
    except Alert.DoesNotExist:  # AlertWithdrawn included
        return _no_longer_open(request)
    if request.headers.get("HX-Request"):
        # htmx swaps only successful answers, so a refused note comes back as a 200 card with
        # the message in it.
        context = {"alert": alert, "ack_form": form, "next": _back(request, alert)}
        return render(request, "clinic/_alert.html", context)
    if acknowledged:
        messages.success(request, _("Alert acknowledged."))
    else:
        messages.error(request, " ".join(str(error) for error in form.errors.get("note", [])))
    return redirect(_back(request, alert))
