"""The REST API at /api/v1/ (django-ninja). Every read starts from ``alliance.access``; every
write goes through the same services as the pages. See docs/api.md."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from alliance import access
from alliance.accounts.models import User
from alliance.api.appointments import router as appointments_router
from alliance.api.rest_app import (
    DB_INT_MAX as DB_INT_MAX,
)
from alliance.api.rest_app import (
    MAX_LIMIT as MAX_LIMIT,
)
from alliance.api.rest_app import (
    NOT_CLOSING,
    NOT_ON_CARE_TEAM,
    MarkerIn,
    NoticedByIn,
    Pagination,
    RecordId,
    ResolutionIn,
    StrategyIn,
    _writer,
    api,
)
from alliance.api.rest_app import (
    AllianceApi as AllianceApi,
)
from alliance.api.rest_app import (
    LimitedParser as LimitedParser,
)

# The frame (rest_app) and the schemas moved out of this module; every name they define is still
# importable from here (``X as X``: kept for the endpoint modules and outside scripts).
from alliance.api.rest_app import (
    Marker as Marker,
)
from alliance.api.rest_app import (
    RaterIn as RaterIn,
)
from alliance.api.rest_app import (
    Strategy as Strategy,
)
from alliance.api.rest_app import (
    TokenAuth as TokenAuth,
)
from alliance.api.rest_app import (
    one_of as one_of,
)
from alliance.api.schemas import (
    AcknowledgementIn,
    AlertOut,
    CareTeamMemberOut,
    ClientOut,
    EpisodeFilter,
    EpisodeOut,
    GoalOut,
    In,
    ResponseIn,
    ResponseOut,
    RuptureOut,
    SessionOut,
    TaskOut,
)
from alliance.api.schemas import (
    Answer as Answer,
)
from alliance.api.schemas import (
    EndingOrBlank as EndingOrBlank,
)
from alliance.api.series import router as series_router
from alliance.api.voice import register as _register_voice
from alliance.care import services as care
from alliance.care.models import (
    CareTeamMember,
    Goal,
    GoalStatus,
    Rupture,
    SessionStatus,
    Task,
)
from alliance.feedback.models import AlertState
from alliance.feedback.ratings import rating_record
from alliance.feedback.services import AlertWithdrawn, alert_acknowledge
from alliance.measures.models import STAFF_RATERS, Method
from alliance.web import token_user

# Clients and episodes ------------------------------------------------------------------------


@api.get("/clients", response=list[ClientOut], tags=["clients"])
@paginate(Pagination)
def client_list(request: HttpRequest) -> QuerySet[Any]:
    return access.visible_clients(token_user(request)).order_by("pk")


@api.get("/clients/{client_id}", response=ClientOut, tags=["clients"])
def client_detail(request: HttpRequest, client_id: RecordId) -> Any:
    return get_object_or_404(access.visible_clients(token_user(request)), pk=client_id)


class EpisodeListFilter(Schema):
    client: RecordId | None = None
    open: bool | None = None


@api.get("/episodes", response=list[EpisodeOut], tags=["episodes"])
@paginate(Pagination)
def episode_list(request: HttpRequest, filters: Query[EpisodeListFilter]) -> QuerySet[Any]:
    episodes = access.visible_episodes(token_user(request)).order_by("pk")
    if filters.client is not None:
        episodes = episodes.filter(client_id=filters.client)
    if filters.open is not None:
        episodes = episodes.filter(ended_on__isnull=filters.open)
    return episodes


@api.get("/episodes/{episode_id}", response=EpisodeOut, tags=["episodes"])
def episode_detail(request: HttpRequest, episode_id: RecordId) -> Any:
    return get_object_or_404(access.visible_episodes(token_user(request)), pk=episode_id)


@api.get("/episodes/{episode_id}/care-team", response=list[CareTeamMemberOut], tags=["episodes"])
@paginate(Pagination)
def care_team(request: HttpRequest, episode_id: RecordId) -> QuerySet[Any]:
    episode = get_object_or_404(access.visible_episodes(token_user(request)), pk=episode_id)
    return CareTeamMember.objects.filter(episode=episode).select_related("member").order_by("pk")


# Sessions and responses ----------------------------------------------------------------------


@api.get("/sessions", response=list[SessionOut], tags=["sessions"])
@paginate(Pagination)
def session_list(request: HttpRequest, filters: Query[EpisodeFilter]) -> QuerySet[Any]:
    sessions = access.visible_sessions(token_user(request)).order_by("episode_id", "number")
    if filters.episode is not None:
        sessions = sessions.filter(episode_id=filters.episode)
    return sessions


@api.get("/sessions/{session_id}", response=SessionOut, tags=["sessions"])
def session_detail(request: HttpRequest, session_id: RecordId) -> Any:
    return get_object_or_404(access.visible_sessions(token_user(request)), pk=session_id)


class ResponseFilter(Schema):
    episode: RecordId | None = None
    session: RecordId | None = None
    instrument: str | None = None


@api.get("/responses", response=list[ResponseOut], tags=["responses"])
@paginate(Pagination)
def response_list(request: HttpRequest, filters: Query[ResponseFilter]) -> QuerySet[Any]:
    responses = access.visible_responses(token_user(request)).order_by("pk")
    if filters.episode is not None:
        responses = responses.filter(session__episode_id=filters.episode)
    if filters.session is not None:
        responses = responses.filter(session_id=filters.session)
    if filters.instrument is not None:
        responses = responses.filter(instrument=filters.instrument)
    return responses


@api.get("/responses/{response_id}", response=ResponseOut, tags=["responses"])
def response_detail(request: HttpRequest, response_id: RecordId) -> Any:
    return get_object_or_404(access.visible_responses(token_user(request)), pk=response_id)


_KEY_CONFLICT = {
    "409": {
        "description": "The idempotency_key is already used for another record (nothing about "
        "that record is said): send a new key.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Invalid"}}},
    }
}


@api.post(
    "/responses",
    response={201: ResponseOut},
    tags=["responses"],
    openapi_extra={"responses": _KEY_CONFLICT},
)
def response_create(request: HttpRequest, payload: ResponseIn) -> Status[Any]:
    """Record a response, scored like any other, then refresh the episode's alerts. Staff
    ratings (clinician, team member) are recorded as the token's user."""
    user = _writer(request)
    session = get_object_or_404(
        access.visible_sessions(user).select_related("episode__client"), pk=payload.session
    )
    if not access.is_on_care_team(user, session.episode):
        raise HttpError(403, NOT_ON_CARE_TEAM)
    if session.status == SessionStatus.CANCELLED:
        # As FHIR (Encounter cancelled): answers belong to a session that took place.
        raise ValidationError(
            {
                "session": _(
                    "Session %(id)s was cancelled; answers are recorded for a session that took "
                    "place (record it as attended on the session page first)."
                )
                % {"id": session.pk}
            }
        )
    response = rating_record(
        session=session,
        instrument_code=payload.instrument,
        values=payload.items,
        rater=payload.rater,
        method=Method.IMPORT,
        idempotency_key=payload.idempotency_key,
        rater_user=user if payload.rater in STAFF_RATERS else None,
        recorded_by=user,
        answered_at=payload.answered_at,
    )
    return Status(201, response)


