"""Pages and form endpoints for intake (a new client) and the alliance work: goals, goal ratings,
tasks, ruptures and reflections. Each finds its record through ``alliance.access`` (404 when not
visible), calls one service, and goes back to the session or client page with a message. A form
with a mistake is shown again on its own page with the message, and nothing is stored."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from alliance import access
from alliance.care import hooks, selectors, services
from alliance.care.forms import (
    ClientIntakeForm,
    GoalAddForm,
    GoalEditForm,
    GoalRatingsForm,
    ReflectionForm,
    RuptureForm,
    TaskForm,
    TaskReviewForm,
)
from alliance.care.models import Client, Episode, Goal, GoalStatus, Rupture, Session, Task
from alliance.web import signed_in_user

GET_AND_POST = require_http_methods(["GET", "POST"])


def _posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data for a POST (even an empty one, so it is checked), None for a GET."""
    return request.POST if request.method == "POST" else None


def _saved[T](form: forms.Form, write: Callable[[], T]) -> T | None:
    """Run the service; a refusal becomes a form error so the page can say what to change."""
    try:
        return write()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return None


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Return to the page the form was on (a local address only), or to ``default``."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(target if safe and target.startswith("/") else default)


def _session_page(session: Session) -> str:
    return reverse("clinic:session", args=[session.pk])


def _episode_page(episode_id: int) -> str:
    return reverse("clinic:episode", args=[episode_id])


def _visible_session(request: HttpRequest, session_id: int) -> Session:
    sessions = access.visible_sessions(signed_in_user(request)).select_related("episode__client")
    return get_object_or_404(sessions, pk=session_id)


def _page(request: HttpRequest, template: str, **context: Any) -> HttpResponse:
    context.setdefault("next", request.POST.get("next") or request.GET.get("next", ""))
    return render(request, f"care/{template}", context)


