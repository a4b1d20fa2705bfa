"""The client's words and preferences in the REST API (/api/v1/), registered on the API by
``alliance.api.rest`` (``register``). Free text is read by the episode's care team only
(``alliance.access.client_words_sessions``); scores by whoever sees the episode."""

from datetime import datetime
from typing import Annotated, Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import ConfigDict

from alliance import access
from alliance.accounts.models import User
from alliance.api.rest_app import Pagination, _writer
from alliance.science.preferences import ceq_scores, cnip_scales
from alliance.voice import services
from alliance.voice.models import AgendaItem, AllianceComment, ClientHopes
from alliance.web import token_user

RecordId = Annotated[int, Field(ge=1, le=2_147_483_647)]
Words = Annotated[str, Field(max_length=5000)]


class AgendaItemOut(Schema):
    id: int
    session_id: int
    response_id: int | None
    position: int
    text: str
    covered_at: datetime | None


class AllianceCommentOut(Schema):
    id: int
    session_id: int
    response_id: int
    text: str
    created_at: datetime


class ClientHopesOut(Schema):
    id: int
    episode_id: int
    response_id: int | None
    hopes: str
    theory_of_change: str
    created_at: datetime


class ScaleOut(Schema):
    code: str
    score: float
    minimum: float
    maximum: float
    strong: str | None
    pole: str | None


class PreferencesOut(Schema):
    episode_id: int
    cnip_response_id: int | None
    scales: list[ScaleOut]
    strong_preferences: list[str]
    ceq_response_id: int | None
    credibility: float | None
    expectancy: float | None


class WordsFilter(Schema):
    episode: RecordId | None = None
    session: RecordId | None = None


class WordsIn(Schema):
    model_config = ConfigDict(extra="forbid")  # an undeclared field is refused (422)

    agenda: Annotated[list[Words], Field(max_length=3)] = []
    comment: Words = ""
    hopes: Words = ""
    theory_of_change: Words = ""


def _filtered(records: QuerySet[Any], filters: WordsFilter, session_path: str) -> QuerySet[Any]:
    if filters.episode is not None:
        records = records.filter(**{f"{session_path}episode_id": filters.episode})
    if filters.session is not None and session_path:
        records = records.filter(session_id=filters.session)
    return records


def _latest(user: User, episode_id: int, code: str) -> Any:
    return (
        access.visible_responses(user)
        .filter(session__episode_id=episode_id, instrument=code, rater="client")
        .order_by("-session__number", "-answered_at")
        .first()
    )


# The operationIds these had when this module was alliance/voice/api.py: generated clients name
# their methods by them, so the move keeps them.
OPERATION_IDS = {
    name: f"alliance_voice_api_{name}"
    for name in (
        "agenda_item_list",
        "alliance_comment_list",
        "client_hopes_list",
        "episode_preferences",
        "response_words",
    )
}


def register(api: NinjaAPI) -> None:
    """Add the client's-voice operations to the API."""

    @api.get(
        "/agenda-items",
        response=list[AgendaItemOut],
        tags=["client's voice"],
        operation_id=OPERATION_IDS["agenda_item_list"],
    )
    @paginate(Pagination)
    def agenda_item_list(request: HttpRequest, filters: Query[WordsFilter]) -> QuerySet[Any]:
        sessions = access.client_words_sessions(token_user(request))
        items = AgendaItem.objects.filter(session__in=sessions).order_by("pk")
        return _filtered(items, filters, "session__")

    @api.get(
        "/alliance-comments",
        response=list[AllianceCommentOut],
        tags=["client's voice"],
        operation_id=OPERATION_IDS["alliance_comment_list"],
    )
    @paginate(Pagination)
    def alliance_comment_list(request: HttpRequest, filters: Query[WordsFilter]) -> QuerySet[Any]:
        sessions = access.client_words_sessions(token_user(request))
        comments = AllianceComment.objects.filter(session__in=sessions).order_by("pk")
        return _filtered(comments, filters, "session__")

    @api.get(
        "/client-hopes",
        response=list[ClientHopesOut],
        tags=["client's voice"],
        operation_id=OPERATION_IDS["client_hopes_list"],
    )
    @paginate(Pagination)
    def client_hopes_list(request: HttpRequest, filters: Query[WordsFilter]) -> QuerySet[Any]:
        sessions = access.client_words_sessions(token_user(request))
        hopes = ClientHopes.objects.filter(episode__sessions__in=sessions).distinct().order_by("pk")
        return _filtered(hopes, filters, "")

    @api.get(
        "/episodes/{episode_id}/preferences",
        response=PreferencesOut,
        tags=["client's voice"],
        operation_id=OPERATION_IDS["episode_preferences"],
    )
    def episode_preferences(request: HttpRequest, episode_id: RecordId) -> Any:
        user = token_user(request)
        get_object_or_404(access.visible_episodes(user), pk=episode_id)
        cnip, ceq = _latest(user, episode_id, "cnip"), _latest(user, episode_id, "ceq")
        scales = cnip_scales(cnip.items) if cnip else ()
        scores = ceq_scores(ceq.items) if ceq else None
        return {
            "episode_id": episode_id,
            "cnip_response_id": cnip.pk if cnip else None,
            "scales": [s.__dict__ for s in scales],
            "strong_preferences": [s.pole for s in scales if s.pole],
            "ceq_response_id": ceq.pk if ceq else None,
            "credibility": scores.credibility if scores else None,
            "expectancy": scores.expectancy if scores else None,
        }

    @api.post(
        "/responses/{response_id}/words",
        response={200: dict[str, int]},
        tags=["client's voice"],
        operation_id=OPERATION_IDS["response_words"],
    )
    def response_words(request: HttpRequest, response_id: RecordId, payload: WordsIn) -> Any:
        """Store the client's words with one of their responses (stored once: a repeat keeps
        what was first stored). Care team only."""
        user = _writer(request)
        response = get_object_or_404(
            access.visible_responses(user).select_related("session__episode"), pk=response_id
        )
        if not access.is_on_care_team(user, response.session.episode):
            raise HttpError(403, "Only the client's care team records the client's words.")
        if response.rater != "client":
            raise HttpError(422, "response: the words go with one of the client's own responses.")
        words = {
            "topics": payload.agenda,
            "comment": payload.comment,
            "hopes": payload.hopes,
            "theory": payload.theory_of_change,
        }
        with transaction.atomic():
            services.words_record(response=response, words=words)
        return {
            "agenda_items": AgendaItem.objects.filter(response=response).count(),
            "comments": AllianceComment.objects.filter(response=response).count(),
            "hopes": ClientHopes.objects.filter(response=response).count(),
        }