# Alerts --------------------------------------------------------------------------------------


class AlertFilter(Schema):
    episode: RecordId | None = None
    open: bool | None = None


@api.get("/alerts", response=list[AlertOut], tags=["alerts"])
@paginate(Pagination)
def alert_list(request: HttpRequest, filters: Query[AlertFilter]) -> QuerySet[Any]:
    alerts = access.visible_alerts(token_user(request)).order_by("priority", "pk")
    if filters.episode is not None:
        alerts = alerts.filter(episode_id=filters.episode)
    if filters.open is not None:
        open_ = alerts.filter(state=AlertState.OPEN)
        alerts = open_ if filters.open else alerts.exclude(state=AlertState.OPEN)
    return alerts


@api.get("/alerts/{alert_id}", response=AlertOut, tags=["alerts"])
def alert_detail(request: HttpRequest, alert_id: RecordId) -> Any:
    return get_object_or_404(access.visible_alerts(token_user(request)), pk=alert_id)


@api.post("/alerts/{alert_id}/acknowledge", response=AlertOut, tags=["alerts"])
def alert_acknowledge_endpoint(
    request: HttpRequest, alert_id: RecordId, payload: AcknowledgementIn
) -> Any:
    """Mark the alert as discussed; acknowledging twice keeps the first acknowledgement."""
    user = _writer(request)
    alert = get_object_or_404(
        access.visible_alerts(user).prefetch_related("episode__care_team"), pk=alert_id
    )
    if not access.may_close_alert(user, alert):
        raise HttpError(403, NOT_CLOSING)
    try:
        return alert_acknowledge(alert=alert, by=user, note=payload.note)
    except AlertWithdrawn:
        # Withdrawn by a rating that arrived after the lookup: gone, as for any other caller.
        raise Http404 from None


