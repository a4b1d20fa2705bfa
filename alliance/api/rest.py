"""The REST API at /api/v1/ (django-ninja). Every read starts from ``alliance.access``; every
write goes through the same services as the pages. See docs/api.md."""

import uuid
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from functools import wraps
from typing import Annotated, Any, Literal

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import PaginationBase, paginate
from ninja.parser import Parser
from ninja.security import HttpBearer
from pydantic import AwareDatetime, ConfigDict, WithJsonSchema

from alliance import access
from alliance.accounts.models import User
from alliance.api.limits import BodyRefused, declared_length_check, read_json, too_large
from alliance.api.models import ApiToken
from alliance.api.series import router as series_router
from alliance.api.services import token_authenticate
from alliance.care import services as care
from alliance.care.models import (
    AgeGroup,
    CareRole,
    CareTeamMember,
    Ending,
    Goal,
    GoalStatus,
    NoticedBy,
    Resolution,
    Rupture,
    SessionStatus,
    Setting,
    Task,
    TaskOutcome,
)
from alliance.feedback.models import AlertState, Severity
from alliance.feedback.ratings import rating_record
from alliance.feedback.services import AlertWithdrawn, alert_acknowledge
from alliance.measures.models import STAFF_RATERS, Method, Rater
from alliance.measures.services import SubmissionKeyConflict
from alliance.science.ruptures import MARKERS, STRATEGIES
from alliance.web import token_user

# The 3RS rupture markers and repair strategies, as enums in the schema.
Marker = Enum("Marker", {code: code for code in MARKERS}, type=str)  # type: ignore[misc]
Strategy = Enum("Strategy", {code: code for code in STRATEGIES}, type=str)  # type: ignore[misc]


def one_of(choices: type[Enum]) -> Any:
    """A text field of a request body, declared as an enum in the schema. The service checks
    it, so a wrong value is refused with the service's message naming the field and the
    allowed values (``loc: ["body", field]``), like every other refusal."""
    values = [member.value for member in choices]
    return Annotated[str, WithJsonSchema({"type": "string", "enum": values})]


RaterIn = one_of(Rater)
MarkerIn, StrategyIn = one_of(Marker), one_of(Strategy)
NoticedByIn, ResolutionIn = one_of(NoticedBy), one_of(Resolution)

MAX_LIMIT = 100
# Ids and offsets fit a database integer, so an absurd number is a 422, not a server error.
DB_INT_MAX = 2_147_483_647
RecordId = Annotated[int, Field(ge=1, le=DB_INT_MAX)]


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return token_authenticate(token)


_ERROR = {
    "type": "object",
    "title": "Error",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_INVALID = {
    "type": "object",
    "title": "Invalid",
    "properties": {
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "title": "Problem",
                "properties": {
                    # Every array says what it holds: a generated client (openapi-python-client)
                    # drops a schema with an untyped array, and with it every 422 model.
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["loc", "msg"],
            },
        }
    },
    "required": ["detail"],
}
_ERRORS = {
    "401": ("No token, a made-up one or a revoked one.", "Error"),
    "403": ("A write with a read-only token, or one these rules refuse.", "Error"),
    "404": ("No such record, or one you may not see (they look the same).", "Error"),
    "422": ("Bad input: each problem names its field (loc) and says why (msg).", "Invalid"),
}

_BODY_ERRORS = {
    "400": ("The body is not JSON, nests too deeply or has a number too long.", "Error"),
    "413": ("The body is larger than the server takes (docs/api.md, Limits).", "Error"),
}


class AllianceApi(NinjaAPI):
    """Its schema also documents the error answers every operation may give, so a client (and
    the schemathesis test) knows each status and body it can meet."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components |= {"Error": _ERROR, "Invalid": _INVALID}
        for operations in schema["paths"].values():
            for operation in operations.values():
                errors = _ERRORS | (_BODY_ERRORS if "requestBody" in operation else {})
                for status, (description, name) in sorted(errors.items()):
                    operation["responses"].setdefault(
                        status,
                        {
                            "description": description,
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": f"#/components/schemas/{name}"}
                                }
                            },
                        },
                    )
        return schema


class LimitedParser(Parser):
    """JSON bodies within the documented limits (``alliance.api.limits``): too large is 413,
    nested too deeply or a number too long is 400, each with a plain ``detail``."""

    def parse_body(self, request: HttpRequest) -> Any:
        return read_json(request)


api = AllianceApi(
    title="Alliance API",
    version="1",
    urls_namespace="api",
    docs_url=None,
    auth=TokenAuth(),
    parser=LimitedParser(),
    description="Clients, episodes, sessions, responses and feedback, scoped as on the pages.",
)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    # django-ninja turns any failure of the parser into "400 Cannot parse request body"; a
    # refused body keeps its own status (413) and says what was wrong.
    refused = error.__cause__
    if isinstance(refused, BodyRefused):
        return api.create_response(request, {"detail": str(refused)}, status=refused.status)
    return api.create_response(request, {"detail": str(error)}, status=error.status_code)


def _declared_length_within_limit(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Before django-ninja reads the body: one that says it is over the limit is refused
    unread."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            declared_length_check(request)
        except BodyRefused as refused:
            return api.create_response(request, {"detail": str(refused)}, status=refused.status)
        return view(request, *args, **kwargs)

    return checked


api.add_decorator(_declared_length_within_limit, mode="view")


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
    # Over Django's own ceiling (DATA_UPLOAD_MAX_MEMORY_SIZE), met before the parser runs.
    refused = too_large()
    return api.create_response(request, {"detail": str(refused)}, status=refused.status)


class Pagination(PaginationBase):
    """limit/offset, at most ``MAX_LIMIT`` records a page; ``count`` is the total."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=DB_INT_MAX)

    class Output(Schema):
        items: list[Any]
        count: int

    items_attribute = "items"

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        end = pagination.offset + pagination.limit
        return {"items": list(queryset[pagination.offset : end]), "count": queryset.count()}


