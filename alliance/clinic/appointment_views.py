"""The appointment pages: book a session or a series, reschedule, cancel, mark attended or
no-show, withdraw a session opened by mistake, and the day view (issue 11, point 4).

Who may see is ``alliance.access``'s (through the selectors); only the client's care team
writes (``access.is_on_care_team``): a supervisor who reads the client is refused (403), anyone
else is told the record does not exist (404). Every write is a service of
``alliance.care.appointments``; a refusal shows the form again with the message on its field.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliance import access
from alliance.accounts.models import User
from alliance.care import appointments
from alliance.care.models import Episode, Session
from alliance.clinic import appointment_selectors as selectors
from alliance.clinic.appointment_forms import BookForm, CancelForm, RescheduleForm, WithdrawForm
from alliance.web import signed_in_user

GET_AND_POST = require_http_methods(["GET", "POST"])
NOT_CARE_TEAM = "Only the client's care team books and changes their sessions."


def _episode(request: HttpRequest, episode_id: int) -> Episode:
    try:
        found = selectors.booking_episode(signed_in_user(request), episode_id)
    except Episode.DoesNotExist:
        raise Http404 from None
    if not access.is_on_care_team(signed_in_user(request), found):
        raise PermissionDenied(_(NOT_CARE_TEAM))
    return found


def _session(request: HttpRequest, session_id: int) -> Session:
    try:
        found = selectors.booked_session(signed_in_user(request), session_id)
    except Session.DoesNotExist:
        raise Http404 from None
    if not access.is_on_care_team(signed_in_user(request), found.episode):
        raise PermissionDenied(_(NOT_CARE_TEAM))
    return found


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, problems in error.message_dict.items():
        form.add_error(name if name in form.fields else None, problems)


def _saved(form: forms.Form, write: Callable[[], Any]) -> tuple[Any, bool]:
    """Run the write; on a refusal put its messages on the form. Whether it overlapped."""
    try:
        return write(), False
    except appointments.AppointmentOverlap as overlap:
        _add_errors(form, overlap)
        return None, True
    except ValidationError as error:
        _add_errors(form, error)
        return None, False


def _episode_page(episode_id: int) -> str:
    return reverse("clinic:episode", args=[episode_id]) + "#appointments"


@login_required
@GET_AND_POST
def book(request: HttpRequest, episode_id: int) -> HttpResponse:
    episode = _episode(request, episode_id)
    care_team = list(episode.care_team.all())
    user = signed_in_user(request)
    initial = {"attended_by": [user.pk]} if any(m.member_id == user.pk for m in care_team) else {}
    posted = request.POST if request.method == "POST" else None
    form = BookForm(posted, care_team=care_team, initial=initial)
    overlap = False
    if posted is not None and form.is_valid():
        booked, overlap = _saved(
            form,
            lambda: appointments.appointment_book(episode=episode, by=user, **form.booking()),
        )
        if booked is not None:
            n = len(booked)
            messages.success(
                request,
                ngettext("%(n)d session booked.", "%(n)d sessions booked.", n) % {"n": n},
            )
            return redirect(_episode_page(episode.pk))
    status = 400 if form.errors else 200
    context = {"episode": episode, "form": form, "overlap": overlap}
    return render(request, "clinic/appointment_book.html", context, status=status)


@login_required
@GET_AND_POST
def reschedule(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    local = timezone.localtime(session.starts_at)
    initial = {
        "day": local.date(),
        "time": local.time().replace(second=0, microsecond=0),
        "duration_minutes": session.duration_minutes,
        "mode": session.mode,
    }
    posted = request.POST if request.method == "POST" else None
    form = RescheduleForm(posted, initial=initial)
    overlap = False
    if posted is not None and form.is_valid():
        data = form.cleaned_data
        moved, overlap = _saved(
            form,
            lambda: appointments.appointment_reschedule(
                session=session,
                by=signed_in_user(request),
                starts_at=form.starts_at(),
                duration_minutes=data["duration_minutes"],
                mode=data["mode"],
                reason=data["reason"],
                confirm_overlap=data["confirm_overlap"],
            ),
        )
        if moved is not None:
            messages.success(request, _("Session moved."))
            return redirect(_episode_page(session.episode_id))
    context = {"session": session, "episode": session.episode, "form": form, "overlap": overlap}
    status = 400 if form.errors else 200
    return render(request, "clinic/appointment_reschedule.html", context, status=status)


def _reason_page(
    request: HttpRequest,
    session_id: int,
    form_class: type[forms.Form],
    write: Callable[[Session, User, dict[str, Any]], Session],
    *,
    template: str,
    done: str,
) -> HttpResponse:
    session = _session(request, session_id)
    posted = request.POST if request.method == "POST" else None
    form = form_class(posted)
    if posted is not None and form.is_valid():
        changed, _overlap = _saved(
            form, lambda: write(session, signed_in_user(request), form.cleaned_data)
        )
        if changed is not None:
            messages.success(request, done)
            return redirect(_episode_page(session.episode_id))
    context = {"session": session, "episode": session.episode, "form": form}
    return render(request, template, context, status=400 if form.errors else 200)


@login_required
@GET_AND_POST
def cancel(request: HttpRequest, session_id: int) -> HttpResponse:
    return _reason_page(
        request,
        session_id,
        CancelForm,
        lambda session, by, data: appointments.appointment_cancel(
            session=session, by=by, cancelled_by=data["cancelled_by"], reason=data["reason"]
        ),
        template="clinic/appointment_cancel.html",
        done=_("Session cancelled."),
    )


@login_required
@GET_AND_POST
def withdraw(request: HttpRequest, session_id: int) -> HttpResponse:
    return _reason_page(
        request,
        session_id,
        WithdrawForm,
        lambda session, by, data: appointments.appointment_withdraw(
            session=session, by=by, reason=data["reason"]
        ),
        template="clinic/appointment_withdraw.html",
        done=_("Session withdrawn: it is kept in the history and not counted."),
    )


def _mark(
    request: HttpRequest, session_id: int, write: Callable[..., Session], done: str
) -> HttpResponse:
    session = _session(request, session_id)
    try:
        write(session=session, by=signed_in_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect(_episode_page(session.episode_id))


@login_required
@require_POST
def attended(request: HttpRequest, session_id: int) -> HttpResponse:
    return _mark(request, session_id, appointments.appointment_attended, _("Marked attended."))


@login_required
@require_POST
def no_show(request: HttpRequest, session_id: int) -> HttpResponse:
    return _mark(
        request, session_id, appointments.appointment_no_show, _("Marked as did not attend.")
    )


@login_required
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    rows = selectors.day_rows(signed_in_user(request))
    return render(request, "clinic/today.html", {"rows": rows, "today": timezone.localdate()})
