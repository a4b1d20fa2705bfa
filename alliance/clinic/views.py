"""The clinician's pages: caseload, episode (the client page) and session."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from alliance.care.models import Episode, Session
from alliance.clinic import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("clinic:caseload")


@login_required
def caseload(request: HttpRequest) -> HttpResponse:
    episodes = list(selectors.caseload(request.user))
    return render(request, "clinic/caseload.html", {"episodes": episodes})


@login_required
def episode(request: HttpRequest, episode_id: int) -> HttpResponse:
    try:
        found = selectors.episode_detail(request.user, episode_id)
    except Episode.DoesNotExist:
        # Not found and not allowed look the same, so a URL reveals nothing about who is in care.
        raise Http404 from None
    return render(request, "clinic/episode.html", {"episode": found})


@login_required
def session(request: HttpRequest, session_id: int) -> HttpResponse:
    try:
        found = selectors.session_detail(request.user, session_id)
    except Session.DoesNotExist:
        raise Http404 from None
    return render(request, "clinic/session.html", {"session": found})
