"""FHIR R4 REST: ``metadata``, read and search, and a ``QuestionnaireResponse`` POST from an EHR.

Reads start from ``alliance.access`` like every page; the POST is scored by
``measures.services.response_record`` and refreshes the alerts like any other response. Errors
come back as an ``OperationOutcome``.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.log import log_response
from django.views.decorators.csrf import csrf_exempt

from alliance import access
from alliance.accounts.models import User
from alliance.api.auth import token_of
from alliance.api.fhir import episodes as fhir_episodes
from alliance.api.fhir import resources
from alliance.api.fhir.capability import capability_statement
from alliance.api.fhir.intake import IntakeError, questionnaire_response_record
from alliance.api.limits import BodyRefused, read_json
from alliance.api.models import ApiToken
from alliance.measures import catalogue
from alliance.measures.models import Response

FHIR_JSON = "application/fhir+json"
MAX_COUNT = 100
DB_INT_MAX = resources.DB_INT_MAX
DEFAULT_COUNT = 50


class FhirError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        diagnostics: str,
        expression: str | None = None,
        *,
        allow: str | None = None,
    ):
        super().__init__(diagnostics)
        self.status, self.code, self.expression, self.allow = status, code, expression, allow


def fhir_response(body: dict[str, Any], status: int = 200, **headers: str) -> HttpResponse:
    answer = JsonResponse(body, status=status, content_type=FHIR_JSON)
    for name, value in headers.items():
        answer[name.replace("_", "-")] = value
    return answer


def _outcome(error: FhirError) -> HttpResponse:
    body = resources.operation_outcome(error.code, str(error), error.expression)
    headers = {"WWW_Authenticate": 'Bearer realm="fhir"'} if error.status == 401 else {}
    if error.allow:
        headers["Allow"] = error.allow
    return fhir_response(body, status=error.status, **headers)


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("metadata")


def _token(request: HttpRequest) -> ApiToken:
    token = token_of(request)
    if token is None:
        raise FhirError(401, "login", "Send a valid API token: Authorization: Bearer <token>.")
    return token


def _fhir_view(
    *methods: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Every answer under /fhir/ is FHIR JSON: a method the route does not take (405), a
    refusal, and an unexpected failure (500, logged like any server error) each come back as an
    ``OperationOutcome``. Writes run in their own transactions, so a failure has written
    nothing by the time it is caught here."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    allowed = ", ".join(methods)
                    raise FhirError(
                        405,
                        "not-supported",
                        f"{request.method} is not supported here; use {allowed}.",
                        allow=allowed,
                    )
                return view(request, *args, **kwargs)
            except FhirError as error:
                return _outcome(error)
            except Exception as error:
                failed = _outcome(
                    FhirError(500, "exception", "The server failed; the error has been logged.")
                )
                log_response(
                    "Internal Server Error: %s",
                    request.path,
                    response=failed,
                    request=request,
                    exception=error,
                )
                return failed

        return wrapped

    return decorate


@_fhir_view("GET")
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement; public, as FHIR clients fetch it before they authenticate."""
    return fhir_response(capability_statement(base_url(request)))


# Searching -----------------------------------------------------------------------------------


def _reference_id(value: str, resource_type: str, parameter: str) -> int:
    """``12``, ``Patient/12`` or ``http://.../Patient/12`` as the id 12."""
    kind, _, raw = value.rpartition("/")
    if (kind and not kind.endswith(resource_type)) or not _is_id(raw):
        raise FhirError(400, "invalid", f"{parameter}: expected a {resource_type} id.", parameter)
    return int(raw)


def _is_id(raw: str) -> bool:
    """A whole number that fits a database integer (a longer one would be a server error, and
    one of thousands of digits cannot even be converted)."""
    return (
        raw.isascii()
        and raw.isdigit()
        and len(raw) <= len(str(DB_INT_MAX))
        and 0 < int(raw) <= DB_INT_MAX
    )


