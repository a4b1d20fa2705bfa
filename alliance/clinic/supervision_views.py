"""The supervision pages: the team page (supervisors only) and a clinician's development page
(the clinician and the supervisors of their teams only). Who sees what is decided by
``alliance.access`` through ``alliance.clinic.supervision``."""

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from alliance import access
from alliance.accounts.models import User
from alliance.clinic import supervision
from alliance.clinic.supervision_charts import estimate_figure


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required guarantees a signed-in User


@require_GET
@login_required
def team(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not access.supervised_teams(user).exists():
        # Only supervisors have a team page; others get the same answer as a missing page.
        raise Http404
    context = {
        "overview": supervision.team_overview(user),
        "several": supervision.NOT_ON_TRACK_SESSIONS,
    }
    return render(request, "clinic/supervision/team.html", context)


@require_GET
@login_required
def development(request: HttpRequest, clinician_id: int) -> HttpResponse:
    viewer = _user(request)
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
    return render(request, "clinic/supervision/development.html", context)