@login_required
@GET_AND_POST
def goal_add(request: HttpRequest, episode_id: int) -> HttpResponse:
    episodes = access.visible_episodes(signed_in_user(request)).select_related("client")
    episode: Episode = get_object_or_404(episodes, pk=episode_id)
    # "Start a goal from these words": the client's hopes at intake (issue 19), found by id.
    start = hooks.goal_start_text(signed_in_user(request), episode, request.GET.get("from_words"))
    form = GoalAddForm(
        _posted(request), sessions=episode.sessions.all(), initial={"text": start[:500]}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        goal = _saved(
            form,
            lambda: services.goal_add(
                episode=episode,
                text=data["text"],
                agreed=data["agreed"],
                by=signed_in_user(request),
                session=data["session"],
            ),
        )
        if goal is not None:
            messages.success(request, _("Goal added."))
            return _back(request, _episode_page(episode.pk))
    return _page(request, "goal_add.html", episode=episode, form=form)


@login_required
@GET_AND_POST
def goal_edit(request: HttpRequest, goal_id: int) -> HttpResponse:
    goals = selectors.visible_goals(signed_in_user(request)).select_related(
        "episode__client", "replaces"
    )
    goal: Goal = get_object_or_404(goals, pk=goal_id)
    initial = {"text": goal.text, "agreed": goal.agreed, "status": goal.status}
    form = GoalEditForm(_posted(request), initial=initial | {"version": goal.version})
    editable = goal.status != GoalStatus.CHANGED
    if request.method == "POST" and not editable:
        form.add_error(None, _("This goal changed into another one; edit the new goal instead."))
    elif request.method == "POST" and form.is_valid():
        saved = _saved(form, lambda: _goal_write(goal, form.cleaned_data, request))
        if saved is not None:
            messages.success(request, _("Goal saved; the earlier version is kept."))
            return _back(request, _episode_page(goal.episode_id))
        goal.refresh_from_db()
        # The person has now seen the newer version: saving again is their informed choice.
        data = request.POST.copy()  # what the form was bound to, made changeable
        data["version"] = str(goal.version)
        form.data = data
    return _page(
        request,
        "goal_edit.html",
        goal=goal,
        editable=editable,
        form=form,
        history=selectors.goal_history(goal),
        ratings=goal.ratings.select_related("session").order_by("session__number"),
        replaced_by=Goal.objects.filter(replaces=goal).first(),
    )


def _goal_write(goal: Goal, data: dict[str, Any], request: HttpRequest) -> Goal:
    if data["status"] == GoalStatus.CHANGED:
        return services.goal_replace(
            goal=goal,
            text=data["new_text"],
            agreed=data["agreed"],
            by=signed_in_user(request),
            note=data["note"],
            expected_version=data["version"],
        )
    return services.goal_update(
        goal=goal,
        text=data["text"],
        agreed=data["agreed"],
        status=data["status"],
        by=signed_in_user(request),
        note=data["note"],
        expected_version=data["version"],
    )


@login_required
@GET_AND_POST
def goal_ratings(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _visible_session(request, session_id)
    work = selectors.session_work(signed_in_user(request), session)
    form = GoalRatingsForm.for_session(work.goals, _posted(request))
    if request.method == "POST" and form.is_valid():
        ratings = form.ratings()
        if not ratings:
            form.add_error(None, _("Give at least one goal a rating from 0 to 10."))
        elif _saved(
            form,
            lambda: services.goal_ratings_record(
                session=session, ratings=ratings, by=signed_in_user(request)
            ),
        ):
            messages.success(request, _("Goal ratings saved."))
            return _back(request, _session_page(session))
    return _page(request, "goal_ratings.html", session=session, form=form)


@login_required
@GET_AND_POST
def task_add(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _visible_session(request, session_id)
    goals = selectors.visible_goals(signed_in_user(request)).filter(
        episode_id=session.episode_id, status=GoalStatus.ACTIVE
    )
    form = TaskForm(_posted(request), goals=goals)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        task = _saved(
            form,
            lambda: services.task_agree(
                session=session,
                what=data["what"],
                client_agreed=data["client_agreed"] == "yes",
                goal=data["goal"],
                rationale=data["rationale"],
                by=signed_in_user(request),
            ),
        )
        if task is not None:
            messages.success(request, _("Task recorded."))
            return _back(request, _session_page(session))
    return _page(request, "task_add.html", session=session, form=form)


@login_required
@GET_AND_POST
def task_review(request: HttpRequest, session_id: int, task_id: int) -> HttpResponse:
    session = _visible_session(request, session_id)
    tasks = selectors.visible_tasks(signed_in_user(request)).select_related("agreed_in", "goal")
    task: Task = get_object_or_404(tasks, pk=task_id, episode_id=session.episode_id)
    form = TaskReviewForm(_posted(request), prefix=f"review-{task.pk}")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        reviewed = _saved(
            form,
            lambda: services.task_review(
                task=task,
                session=session,
                outcome=data["outcome"],
                note=data["note"],
                by=signed_in_user(request),
            ),
        )
        if reviewed is not None:
            messages.success(request, _("Task review saved."))
            return _back(request, _session_page(session))
    return _page(request, "task_review.html", session=session, task=task, form=form)


@login_required
@GET_AND_POST
def rupture_add(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _visible_session(request, session_id)
    form = RuptureForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        rupture = _saved(
            form,
            lambda: services.rupture_record(
                session=session,
                markers=form.markers(),
                noticed_by=data["noticed_by"],
                strategies=form.strategies(),
                resolution=data["resolution"],
                note=data["note"],
                by=signed_in_user(request),
            ),
        )
        if rupture is not None:
            messages.success(request, _("Rupture and repair recorded."))
            return _back(request, _session_page(session))
    return _page(request, "rupture_form.html", session=session, form=form, rupture=None)


@login_required
@GET_AND_POST
def rupture_edit(request: HttpRequest, rupture_id: int) -> HttpResponse:
    ruptures = selectors.visible_ruptures(signed_in_user(request)).select_related(
        "session__episode__client"
    )
    rupture: Rupture = get_object_or_404(ruptures, pk=rupture_id)
    initial = RuptureForm.initial_for(
        rupture.markers,
        rupture.strategies,
        noticed_by=rupture.noticed_by,
        resolution=rupture.resolution,
        note=rupture.note,
    )
    form = RuptureForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _saved(
            form,
            lambda: services.rupture_update(
                rupture=rupture,
                markers=form.markers(),
                noticed_by=data["noticed_by"],
                strategies=form.strategies(),
                resolution=data["resolution"],
                note=data["note"],
                by=signed_in_user(request),
            ),
        )
        if saved is not None:
            messages.success(request, _("Rupture saved; the earlier version is kept."))
            return _back(request, _session_page(rupture.session))
    return _page(request, "rupture_form.html", session=rupture.session, form=form, rupture=rupture)


@login_required
@GET_AND_POST
def reflection(request: HttpRequest, session_id: int) -> HttpResponse:
    """The user's own reflection on a session; only they and their supervisor read it."""
    session = _visible_session(request, session_id)
    own = (
        selectors.visible_reflections(signed_in_user(request), session)
        .filter(author=signed_in_user(request))
        .first()
    )
    initial = {"experiences": own.experiences, "text": own.text} if own else None
    form = ReflectionForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _saved(
            form,
            lambda: services.reflection_save(
                session=session,
                author=signed_in_user(request),
                experiences=data["experiences"],
                text=data["text"],
            ),
        )
        if saved is not None:
            messages.success(request, _("Reflection saved. Only you and your supervisor see it."))
            return _back(request, _session_page(session))
    return _page(request, "reflection_form.html", session=session, form=form)


@login_required
@GET_AND_POST
def client_add(request: HttpRequest) -> HttpResponse:
    """Intake: add a client to an organisation the user works in. A likely duplicate (same
    name and birth year) is shown, and saving then needs the confirmation box ticked."""
    organisations = access.intake_organisations(signed_in_user(request))
    first = organisations.first()
    if first is None:
        raise PermissionDenied(_("Only staff of an organisation can add its clients."))
    form = ClientIntakeForm(_posted(request), organisations=organisations)
    duplicates: list[Client] = []
    if request.method == "GET":
        form.initial = {"organisation": first, "code": services.client_code_suggest(first)}
    elif form.is_valid():
        data = dict(form.cleaned_data)
        client = _saved(form, lambda: services.client_create(by=signed_in_user(request), **data))
        if client is not None:
            messages.success(
                request,
                _("%(name)s (%(code)s) is added to your caseload; now open their episode.")
                % {"name": client.display_name, "code": client.code},
            )
            if access.may_open_episode(signed_in_user(request), client):
                return redirect("care:episode_open", client.pk)
            return redirect("clinic:caseload")
        duplicates = services.likely_duplicates(
            organisation=data["organisation"],
            display_name=data["display_name"],
            birth_year=data["birth_year"],
        )
    return _page(request, "client_add.html", form=form, duplicates=duplicates)