def _instruments_for_codes(value: str) -> list[str]:
    """Instrument codes whose total matches any of ``system|code``, ``|code`` or ``code``."""
    wanted: list[tuple[str | None, str]] = []
    for token in value.split(","):
        system, bar, code = token.rpartition("|")
        wanted.append((system if bar else None, code))
    found = []
    for code, instrument in catalogue.instruments().items():
        coding = resources.total_coding(instrument)
        for wanted_system, wanted_code in wanted:
            if wanted_code == coding["code"] and wanted_system in (None, "", coding["system"]):
                found.append(code)
    return found


def _page(request: HttpRequest) -> tuple[int, int]:
    try:
        count = int(request.GET.get("_count", DEFAULT_COUNT))
        offset = int(request.GET.get("_offset", 0))
    except ValueError:
        raise FhirError(400, "invalid", "_count and _offset must be whole numbers.") from None
    if not 1 <= count <= MAX_COUNT or not 0 <= offset <= DB_INT_MAX:
        raise FhirError(
            400, "invalid", f"_count must be 1 to {MAX_COUNT} and _offset 0 or more.", "_count"
        )
    return count, offset


def _search_bundle(
    request: HttpRequest, records: QuerySet[Any], build: Callable[[Any], dict[str, Any]]
) -> HttpResponse:
    count, offset = _page(request)
    total = records.count()
    page = [build(record) for record in records[offset : offset + count]]
    base = base_url(request)
    path = request.build_absolute_uri(request.path)
    params = {key: value for key, value in request.GET.items() if key != "_offset"}
    next_url = None
    if offset + count < total:
        next_url = f"{path}?{urlencode(params | {'_offset': offset + count})}"
    self_url = request.build_absolute_uri()
    return fhir_response(
        resources.searchset(page, total=total, base=base, self_url=self_url, next_url=next_url)
    )


def _patient_filter(request: HttpRequest, records: QuerySet[Any], path: str) -> QuerySet[Any]:
    for parameter in ("patient", "subject"):
        if parameter in request.GET:
            client = _reference_id(request.GET[parameter], "Patient", parameter)
            records = records.filter(**{path: client})
    return records


def _responses(user: User) -> QuerySet[Response]:
    return access.visible_responses(user).select_related("session__episode").order_by("pk")


def _response_search(request: HttpRequest, user: User) -> QuerySet[Response]:
    records = _patient_filter(request, _responses(user), "session__episode__client_id")
    if "encounter" in request.GET:
        session = _reference_id(request.GET["encounter"], "Encounter", "encounter")
        records = records.filter(session_id=session)
    return records


def _search(request: HttpRequest, resource_type: str, user: User) -> HttpResponse:
    base = base_url(request)
    if resource_type == "Patient":
        clients = access.visible_clients(user).order_by("pk")
        if "_id" in request.GET:
            clients = clients.filter(pk=_reference_id(request.GET["_id"], "Patient", "_id"))
        if "identifier" in request.GET:
            clients = clients.filter(code=request.GET["identifier"].rpartition("|")[2])
        return _search_bundle(request, clients, resources.patient)
    if resource_type == "Encounter":
        sessions = access.visible_sessions(user).select_related("episode").order_by("pk")
        sessions = _patient_filter(request, sessions, "episode__client_id")
        return _search_bundle(request, sessions, resources.encounter)
    if resource_type == "EpisodeOfCare":
        return _episode_search(request, user)
    if resource_type == "Questionnaire":
        return _questionnaire_search(request)
    if resource_type == "QuestionnaireResponse":
        records = _response_search(request, user)
        if "questionnaire" in request.GET:
            code = request.GET["questionnaire"].rstrip("/").rsplit("/", 1)[-1]
            records = records.filter(instrument=code)
        return _search_bundle(request, records, lambda r: _qr(r, base))
    if resource_type == "Observation":
        records = _response_search(request, user)
        if "code" in request.GET:
            records = records.filter(instrument__in=_instruments_for_codes(request.GET["code"]))
        return _search_bundle(request, records, _observation)
    raise FhirError(404, "not-supported", f"{resource_type} is not served here.")


def _episode_search(request: HttpRequest, user: User) -> HttpResponse:
    records = _patient_filter(request, fhir_episodes.visible(user), "client_id")
    if "status" in request.GET:
        found = fhir_episodes.status_filter(records, request.GET["status"])
        if found is None:
            allowed = ", ".join(fhir_episodes.STATUSES)
            raise FhirError(400, "invalid", f"status: expected one of {allowed}.", "status")
        records = found
    return _search_bundle(request, records, fhir_episodes.episode_of_care)


