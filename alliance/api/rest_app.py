"""The REST API's frame (django-ninja): the ``api`` object, bearer-token authentication, the
body parser with its size limit, the error answers (each names the field and what is allowed),
pagination and who may write. The endpoints are in :mod:`alliance.api.rest` and beside it."""

from collections.abc import Callable
from enum import Enum
from functools import wraps
from typing import Annotated, Any

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.pagination import PaginationBase
from ninja.parser import Parser
from ninja.security import HttpBearer
from pydantic import WithJsonSchema

from alliance.accounts.models import User
from alliance.api.auth import token_language_use
from alliance.api.limits import BodyRefused, declared_length_check, read_json, too_large
from alliance.api.models import ApiToken
from alliance.api.services import token_authenticate
from alliance.care.models import (
    NoticedBy,
    Resolution,
)
from alliance.measures.models import Rater
from alliance.measures.services import SubmissionKeyConflict
from alliance.science.ruptures import MARKERS, STRATEGIES

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
        found = token_authenticate(token)
        if found is not None:
            token_language_use(request, found)
        return found


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
