"""The corrections pages of a session (docs/care.md, "Corrections"): void a response entered by
mistake, enter the client's answers from paper, correct the session's date and attendance.
Each page only translates HTTP to a service of ``alliance.clinic.corrections`` and back; only
the care team may use them (``access.may_correct``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from alliance import access
from alliance.accounts.lockout import client_address
from alliance.audit.models import Via
from alliance.care.models import Session
from alliance.clinic import corrections, selectors
from alliance.clinic.corrections_forms import SessionCorrectionForm, VoidForm
from alliance.clinic.forms import ClinicianRatingForm
from alliance.measures import catalogue
from alliance.portal.wording import in_language
from alliance.web import signed_in_user


def _correctable(request: HttpRequest, session_id: int) -> Session:
    try:
        found = selectors.session_detail(signed_in_user(request), session_id)
    except Session.DoesNotExist:
        raise Http404 from None
    if not access.may_correct(signed_in_user(request), found.episode):
        raise PermissionDenied(_("Only the client's care team corrects this session."))
    return found


def _add_errors(form: Form, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


@login_required
@require_http_methods(["GET", "POST"])
def response_void(request: HttpRequest, session_id: int, response_id: int) -> HttpResponse:
    found = _correctable(request, session_id)
    response = (
        access.visible_responses_with_voided(signed_in_user(request))
        .filter(session=found, pk=response_id)
        .select_related("voided_by")
        .first()
    )
    if response is None:
        raise Http404
    form = VoidForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            corrections.response_void(
                response=response,
                by=signed_in_user(request),
                reason=form.cleaned_data["reason"],
                via=Via.PAGE,
                address=client_address(request),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("The %(measure)s was voided: it has left the chart and the alerts.")
                % {"measure": response.instrument.upper()},
            )
            return redirect("clinic:session", found.pk)
    context = {"session": found, "episode": found.episode, "response": response, "form": form}
    status = 400 if form.errors else 200
    return render(request, "clinic/response_void.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def session_paper(request: HttpRequest, session_id: int) -> HttpResponse:
    found = _correctable(request, session_id)
    allowed = corrections.paper_measures(found)
    code = (request.POST if request.method == "POST" else request.GET).get("measure", "")
    context: dict[str, object] = {
        "session": found,
        "episode": found.episode,
        "choices": [(c, in_language(catalogue.instrument(c).name)) for c in allowed],
    }
    # A form sent again (a double tap) is for a measure now answered: the service finds it by
    # its key and stores nothing new.
    resent = request.method == "POST" and code in catalogue.instruments()
    if code not in allowed and not resent:
        if code:
            messages.error(
                request,
                _("%(code)s cannot be entered from paper here; choose one of: %(allowed)s.")
                % {"code": code, "allowed": ", ".join(allowed) or "-"},
            )
        return render(request, "clinic/session_paper.html", context, status=400 if code else 200)
    instrument = catalogue.instrument(code)
    form = ClinicianRatingForm(
        request.POST if request.method == "POST" else None, instrument=instrument
    )
    if form.is_bound and form.is_valid():
        try:
            corrections.response_enter_from_paper(
                session=found,
                instrument_code=code,
                values=form.item_values(),
                by=signed_in_user(request),
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("The client's %(measure)s from paper is saved.") % {"measure": code.upper()},
            )
            return redirect("clinic:session", found.pk)
    context |= {"form": form, "measure": code, "name": in_language(instrument.name)}
    status = 400 if form.errors else 200
    return render(request, "clinic/session_paper.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def session_correct(request: HttpRequest, session_id: int) -> HttpResponse:
    found = _correctable(request, session_id)
    initial = {
        "starts_at": timezone.localtime(found.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "status": found.status,
    }
    form = SessionCorrectionForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    if form.is_bound and form.is_valid():
        try:
            corrections.session_correct(
                session=found,
                starts_at=form.cleaned_start(),
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                by=signed_in_user(request),
                via=Via.PAGE,
                address=client_address(request),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The session is corrected; its earlier values are kept."))
            return redirect("clinic:session", found.pk)
    context = {"session": found, "episode": found.episode, "form": form}
    return render(
        request, "clinic/session_correct.html", context, status=400 if form.errors else 200
    )
