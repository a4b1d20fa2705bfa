"""REST writes for intake and episodes (issue 11, point 7): ``POST /api/v1/clients``,
``POST /api/v1/episodes`` (with ``measurement_plan``) and ``PATCH /api/v1/episodes/{id}`` (care
team, measurement plan, end, transfer). Registered on the same API object as
``alliance.api.rest`` (imported at its end), scoped by ``alliance.access`` like the pages, and
written through the same services (``alliance.care.services.client_create``,
``alliance.care.episodes``). See docs/api.md."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from ninja.errors import HttpError

from alliance import access
from alliance.accounts.models import Team, User
from alliance.api.rest import DB_INT_MAX, ClientOut, In, RecordId, _writer, api
from alliance.care import episodes, plans
from alliance.care import services as care
from alliance.care.forms import age_group_for
from alliance.care.models import AgeGroup, CareRole, Client, Ending, Episode, PlanRepeat, Setting
from alliance.science.plans import MAX_INTERVAL

__all__ = ["client_create", "episode_create", "episode_update"]


@api.exception_handler(PermissionDenied)
def _refused(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(error)}, status=403)


# Schemas -------------------------------------------------------------------------------------


class ClientIn(In):
    organisation_id: RecordId | None = Field(
        None, description="Needed only when the token's user works in more than one."
    )
    code: str = Field("", max_length=40, description="Generated when left empty.")
    display_name: str = Field(..., min_length=1, max_length=200)
    birth_year: int | None = Field(None, ge=1900, le=2100)
    age_group: Literal["child", "adolescent", "adult"] | None = Field(
        None, description="Worked out from birth_year when not given."
    )
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=32)
    consents_to_email: bool = False
    consents_to_sms: bool = False
    contact_consent_on: dt.date | None = None
    preferred_language: str = Field("", max_length=10)
    confirm_likely_duplicate: bool = False


class CareTeamMemberIn(In):
    member_id: RecordId
    role: Literal["primary_therapist", "prescriber", "case_manager", "team_member"]


class PlanItemIn(In):
    instrument: str = Field(..., max_length=20, description="An installed instrument's code.")
    at_intake: bool = False
    at_end: bool = False
    repeat: Literal["", "sessions", "weeks"] = ""
    interval: int | None = Field(
        None,
        ge=-DB_INT_MAX,
        le=DB_INT_MAX,
        description=f"1 to {MAX_INTERVAL}, exactly when repeated.",
    )


class EpisodeIn(In):
    client_id: RecordId
    team_id: RecordId
    setting: str = Field("individual", max_length=20, description="One of the settings.")
    started_on: dt.date
    care_team: list[CareTeamMemberIn] = Field(..., max_length=20)
    measurement_plan: list[PlanItemIn] | None = Field(
        None, max_length=30, description="The team's default plan for the setting when left out."
    )
    outcome_measure: str | None = Field(None, max_length=20)
    alliance_measure: str | None = Field(None, max_length=20)
    share_progress_with_client: bool = False


class EndIn(In):
    ending: str = Field(..., max_length=20, description="planned, client_initiated, ghosted, ...")
    ended_on: dt.date | None = None
    note: str = Field("", max_length=500)


class TransferIn(In):
    mode: Literal["new_episode", "care_team"]
    team_id: RecordId | None = None
    on: dt.date | None = None
    care_team: list[CareTeamMemberIn] = Field(..., max_length=20)
    note: str = Field("", max_length=500)


class EpisodePatch(In):
    """Exactly one of the four."""

    care_team: list[CareTeamMemberIn] | None = Field(None, max_length=20)
    measurement_plan: list[PlanItemIn] | None = Field(None, max_length=30)
    end: EndIn | None = None
    transfer: TransferIn | None = None
    note: str = Field("", max_length=500)


class PlanItemOut(Schema):
    instrument: str
    at_intake: bool
    at_end: bool
    repeat: str
    interval: int | None
    position: int


class CareTeamOut(Schema):
    member_id: int
    role: str


class EpisodeWithPlanOut(Schema):
    id: int
    client_id: int
    team_id: int
    setting: str
    started_on: dt.date
    ended_on: dt.date | None
    ending: str
    outcome_measure: str
    alliance_measure: str
    continues_id: int | None
    care_team: list[CareTeamOut]
    measurement_plan: list[PlanItemOut]


def _episode_out(episode: Episode) -> dict[str, Any]:
    return {
        "id": episode.pk,
        "client_id": episode.client_id,
        "team_id": episode.team_id,
        "setting": episode.setting,
        "started_on": episode.started_on,
        "ended_on": episode.ended_on,
        "ending": episode.ending,
        "outcome_measure": episode.outcome_measure,
        "alliance_measure": episode.alliance_measure,
        "continues_id": episode.continues_id,
        "care_team": [
            {"member_id": m.member_id, "role": m.role} for m in episode.care_team.order_by("pk")
        ],
        "measurement_plan": [vars(item) for item in plans.episode_plan(episode)],
    }


# Helpers -------------------------------------------------------------------------------------


def _care_team(team: Team, members: list[CareTeamMemberIn]) -> list[tuple[User, str]]:
    """Members by id from the team's staff; an id off the staff is refused naming the field."""
    staff = {user.pk: user for user in access.team_staff(team)}
    missing = [m.member_id for m in members if m.member_id not in staff]
    if missing:
        raise ValidationError(
            {
                "care_team": _(
                    "%(ids)s: not on the staff of %(team)s; choose from the ids %(allowed)s."
                )
                % {
                    "ids": ", ".join(str(i) for i in missing),
                    "team": team.name,
                    "allowed": ", ".join(str(pk) for pk in staff) or "-",
                }
            }
        )
    return [(staff[m.member_id], m.role) for m in members]