@api.exception_handler(SubmissionKeyConflict)
def _key_conflict(request: HttpRequest, error: SubmissionKeyConflict) -> HttpResponse:
    # Names the field only: nothing about the record the key belongs to.
    detail = [
        {"loc": ["body", error.field], "msg": " ".join(messages), "type": "conflict"}
        for messages in error.message_dict.values()
    ]
    return api.create_response(request, {"detail": detail}, status=409)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    fields = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    detail = [
        {"loc": ["body", field], "msg": " ".join(messages), "type": "value_error"}
        for field, messages in fields.items()
    ]
    return api.create_response(request, {"detail": detail}, status=422)


NOT_CLOSING = "Only the client's care team acknowledges this alert; you may read it."
NOT_ON_CARE_TEAM = (
    "Only the client's care team records a session's answers; you may read this session."
)


def _writer(request: HttpRequest) -> User:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    if not token.can_write:
        raise HttpError(403, "This token may only read.")
    user: User = token.user
    return user


# Schemas -------------------------------------------------------------------------------------


class In(Schema):
    """A request body: a field it does not declare is refused (422), never silently ignored."""

    model_config = ConfigDict(extra="forbid")


# A blank ending (an open episode) is the empty string.
EndingOrBlank = Ending | Literal[""]


class ClientOut(Schema):
    id: int
    code: str
    display_name: str
    age_group: AgeGroup
    birth_year: int | None


class EpisodeOut(Schema):
    id: int
    client_id: int
    team_id: int
    setting: Setting
    started_on: date
    ended_on: date | None
    ending: EndingOrBlank
    outcome_measure: str
    alliance_measure: str


class CareTeamMemberOut(Schema):
    member_id: int
    name: str
    role: CareRole
    joined_on: date | None

    @staticmethod
    def resolve_name(obj: CareTeamMember) -> str:
        return str(obj.member)


class SessionOut(Schema):
    id: int
    episode_id: int
    number: int | None  # none for a cancelled or withdrawn session (issue 11)
    starts_at: datetime
    status: SessionStatus


class ResponseOut(Schema):
    id: int
    session_id: int
    instrument: str
    rater: Rater
    method: Method
    items: dict[str, float | None]
    total: float
    subscales: dict[str, float]
    band: str
    risk_items: list[str]
    prorated: bool
    answered_at: datetime
    version: int


# An answer is a JSON number (or null for a missing one): never a boolean or a string ("5").
Answer = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class ResponseIn(In):
    session: RecordId
    instrument: str
    items: dict[str, Answer | None]
    rater: RaterIn = Rater.CLIENT.value
    idempotency_key: uuid.UUID | None = None
    # With its offset (2026-01-05T10:30:00+01:00): a time without one is ambiguous.
    answered_at: AwareDatetime | None = None


class AlertOut(Schema):
    id: int
    episode_id: int
    session_id: int
    rule: str
    severity: Severity
    evidence: dict[str, Any]
    advice: str
    pathway: str
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by_id: int | None
    acknowledgement_note: str
    measure: str
    state: AlertState
    since_session: int | None
    closed_by_session: int | None


class AcknowledgementIn(In):
    note: str = Field("", max_length=1000)


class GoalOut(Schema):
    id: int
    episode_id: int
    text: str
    agreed: bool
    status: GoalStatus
    version: int
    replaces_id: int | None
    created_at: datetime


class TaskOut(Schema):
    id: int
    episode_id: int
    agreed_in_id: int
    goal_id: int | None
    what: str
    rationale: str
    client_agreed: bool
    outcome: TaskOutcome
    reviewed_in_id: int | None
    review_note: str


class RuptureOut(Schema):
    id: int
    session_id: int
    markers: list[Marker]
    noticed_by: NoticedBy
    strategies: list[Strategy]
    resolution: Resolution
    note: str
    recorded_at: datetime


class EpisodeFilter(Schema):
    episode: RecordId | None = None


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


# The client's words and preferences (issue 19): alliance/voice/api.py.
from alliance.voice.api import register as _register_voice  # noqa: E402

_register_voice(api)
# Appointments (issue 11): their own module, on this API; imported last, as it uses the above.
from alliance.api.appointments import router as appointments_router  # noqa: E402

api.add_router("", appointments_router)
# An episode's series (alliance.api.series), the one the alerts, charts and reports read.
api.add_router("", series_router)
# Intake and episodes (issue 11): their endpoints register on ``api`` in their own module.
from alliance.api import rest_episodes  # noqa: E402, F401
