"""The clinician's pages: caseload, the client page (episode) and the session page.

Views translate HTTP to a selector or a service call and back; who may see what is decided by
``alliance.access`` (through the selectors), what is clinically true by the science core.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from alliance import access
from alliance.accounts.models import User
from alliance.care.models import Episode, Session
from alliance.clinic import appointment_selectors, progress, selectors, services
from alliance.clinic.forms import AcknowledgementForm, AttendanceForm, ClinicianRatingForm
from alliance.feedback.models import Alert
from alliance.measures import catalogue
from alliance.measures.models import STAFF_RATERS
from alliance.web import signed_in_user


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("clinic:caseload")


@require_GET
@login_required
def caseload(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    rows = selectors.caseload_rows(user)
    context = {
        "rows": rows,
        # Built only if read (no template does): a thousand model instances cost a fifth of
        # the page.
        "episodes": SimpleLazyObject(lambda: [row.episode for row in rows]),
        # Clients added at intake who have no episode yet (issue 11), oldest first.
        "waiting": list(access.clients_without_episode(user).order_by("created_at", "pk")),
        "may_add_clients": access.intake_organisations(user).exists(),
    }
    return render(request, "clinic/caseload.html", context)


def _sessions_with_open_alerts(alerts: list[Alert]) -> list[tuple[Session, int]]:
    counts: dict[int, list[Alert]] = {}
    for alert in alerts:
        if alert.is_open:
            counts.setdefault(alert.session_id, []).append(alert)
    found = [(same[0].session, len(same)) for same in counts.values() if len(same) > 1]
    return sorted(found, key=lambda pair: -(pair[0].number or 0))


@require_GET
@login_required
def episode(request: HttpRequest, episode_id: int) -> HttpResponse:
    try:
        found = selectors.episode_detail(signed_in_user(request), episode_id)
    except Episode.DoesNotExist:
        # Not found and not allowed look the same, so a URL reveals nothing about who is in care.
        raise Http404 from None
    sessions = list(found.sessions.all())
    alerts = list(found.alerts.all())
    bookings = appointment_selectors.episode_bookings(found, sessions)
    context = {
        "episode": found,
        "sessions": sessions,
        "next_number": bookings.next_number,
        "bookings": bookings,
        "on_care_team": access.is_on_care_team(signed_in_user(request), found),
        "figures": progress.episode_figures(
            found, selectors.goal_scores(signed_in_user(request), found)
        ),
        "open_alerts": [alert for alert in alerts if alert.is_open],
        "acknowledged_alerts": [alert for alert in alerts if not alert.is_open],
        # Sessions with more than one open alert get an "acknowledge all" button.
        "sessions_to_acknowledge": _sessions_with_open_alerts(alerts),
        "ack_form": AcknowledgementForm(),
    }
    return render(request, "clinic/episode.html", context)


@require_POST
@login_required
def session_start(request: HttpRequest, episode_id: int) -> HttpResponse:
    user = signed_in_user(request)
    try:
        found = selectors.care_team_episode(user, episode_id)
    except Episode.DoesNotExist:
        raise Http404 from None
    if not access.is_on_care_team(user, found):
        raise PermissionDenied(_("Only the client's care team can start a session."))
    booked = _booked_session(request, found)
    try:
        session = services.session_start(
            episode=found,
            by=user,
            session=booked,
            confirm_unbooked=request.POST.get("confirm_unbooked") == "1",
        )
    except services.UnbookedStart:
        # No booking today: ask once more before starting a session nobody booked.
        number = appointment_selectors.episode_bookings(found, list(found.sessions.all()))
        context = {"episode": found, "next_number": number.next_number}
        return render(request, "clinic/session_start_confirm.html", context)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("clinic:episode", episode_id)
    return redirect("clinic:session", session.pk)


def _booked_session(request: HttpRequest, episode: Episode) -> Session | None:
    """The booked session named in the form ("this booked session is starting"), if any."""
    raw = request.POST.get("session", "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 10:
        raise Http404
    found = episode.sessions.filter(pk=int(raw)).first()
    if found is None:
        raise Http404
    return found


def _session_or_404(request: HttpRequest, session_id: int) -> Session:
    try:
        return selectors.session_detail(signed_in_user(request), session_id)
    except Session.DoesNotExist:
        raise Http404 from None


def _own_rating(session: Session, user: User) -> object:
    alliance = session.episode.alliance_measure
    return next(
        (
            r
            for r in session.responses.all()
            if r.instrument == alliance and r.rater in STAFF_RATERS and r.rater_user_id == user.pk
        ),
        None,
    )


def _session_page(
    request: HttpRequest,
    session: Session,
    *,
    attendance: AttendanceForm | None = None,
    rating: ClinicianRatingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = signed_in_user(request)
    care_team = list(session.episode.care_team.all())
    instrument = catalogue.instrument(session.episode.alliance_measure)
    clinician_may_rate = "clinician" in instrument.respondents
    present = [person.pk for person in session.attended_by.all()]
    context = {
        "session": session,
        "episode": session.episode,
        "on_care_team": access.is_on_care_team(user, session.episode),
        "attendance_form": attendance
        or AttendanceForm(
            initial={"status": session.status, "present": present}, care_team=care_team
        ),
        "rating_form": rating or ClinicianRatingForm(instrument=instrument),
        "clinician_may_rate": clinician_may_rate,
        "own_rating": _own_rating(session, user),
        "alerts": list(session.alerts.all()),
        "ack_form": AcknowledgementForm(),
    }
    return render(request, "clinic/session.html", context, status=status)


@require_GET
@login_required
def session(request: HttpRequest, session_id: int) -> HttpResponse:
    return _session_page(request, _session_or_404(request, session_id))


def _writable_session(request: HttpRequest, session_id: int) -> Session:
    found = _session_or_404(request, session_id)
    if not access.is_on_care_team(signed_in_user(request), found.episode):
        raise PermissionDenied(_("Only the client's care team can record this session."))
    return found


def _add_errors(form: AttendanceForm | ClinicianRatingForm, error: ValidationError) -> None:
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


@require_POST
@login_required
def session_attendance(request: HttpRequest, session_id: int) -> HttpResponse:
    found = _writable_session(request, session_id)
    form = AttendanceForm(request.POST, care_team=list(found.episode.care_team.all()))
    if form.is_valid():
        try:
            services.session_attendance_record(
                session=found,
                status=form.cleaned_data["status"],
                present=form.cleaned_data["present"],
                by=signed_in_user(request),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Attendance saved."))
            return redirect("clinic:session", found.pk)
    return _session_page(request, found, attendance=form, status=400)


@require_POST
@login_required
def session_rating(request: HttpRequest, session_id: int) -> HttpResponse:
    found = _writable_session(request, session_id)
    instrument = catalogue.instrument(found.episode.alliance_measure)
    form = ClinicianRatingForm(request.POST, instrument=instrument)
    if form.is_valid():
        try:
            services.clinician_rating_record(
                session=found,
                values=form.item_values(),
                by=signed_in_user(request),
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Your rating is saved."))
            return redirect("clinic:session", found.pk)
    return _session_page(request, found, rating=form, status=400)
