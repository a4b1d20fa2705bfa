"""The supervision pages: the team page (supervisors only) and a clinician's development page
(the clinician and the supervisors of their teams only). Who sees what is decided by
``alliance.access`` through ``alliance.supervision.selectors``."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from alliance import access
from alliance.accounts.models import User
from alliance.clinic.forms import TeamFilterForm
from alliance.supervision import selectors as supervision
from alliance.supervision.charts import estimate_figure
from alliance.web import signed_in_user


@require_GET
@login_required
def team(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not access.may_see_team_page(user):
        # Only supervisors have a team page; others get the same answer as a missing page.
        raise Http404
    form = TeamFilterForm(request.GET or None, supervisor=user)
    filters, status = supervision.TeamFilters(), 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            filters = supervision.TeamFilters(
                team=data["team"], clinician=data["clinician"], kind=data["kind"] or None
            )
        else:
            status = 400  # a team or person not on the lists: refused, and nothing narrowed
    context = {
        "overview": supervision.team_overview(user, filters),
        "several": supervision.NOT_ON_TRACK_SESSIONS,
        "filter_form": form,
    }
    return render(request, "supervision/team.html", context, status=status)


@require_GET
@login_required
def development(request: HttpRequest, clinician_id: int) -> HttpResponse:
    viewer = signed_in_user(request)
    try:
        clinician = supervision.development_clinician(viewer, clinician_id)
    except User.DoesNotExist:
        raise Http404 from None
    found = supervision.clinician_development(viewer, clinician)
    context = {
        "development": found,
        "figure": estimate_figure(found.estimate),
        "own_page": clinician.pk == viewer.pk,
    }
    return render(request, "supervision/development.html", context)