# Alliance work -------------------------------------------------------------------------------


def _in_visible_episodes(
    request: HttpRequest, records: QuerySet[Any], path: str, episode: int | None
) -> QuerySet[Any]:
    scoped = records.filter(**{f"{path}__in": access.visible_episodes(token_user(request))})
    if episode is not None:
        scoped = scoped.filter(**{f"{path}_id": episode})
    return scoped.order_by("pk")


@api.get("/goals", response=list[GoalOut], tags=["alliance work"])
@paginate(Pagination)
def goal_list(request: HttpRequest, filters: Query[EpisodeFilter]) -> QuerySet[Any]:
    return _in_visible_episodes(request, Goal.objects.all(), "episode", filters.episode)


@api.get("/tasks", response=list[TaskOut], tags=["alliance work"])
@paginate(Pagination)
def task_list(request: HttpRequest, filters: Query[EpisodeFilter]) -> QuerySet[Any]:
    return _in_visible_episodes(request, Task.objects.all(), "episode", filters.episode)


@api.get("/ruptures", response=list[RuptureOut], tags=["alliance work"])
@paginate(Pagination)
def rupture_list(request: HttpRequest, filters: Query[EpisodeFilter]) -> QuerySet[Any]:
    return _in_visible_episodes(request, Rupture.objects.all(), "session__episode", filters.episode)


class GoalIn(In):
    episode: RecordId
    text: str
    agreed: bool = False
    session: RecordId | None = None


class TaskIn(In):
    session: RecordId
    what: str
    client_agreed: bool
    goal: RecordId | None = None
    rationale: str = ""


class RuptureIn(In):
    session: RecordId
    markers: list[MarkerIn]
    noticed_by: NoticedByIn
    strategies: list[StrategyIn] = []
    resolution: ResolutionIn
    note: str = ""


def _visible_session(user: User, session_id: int | None) -> Any:
    if session_id is None:
        return None
    return get_object_or_404(access.visible_sessions(user), pk=session_id)


@api.post("/goals", response={201: GoalOut}, tags=["alliance work"])
def goal_create(request: HttpRequest, payload: GoalIn) -> Status[Any]:
    """Record a goal in the client's own words (at most three active at once)."""
    user = _writer(request)
    episode = get_object_or_404(access.visible_episodes(user), pk=payload.episode)
    goal = care.goal_add(
        episode=episode,
        text=payload.text,
        agreed=payload.agreed,
        by=user,
        session=_visible_session(user, payload.session),
    )
    return Status(201, goal)


@api.post("/tasks", response={201: TaskOut}, tags=["alliance work"])
def task_create(request: HttpRequest, payload: TaskIn) -> Status[Any]:
    """Record a task agreed in a session, optionally serving one of the episode's active goals."""
    user = _writer(request)
    session = _visible_session(user, payload.session)
    goal = None
    if payload.goal is not None:
        goal = Goal.objects.filter(
            episode_id=session.episode_id, status=GoalStatus.ACTIVE, pk=payload.goal
        ).first()
        if goal is None:
            raise ValidationError({"goal": _("Choose one of this client's active goals, or none.")})
    task = care.task_agree(
        session=session,
        what=payload.what,
        client_agreed=payload.client_agreed,
        by=user,
        goal=goal,
        rationale=payload.rationale,
    )
    return Status(201, task)


@api.post("/ruptures", response={201: RuptureOut}, tags=["alliance work"])
def rupture_create(request: HttpRequest, payload: RuptureIn) -> Status[Any]:
    """Record a rupture: its 3RS markers, who noticed, repair strategies and resolution."""
    user = _writer(request)
    rupture = care.rupture_record(
        session=_visible_session(user, payload.session),
        markers=payload.markers,
        noticed_by=payload.noticed_by,
        strategies=payload.strategies,
        resolution=payload.resolution,
        by=user,
        note=payload.note,
    )
    return Status(201, rupture)


# The client's words and preferences (issue 19): alliance/api/voice.py.
_register_voice(api)
# Appointments (issue 11): their own module, on this API, registered after the endpoints above.
api.add_router("", appointments_router)
# An episode's series (alliance.api.series), the one the alerts, charts and reports read.
api.add_router("", series_router)
# Intake and episodes (issue 11): their endpoints register on ``api`` in their own module.
from alliance.api import rest_episodes  # noqa: E402, F401