def _plan(items: list[PlanItemIn] | None) -> list[dict[str, Any]] | None:
    if items is None:
        return None
    return [item.dict() | {"position": n} for n, item in enumerate(items)]


def _team_of(user: User, client: Client, team_id: int, field: str = "team_id") -> Team:
    # A team of another organisation is refused exactly as an id no team has: the answer must
    # not tell whether another organisation's team exists.
    allowed = access.episode_teams(user, client.organisation)
    found = allowed.filter(pk=team_id).first()
    if found is None:
        raise ValidationError(
            {
                field: _("Choose one of the team ids %(allowed)s.")
                % {"allowed": ", ".join(str(t.pk) for t in allowed) or "-"}
            }
        )
    return found


# Endpoints -----------------------------------------------------------------------------------


@api.post("/clients", response={201: ClientOut}, tags=["clients"])
def client_create(request: HttpRequest, payload: ClientIn) -> Status[Any]:
    """Add a client at intake, as on the page: a code used in the organisation, a likely
    duplicate (same name and birth year, unless ``confirm_likely_duplicate``) and a consent
    without its date are refused naming the field. The client has no episode yet."""
    user = _writer(request)
    organisations = access.intake_organisations(user)
    if not organisations.exists():
        raise HttpError(403, _("Only staff of an organisation can add its clients."))
    if payload.organisation_id is not None:
        organisation = organisations.filter(pk=payload.organisation_id).first()
    elif organisations.count() == 1:
        organisation = organisations.first()
    else:
        organisation = None
    if organisation is None:
        raise ValidationError(
            {
                "organisation_id": _("Choose one of the organisation ids %(allowed)s.")
                % {"allowed": ", ".join(str(o.pk) for o in organisations)}
            }
        )
    age_group: str | None = payload.age_group
    if age_group is None and payload.birth_year is not None:
        age_group = age_group_for(payload.birth_year, timezone.localdate().year)
    if age_group is None:
        raise ValidationError(
            {
                "age_group": _("Give a birth year or an age group: one of %(allowed)s.")
                % {"allowed": ", ".join(AgeGroup.values)}
            }
        )
    client = care.client_create(
        organisation=organisation,
        by=user,
        code=payload.code.strip() or care.client_code_suggest(organisation),
        display_name=payload.display_name,
        age_group=age_group,
        birth_year=payload.birth_year,
        email=payload.email,
        phone=payload.phone,
        consents_to_email=payload.consents_to_email,
        consents_to_sms=payload.consents_to_sms,
        contact_consent_on=payload.contact_consent_on,
        preferred_language=payload.preferred_language,
        confirm_likely_duplicate=payload.confirm_likely_duplicate,
    )
    return Status(201, client)


