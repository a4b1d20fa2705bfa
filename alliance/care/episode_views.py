"""Pages for episodes (issue 11, point 2; docs/care.md "Episodes: the lifecycle"): open an
episode from the client, change its care team, transfer it, end it, change its measurement
plan, and the teams' default plans. Each finds its record through ``alliance.access`` (404 when
not visible, 403 when seen but not to be changed by this user), calls one service in
``alliance.care.episodes``, and goes to the client's page with a message. A refused form is shown
again with the message on its field, and nothing is stored. No JavaScript: choosing the team
(whose staff and default plan the form offers) is a small GET form of its own."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from alliance import access
from alliance.accounts.models import Team, User
from alliance.care import episodes, plans
from alliance.care.episode_forms import (
    CareTeamForm,
    EpisodeEndForm,
    EpisodeOpenForm,
    NoteForm,
    PlanForm,
    TeamAndSettingForm,
    TransferForm,
)
from alliance.care.models import Client, Episode, Setting
from alliance.web import signed_in_user

GET_AND_POST = require_http_methods(["GET", "POST"])


def _refused_into(
    error: ValidationError, owners: dict[str, forms.Form], fallback: forms.Form
) -> None:
    """Put each refusal on the form holding its field (or the form the field names)."""
    if not hasattr(error, "error_dict"):
        fallback.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form = owners.get(field)
        if form is None:
            form = next((f for f in owners.values() if field in f.fields), fallback)
        form.add_error(field if field in form.fields else None, errors)


def _episode(request: HttpRequest, episode_id: int) -> Episode:
    """The episode if the user may change it: 404 if they do not see it, 403 if they see it but
    may not change it."""
    found = access.visible_episodes(signed_in_user(request)).select_related(
        "client", "team__organisation"
    )
    episode: Episode = get_object_or_404(found, pk=episode_id)
    if not access.may_change_episode(signed_in_user(request), episode):
        raise PermissionDenied(
            _("Only the episode's care team and its team's supervisors may change it.")
        )
    return episode


def _chosen[M: Model](value: str | None, records: QuerySet[M]) -> M | None:
    if value and value.isdigit():
        return records.filter(pk=int(value)).first()
    return None


def _page(request: HttpRequest, template: str, **context: Any) -> HttpResponse:
    return render(request, f"care/{template}", context)


def _current_team(episode: Episode) -> list[tuple[User, str]]:
    return [(m.member, m.role) for m in episode.care_team.select_related("member").order_by("pk")]


@login_required
@GET_AND_POST
def episode_open(request: HttpRequest, client_id: int) -> HttpResponse:
    """Open an episode for the client: the team and setting first (their staff and default
    plan are offered), then the start, the care team and the plan."""
    user = signed_in_user(request)
    client: Client = get_object_or_404(access.visible_clients(user), pk=client_id)
    teams = access.episode_teams(user, client.organisation)
    first = teams.first()
    if first is None:
        raise PermissionDenied(_("You may open episodes only in a team you work in."))
    source = request.POST if request.method == "POST" else request.GET
    team = _chosen(source.get("team"), teams) or first
    setting = source.get("setting")
    if setting not in Setting.values:
        setting = Setting.INDIVIDUAL
    staff = list(access.team_staff(team))
    chooser = TeamAndSettingForm(initial={"team": team, "setting": setting}, teams=teams)
    posted = request.POST if request.method == "POST" else None
    form = EpisodeOpenForm(
        posted,
        teams=teams,
        initial={"team": team, "setting": setting, "started_on": timezone.localdate()},
    )
    mine = [(user, "primary_therapist")] if user in staff else []
    team_form = CareTeamForm(posted, staff=staff, current=mine)
    plan_form = PlanForm(posted, plan=plans.default_plan(team, setting))
    if posted is not None and all(f.is_valid() for f in (form, team_form, plan_form)):
        data = form.cleaned_data
        try:
            episode = episodes.episode_open(
                client=client,
                team=data["team"],
                setting=data["setting"],
                started_on=data["started_on"],
                care_team=team_form.care_team(),
                measurement_plan=plan_form.entries(),
                share_progress_with_client=data["share_progress_with_client"],
                by=user,
            )
        except ValidationError as error:
            _refused_into(error, {"care_team": team_form, "measurement_plan": plan_form}, form)
        else:
            messages.success(request, _("The episode is open."))
            return redirect("clinic:episode", episode.pk)
    return _page(
        request,
        "episodes/open.html",
        client=client,
        team=team,
        setting=Setting(setting),
        chooser=chooser,
        form=form,
        team_form=team_form,
        plan_form=plan_form,
        open_episodes=access.visible_episodes(user).filter(client=client, ended_on__isnull=True),
    )


@login_required
@GET_AND_POST
def care_team(request: HttpRequest, episode_id: int) -> HttpResponse:
    """Change the episode's care team (history kept)."""
    episode = _episode(request, episode_id)
    posted = request.POST if request.method == "POST" else None
    team_form = CareTeamForm(
        posted, staff=access.team_staff(episode.team), current=_current_team(episode)
    )
    note = NoteForm(posted)
    if posted is not None and team_form.is_valid() and note.is_valid():
        try:
            episodes.care_team_set(
                episode=episode,
                care_team=team_form.care_team(),
                by=signed_in_user(request),
                note=note.cleaned_data["note"],
            )
        except ValidationError as error:
            _refused_into(error, {"care_team": team_form}, team_form)
        else:
            messages.success(request, _("Care team saved; the earlier one is kept in the history."))
            return redirect("clinic:episode", episode.pk)
    return _page(
        request, "episodes/care_team.html", episode=episode, team_form=team_form, note=note
    )


