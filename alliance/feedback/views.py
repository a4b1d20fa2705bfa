"""Closing feedback: one click (with an optional note) marks an alert as discussed, one click
acknowledges every open alert of a session, and an alert can be snoozed until the next session
with a reason. Only the episode's care team closes alerts (``access.may_close_alert``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotFound,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from alliance import access
from alliance.accounts.models import User
from alliance.care.models import Session
from alliance.feedback.forms import AcknowledgementForm, SnoozeForm
from alliance.feedback.models import Alert
from alliance.feedback.services import SnoozeRefused, alerts_acknowledge_session
from alliance.feedback.services import alert_acknowledge as acknowledge
from alliance.feedback.services import alert_snooze as snooze
from alliance.web import signed_in_user

NOT_ON_CARE_TEAM = gettext_lazy("Only the client's care team can close this alert.")


def _back(request: HttpRequest, episode_id: int) -> str:
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target else reverse("clinic:episode", args=[episode_id])


def _no_longer_open(request: HttpRequest) -> HttpResponse:
    """Withdrawn a moment ago (a newer rating no longer shows the problem), never there, or not
    the person's to see: one answer, so a URL reveals nothing about who is in care. A click on
    the page (htmx) reloads it, so the clinician sees the alerts as they are now."""
    if not request.headers.get("HX-Request"):
        raise Http404
    response = HttpResponseNotFound(_("This alert is no longer open."))
    response["HX-Refresh"] = "true"
    return response


def _visible_alert(user: User, alert_id: int) -> Alert:
    return (
        access.visible_alerts(user)
        .select_related("session", "episode")
        .prefetch_related("episode__care_team")
        .get(pk=alert_id)
    )


def _card(request: HttpRequest, alert: Alert, **forms: object) -> HttpResponse:
    context = {
        "alert": alert,
        "ack_form": forms.get("ack_form", AcknowledgementForm()),
        "snooze_form": forms.get("snooze_form", SnoozeForm()),
        "may_close": True,
        "next": _back(request, alert.episode_id),
    }
    return render(request, "clinic/_alert.html", context)


@require_POST
@login_required
def alert_acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    """htmx posts here and gets the alert's card back to swap in; without JavaScript the same
    form posts here and comes back to the page it was sent from."""
    user = signed_in_user(request)
    form = AcknowledgementForm(request.POST)
    try:
        alert = _visible_alert(user, alert_id)
        if not access.may_close_alert(user, alert):
            return HttpResponseForbidden(NOT_ON_CARE_TEAM)
        acknowledged = form.is_valid()
        if acknowledged:
            acknowledge(alert=alert, by=user, note=form.cleaned_data["note"])
    except Alert.DoesNotExist:  # AlertWithdrawn included
        return _no_longer_open(request)
    if request.headers.get("HX-Request"):
        # htmx swaps only successful answers, so a refused note comes back as a 200 card with
        # the message in it.
        return _card(request, alert, ack_form=form)
    if acknowledged:
        messages.success(request, _("Alert acknowledged."))
    else:
        messages.error(request, " ".join(str(error) for error in form.errors.get("note", [])))
    return redirect(_back(request, alert.episode_id))


@require_POST
@login_required
def alert_snooze(request: HttpRequest, alert_id: int) -> HttpResponse:
    """Snooze an open alert until the next session; the reason is required."""
    user = signed_in_user(request)
    form = SnoozeForm(request.POST)
    try:
        alert = _visible_alert(user, alert_id)
        if not access.may_close_alert(user, alert):
            return HttpResponseForbidden(NOT_ON_CARE_TEAM)
        snoozed = form.is_valid()
        if snoozed:
            try:
                snooze(alert=alert, by=user, reason=form.cleaned_data["reason"])
            except SnoozeRefused as refused:
                form.add_error("reason", refused.message_dict["reason"])
                snoozed = False
    except Alert.DoesNotExist:
        return _no_longer_open(request)
    if request.headers.get("HX-Request"):
        return _card(request, alert, snooze_form=form)
    if snoozed:
        messages.success(request, _("Snoozed until the next session."))
    else:
        messages.error(request, " ".join(str(e) for e in form.errors.get("reason", [])))
    return redirect(_back(request, alert.episode_id))


@require_POST
@login_required
def session_alerts_acknowledge(request: HttpRequest, session_id: int) -> HttpResponse:
    """Acknowledge every open alert of a session in one click (a second click acknowledges
    nothing more), then back to the page it came from."""
    user = signed_in_user(request)
    form = AcknowledgementForm(request.POST)
    try:
        session = (
            access.visible_sessions(user)
            .select_related("episode")
            .prefetch_related("episode__care_team")
            .get(pk=session_id)
        )
    except Session.DoesNotExist:
        raise Http404 from None
    if not access.may_close_session_alerts(user, session):
        return HttpResponseForbidden(NOT_ON_CARE_TEAM)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors.get("note", [])))
        return redirect(_back(request, session.episode_id))
    count = alerts_acknowledge_session(session=session, by=user, note=form.cleaned_data["note"])
    messages.success(
        request,
        ngettext("%(n)d alert acknowledged.", "%(n)d alerts acknowledged.", count) % {"n": count},
    )
    return redirect(_back(request, session.episode_id))