@api.post("/episodes", response={201: EpisodeWithPlanOut}, tags=["episodes"])
def episode_create(request: HttpRequest, payload: EpisodeIn) -> Status[Any]:
    """Open an episode for a client the token's user sees, with its care team (one primary
    therapist, members from the team's staff) and ``measurement_plan`` (installed measures
    only; the team's default for the setting when left out). A client not seen, or of another
    organisation, is refused naming ``client_id``."""
    user = _writer(request)
    client = access.visible_clients(user).filter(pk=payload.client_id).first()
    if client is None:
        raise ValidationError(
            {"client_id": _("No client you may see has this id; add the client first.")}
        )
    team = _team_of(user, client, payload.team_id)
    if payload.setting not in Setting.values:
        raise ValidationError(
            {"setting": _("Choose one of %(allowed)s.") % {"allowed": ", ".join(Setting.values)}}
        )
    episode = episodes.episode_open(
        client=client,
        team=team,
        setting=payload.setting,
        started_on=payload.started_on,
        care_team=_care_team(team, payload.care_team),
        measurement_plan=_plan(payload.measurement_plan),
        outcome_measure=payload.outcome_measure,
        alliance_measure=payload.alliance_measure,
        share_progress_with_client=payload.share_progress_with_client,
        by=user,
    )
    return Status(201, _episode_out(episode))


@api.patch("/episodes/{episode_id}", response=EpisodeWithPlanOut, tags=["episodes"])
def episode_update(request: HttpRequest, episode_id: RecordId, payload: EpisodePatch) -> Any:
    """Change one thing of an episode the user may change (its care team or its team's
    supervisor): ``care_team``, ``measurement_plan``, ``end`` (an ending type, the day) or
    ``transfer`` (``new_episode``: ended as transferred and a new episode continuing it, which
    is answered; ``care_team``: the same episode with a new care team). History is kept."""
    user = _writer(request)
    episode = get_object_or_404(
        access.visible_episodes(user).select_related("team", "client"), pk=episode_id
    )
    given = [
        name
        for name in ("care_team", "measurement_plan", "end", "transfer")
        if getattr(payload, name) is not None
    ]
    if len(given) != 1:
        raise ValidationError(
            {"__all__": _("Send exactly one of care_team, measurement_plan, end, transfer.")}
        )
    if not access.may_change_episode(user, episode):
        raise HttpError(
            403, _("Only the episode's care team and its team's supervisors may change it.")
        )
    if payload.care_team is not None:
        result = episodes.care_team_set(
            episode=episode,
            care_team=_care_team(episode.team, payload.care_team),
            by=user,
            note=payload.note,
        )
    elif payload.measurement_plan is not None:
        result = episodes.episode_plan_set(
            episode=episode,
            measurement_plan=_plan(payload.measurement_plan),
            by=user,
            note=payload.note,
        )
    elif payload.end is not None:
        if payload.end.ending not in Ending.values:
            raise ValidationError(
                {
                    "end.ending": _("Choose one of %(allowed)s.")
                    % {"allowed": ", ".join(Ending.values)}
                }
            )
        result = episodes.episode_end(
            episode=episode,
            ending=payload.end.ending,
            ended_on=payload.end.ended_on,
            note=payload.end.note or payload.note,
            by=user,
        )
    else:
        transfer = payload.transfer
        assert transfer is not None
        team = episode.team
        if transfer.team_id is not None:
            chosen = Team.objects.filter(
                pk=transfer.team_id, organisation_id=episode.team.organisation_id
            ).first()
            if chosen is None:
                raise ValidationError(
                    {"transfer.team_id": _("Choose a team of the episode's organisation.")}
                )
            team = chosen
        result = episodes.episode_transfer(
            episode=episode,
            mode=transfer.mode,
            team=team,
            on=transfer.on,
            care_team=_care_team(team, transfer.care_team),
            note=transfer.note or payload.note,
            by=user,
        )
        if result.pk != episode.pk and not access.sees_transfer_result(user, result):
            result = Episode.objects.get(pk=episode.pk)
    return _episode_out(result)


assert set(CareRole.values) == set(CareTeamMemberIn.model_fields["role"].annotation.__args__)  # type: ignore[union-attr]
assert set(PlanRepeat.values) == set(PlanItemIn.model_fields["repeat"].annotation.__args__)  # type: ignore[union-attr]