def _questionnaire_search(request: HttpRequest) -> HttpResponse:
    base = base_url(request)
    found = [
        resources.questionnaire(instrument, base=base)
        for code, instrument in sorted(catalogue.instruments().items())
        if request.GET.get("_id", code) == code
    ]
    self_url = request.build_absolute_uri()
    return fhir_response(
        resources.searchset(found, total=len(found), base=base, self_url=self_url, next_url=None)
    )


def _qr(response: Response, base: str) -> dict[str, Any]:
    instrument = catalogue.instruments()[response.instrument]
    return resources.questionnaire_response(response, instrument, base=base)


def _observation(response: Response) -> dict[str, Any]:
    return resources.observation(response, catalogue.instruments()[response.instrument])


# Reading -------------------------------------------------------------------------------------


def _read(request: HttpRequest, resource_type: str, resource_id: str, user: User) -> dict[str, Any]:
    base = base_url(request)
    if resource_type == "Questionnaire":
        instrument = catalogue.instruments().get(resource_id)
        if instrument is None:
            raise FhirError(404, "not-found", f"Questionnaire/{resource_id} is not known.")
        return resources.questionnaire(instrument, base=base)
    served = {"Patient", "Encounter", "QuestionnaireResponse", "Observation", "EpisodeOfCare"}
    if resource_type not in served:
        raise FhirError(404, "not-supported", f"{resource_type} is not served here.")
    missing = FhirError(404, "not-found", f"{resource_type}/{resource_id} is not known.")
    if not _is_id(resource_id):
        raise missing
    pk = int(resource_id)
    if resource_type == "Patient":
        client = access.visible_clients(user).filter(pk=pk).first()
        if client is None:
            raise missing
        return resources.patient(client)
    if resource_type == "EpisodeOfCare":
        episode = fhir_episodes.visible(user).filter(pk=pk).first()
        if episode is None:
            raise missing
        return fhir_episodes.episode_of_care(episode)
    if resource_type == "Encounter":
        session = access.visible_sessions(user).select_related("episode").filter(pk=pk).first()
        if session is None:
            raise missing
        return resources.encounter(session)
    response = _responses(user).filter(pk=pk).first()
    if response is None:
        raise missing
    return (
        _qr(response, base) if resource_type == "QuestionnaireResponse" else _observation(response)
    )


@csrf_exempt
@_fhir_view("GET", "POST")
def resource_type(request: HttpRequest, resource_type: str) -> HttpResponse:
    """Search with GET; POST accepts a ``QuestionnaireResponse`` only."""
    token = _token(request)
    if request.method == "GET":
        return _search(request, resource_type, token.user)
    if resource_type != "QuestionnaireResponse":
        raise FhirError(405, "not-supported", f"Creating a {resource_type} is not supported.")
    if not token.can_write:
        raise FhirError(403, "forbidden", "This token may only read.")
    try:
        body = read_json(request)
    except BodyRefused as refused:  # too large (413), too deep, a number too long (400)
        raise FhirError(refused.status, refused.code, str(refused)) from None
    try:
        response = questionnaire_response_record(body, user=token.user)
    except IntakeError as error:
        raise FhirError(error.status, error.code, str(error), error.expression) from None
    created = _qr(response, base_url(request))
    location = f"{base_url(request)}QuestionnaireResponse/{response.pk}"
    return fhir_response(created, status=201, Location=location)


@csrf_exempt
@_fhir_view("GET")
def resource(request: HttpRequest, resource_type: str, resource_id: str) -> HttpResponse:
    token = _token(request)
    return fhir_response(_read(request, resource_type, resource_id, token.user))


@csrf_exempt
@_fhir_view("GET", "POST", "PUT", "PATCH", "DELETE")
def unknown(request: HttpRequest, path: str) -> HttpResponse:
    """Any other path under /fhir/ (``_history``, operations, the bare base): served nowhere."""
    raise FhirError(404, "not-supported", f"/fhir/{path} is not served here; see /fhir/metadata.")