@login_required
@GET_AND_POST
def episode_transfer(request: HttpRequest, episode_id: int) -> HttpResponse:
    """Transfer the episode: to a new episode (in this team or another) or to a new care team."""
    episode = _episode(request, episode_id)
    teams = Team.objects.filter(organisation=episode.team.organisation).order_by("name", "pk")
    source = request.POST if request.method == "POST" else request.GET
    target = _chosen(source.get("team"), teams) or episode.team
    posted = request.POST if request.method == "POST" else None
    chooser = TeamAndSettingForm(initial={"team": target}, teams=teams)
    form = TransferForm(posted, teams=teams, initial={"team": target})
    team_form = CareTeamForm(posted, staff=access.team_staff(target))
    if posted is not None and form.is_valid() and team_form.is_valid():
        data = form.cleaned_data
        try:
            result = episodes.episode_transfer(
                episode=episode,
                mode=data["mode"],
                team=data["team"],
                on=data["on"],
                care_team=team_form.care_team(),
                note=data["note"],
                by=signed_in_user(request),
            )
        except ValidationError as error:
            _refused_into(error, {"care_team": team_form}, form)
        else:
            if result.pk != episode.pk:
                messages.success(request, _("Transferred: this is the new episode."))
            else:
                messages.success(request, _("Transferred to the new care team."))
            if access.can_see_episode(signed_in_user(request), result):
                return redirect("clinic:episode", result.pk)
            return redirect("clinic:caseload")
    return _page(
        request,
        "episodes/transfer.html",
        episode=episode,
        target=target,
        chooser=chooser,
        form=form,
        team_form=team_form,
    )


@login_required
@GET_AND_POST
def episode_end(request: HttpRequest, episode_id: int) -> HttpResponse:
    """End the episode with its ending type."""
    episode = _episode(request, episode_id)
    form = EpisodeEndForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            episodes.episode_end(
                episode=episode,
                ending=data["ending"],
                ended_on=data["ended_on"],
                note=data["note"],
                by=signed_in_user(request),
            )
        except ValidationError as error:
            _refused_into(error, {}, form)
        else:
            messages.success(request, _("The episode is ended."))
            return redirect("clinic:episode", episode.pk)
    return _page(request, "episodes/end.html", episode=episode, form=form)


@login_required
@GET_AND_POST
def episode_plan(request: HttpRequest, episode_id: int) -> HttpResponse:
    """Change one episode's measurement plan."""
    episode = _episode(request, episode_id)
    posted = request.POST if request.method == "POST" else None
    plan_form = PlanForm(posted, plan=plans.episode_plan(episode))
    if posted is not None and plan_form.is_valid():
        try:
            episodes.episode_plan_set(
                episode=episode, measurement_plan=plan_form.entries(), by=signed_in_user(request)
            )
        except ValidationError as error:
            _refused_into(error, {"measurement_plan": plan_form}, plan_form)
        else:
            messages.success(request, _("Measurement plan saved; the earlier one is kept."))
            return redirect("clinic:episode", episode.pk)
    return _page(request, "episodes/plan.html", episode=episode, plan_form=plan_form)


@login_required
def plan_defaults(request: HttpRequest) -> HttpResponse:
    """The teams whose default plans the user sets, each setting with its plan."""
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    teams = list(
        access.plan_default_teams(signed_in_user(request)).prefetch_related("plan_defaults")
    )
    rows = []
    for team in teams:
        defaults: dict[str, list[str]] = {setting: [] for setting in Setting.values}
        for item in sorted(team.plan_defaults.all(), key=lambda r: (r.position, r.pk)):
            defaults[item.setting].append(item.instrument)
        rows.append(
            {
                "team": team,
                "settings": [(Setting(s), codes) for s, codes in defaults.items()],
            }
        )
    return _page(request, "episodes/plan_defaults.html", rows=rows)


@login_required
@GET_AND_POST
def team_plan(request: HttpRequest, team_id: int) -> HttpResponse:
    """A team's default plan for one setting (``?setting=``): 404 for a team of an organisation
    the user has no role in, 403 for one they may not set."""
    user = signed_in_user(request)
    team = Team.objects.filter(
        pk=team_id, organisation__in=access.reportable_organisations(user)
    ).first()
    if team is None:
        raise Http404
    if not access.may_set_plan_defaults(user, team):
        raise PermissionDenied(
            _("Only the organisation's administrators and the team's supervisors set its plans.")
        )
    source = request.POST if request.method == "POST" else request.GET
    setting = source.get("setting")
    if setting not in Setting.values:
        setting = Setting.INDIVIDUAL
    posted = request.POST if request.method == "POST" else None
    plan_form = PlanForm(posted, plan=plans.default_plan(team, setting))
    if posted is not None and plan_form.is_valid():
        try:
            episodes.team_plan_set(
                team=team, setting=setting, measurement_plan=plan_form.entries(), by=user
            )
        except ValidationError as error:
            _refused_into(error, {"measurement_plan": plan_form}, plan_form)
        else:
            messages.success(
                request,
                _("Default plan saved: new %(setting)s episodes of %(team)s start from it.")
                % {"setting": Setting(setting).label, "team": team.name},
            )
            return redirect("care:plan_defaults")
    return _page(
        request,
        "episodes/team_plan.html",
        team=team,
        setting=Setting(setting),
        settings=Setting.choices,
        plan_form=plan_form,
    )
