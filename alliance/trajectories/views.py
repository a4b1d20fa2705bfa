"""The expected-trajectory pages (``/trajectories/``): the model in use for each measure, the
data it rests on, refits run by the background worker with their progress, a preview of the
change and every earlier fit, restorable.

Administrators and supervisors of the organisation may look; only administrators refit and
choose the model in use (docs/trajectories.md).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from alliance import access
from alliance.accounts import reauth
from alliance.accounts.models import Organisation
from alliance.audit.models import Action
from alliance.audit.services import privilege_record, request_address
from alliance.clinic.explain import localized
from alliance.clinical_settings import clinical_settings
from alliance.feedback import selectors, services
from alliance.feedback.models import FitStatus, TrajectoryFit
from alliance.formats import local
from alliance.formats.messages import model_citation
from alliance.measures import catalogue
from alliance.science.trajectories import Departure, TrajectoryModel, default_model, departures
from alliance.trajectories.preview import (
    PREVIEW_TABLE_SESSIONS,
    preview_figure,
    preview_intakes,
)
from alliance.web import signed_in_user


def _organisation(request: HttpRequest) -> Organisation:
    """The organisation whose models the user looks after; 403 for anyone else."""
    user = signed_in_user(request)
    organisation = access.trajectory_organisations(user).first()
    if organisation is None:
        raise PermissionDenied
    return organisation


def _administered(request: HttpRequest) -> Organisation:
    organisation = _organisation(request)
    if not access.may_refit_trajectories(signed_in_user(request), organisation):
        raise PermissionDenied
    return organisation


def _measure(measure: str) -> str:
    if measure not in selectors.TRAJECTORY_MEASURES:
        raise Http404
    return measure


def _name(measure: str) -> str:
    instrument = catalogue.instrument(measure)
    return localized(instrument.name, measure.upper())


def _model_of(fit: TrajectoryFit | None, measure: str) -> TrajectoryModel:
    return TrajectoryModel.from_json(fit.model_json) if fit else default_model(measure)


def _departures(model: TrajectoryModel | None, measure: str) -> dict[str, object] | None:
    """Where a local fit's expected score differs from the provisional default by more than
    its interval (the site's level), at the preview's intakes and sessions; None if nowhere."""
    if model is None or model.source != "local_fit":
        return None
    level = clinical_settings().interval_level
    found = departures(
        model,
        default_model(measure),
        intakes=preview_intakes(model),
        sessions=PREVIEW_TABLE_SESSIONS,
        level=level,
    )
    if not found:
        return None
    largest: Departure = max(found, key=lambda d: abs(d.difference))
    return {
        "count": len(found),
        "of": len(preview_intakes(model)) * len(PREVIEW_TABLE_SESSIONS),
        "percent": f"{100 * level:g}",
        "difference": f"{largest.difference:+.1f}",
        "session": f"{largest.session:g}",
        "intake": f"{largest.intake:g}",
    }


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    organisation = _organisation(request)
    rows = [(row, _name(row.measure)) for row in selectors.measure_trajectories(organisation)]
    return render(request, "trajectories/index.html", {"organisation": organisation, "rows": rows})


def _measure_context(
    request: HttpRequest, organisation: Organisation, measure: str
) -> dict[str, object]:
    row = selectors.measure_trajectories(organisation, [measure])[0]
    in_use = _model_of(row.active, measure)
    candidate = row.candidate
    candidate_model = _model_of(candidate, measure) if candidate else None
    preview = preview_figure(in_use, candidate_model, _name(measure)) if candidate_model else None
    return {
        "organisation": organisation,
        "row": row,
        "name": _name(measure),
        "in_use": in_use,
        "in_use_citation": model_citation(in_use),
        "candidate": candidate,
        "candidate_model": candidate_model,
        "in_use_departs": _departures(in_use, measure),
        "candidate_departs": _departures(candidate_model, measure),
        "preview": preview,
        # Each cell with its column's name, so the table reads as a list on a narrow screen.
        "preview_rows": [
            list(zip(preview.table.headers, r, strict=True)) for r in preview.table.rows
        ]
        if preview
        else [],
        "refusal": "" if row.data.enough else services.refusal_message(row.data),
        "can_refit": access.may_refit_trajectories(signed_in_user(request), organisation),
    }


@require_GET
@login_required
def measure_page(request: HttpRequest, measure: str) -> HttpResponse:
    organisation = _organisation(request)
    context = _measure_context(request, organisation, _measure(measure))
    return render(request, "trajectories/measure.html", context)


@require_GET
@login_required
def measure_status(request: HttpRequest, measure: str) -> HttpResponse:
    """The refit's progress, which the page polls with htmx while a refit waits or runs."""
    organisation = _organisation(request)
    row = selectors.measure_trajectories(organisation, [_measure(measure)])[0]
    return render(request, "trajectories/_status.html", {"row": row})


@require_POST
@login_required
def refit(request: HttpRequest, measure: str) -> HttpResponse:
    organisation = _administered(request)
    try:
        services.trajectory_refit_request(
            organisation=organisation, measure=_measure(measure), by=signed_in_user(request)
        )
    except services.RefitRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Refit queued. This page shows its progress."))
    return redirect("trajectories:measure", measure=measure)


@require_POST
@login_required
def activate(request: HttpRequest, fit_id: int) -> HttpResponse:
    """Put a fit in use: a new candidate, or an earlier fit restored."""
    organisation = _administered(request)
    fit = TrajectoryFit.objects.filter(
        organisation=organisation, pk=fit_id, status=FitStatus.DONE
    ).first()
    if fit is None:
        raise Http404
    # The model in use decides which clients are flagged "not on track": a change of it is
    # confirmed with the password and recorded.
    if not reauth.reauthenticated_recently(request):
        return reauth.reauthenticate_first(request, _measure_url(fit.measure))
    before = _fit_in_use(organisation, fit.measure)
    with transaction.atomic():
        services.trajectory_fit_activate(fit=fit)
        _model_change_record(request, organisation, fit.measure, before, f"fit {fit.pk}")
    messages.success(
        request,
        _("The fit of %(date)s is now in use.") % {"date": local(fit.requested_at)},
    )
    return redirect("trajectories:measure", measure=fit.measure)


@require_POST
@login_required
def use_default(request: HttpRequest, measure: str) -> HttpResponse:
    organisation = _administered(request)
    measure = _measure(measure)
    if not reauth.reauthenticated_recently(request):
        return reauth.reauthenticate_first(request, _measure_url(measure))
    before = _fit_in_use(organisation, measure)
    with transaction.atomic():
        services.trajectory_default_restore(organisation=organisation, measure=measure)
        _model_change_record(request, organisation, measure, before, "provisional default")
    messages.success(request, _("The provisional default is now in use; every fit is kept."))
    return redirect("trajectories:measure", measure=measure)


def _measure_url(measure: str) -> str:
    return reverse("trajectories:measure", kwargs={"measure": measure})


def _fit_in_use(organisation: Organisation, measure: str) -> str:
    fit = TrajectoryFit.objects.filter(
        organisation=organisation, measure=measure, is_active=True
    ).first()
    return f"fit {fit.pk}" if fit is not None else "provisional default"


def _model_change_record(
    request: HttpRequest, organisation: Organisation, measure: str, before: str, after: str
) -> None:
    privilege_record(
        actor=signed_in_user(request),
        action=Action.CHANGE,
        object_kind="trajectory",
        object_id=None,
        detail=f"trajectory model in use for {measure}"[:200],
        before=before,
        after=after,
        organisation=organisation,
        address=request_address(request),
    )
