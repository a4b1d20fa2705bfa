"""FHIR R4 REST: ``metadata``, read and search, and a ``QuestionnaireResponse`` POST from an EHR.

Reads start from ``alliance.access`` like every page; the POST is scored by
``measures.services.response_record`` and refreshes the alerts like any other response. Errors
come back as an ``OperationOutcome``.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.log import log_response
from django.views.decorators.csrf import csrf_exempt

from alliance import access
from alliance.accounts.models import Organisation, User
from alliance.api.auth import token_of
from alliance.api.fhir import appointments as fhir_appointments
from alliance.api.fhir import episodes as fhir_episodes
from alliance.api.fhir import resources, search
from alliance.api.fhir.capability import capability_statement, served
from alliance.api.fhir.intake import questionnaire_response_record
from alliance.api.fhir.refusals import WriteRefused
from alliance.api.limits import BodyRefused, read_json
from alliance.api.models import ApiToken
from alliance.measures import catalogue
from alliance.measures.models import Response
from alliance.voice import fhir as voice_fhir

FHIR_JSON = "application/fhir+json"


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


def _instruments_for_codes(values: list[str]) -> list[str]:
    """Instrument codes whose total matches any of ``system|code``, ``|code`` or ``code``."""
    found = []
    for code, instrument in catalogue.instruments().items():
        coding = resources.total_coding(instrument)
        for system, wanted in map(search.token, values):
            if wanted == coding["code"] and system in (None, coding["system"]):
                found.append(code)
    return found


def _clients_for_identifiers(values: list[str]) -> Q:
    """Clients whose code matches any of ``system|value``, ``|value`` or ``value``: the system
    names the organisation (``resources.client_code_system``)."""
    wanted = Q(pk__in=[])
    systems = {
        resources.client_code_system(organisation): organisation.pk
        for organisation in Organisation.objects.only("pk", "name")
    }
    for system, code in map(search.token, values):
        if system is None:
            wanted |= Q(code=code)
        elif system in systems:
            wanted |= Q(code=code, organisation_id=systems[system])
    return wanted


def _questionnaire_codes(values: list[str]) -> list[str]:
    found = []
    for code, instrument in catalogue.instruments().items():
        codes = {instrument.codes.loinc_panel} | {item.loinc for item in instrument.items}
        for system, wanted in map(search.token, values):
            if wanted in codes - {None} and system in (None, resources.LOINC):
                found.append(code)
    return found


def _questionnaire_refs(values: list[str], modifier: str) -> list[str]:
    known = catalogue.instruments()
    found = []
    for value in values:
        if modifier and "/" in value:
            raise search.SearchError("questionnaire: with :Questionnaire, give the bare id.")
        canonical = value.split("|")[0]
        code = resources.instrument_code(canonical.rstrip("/").rsplit("/", 1)[-1])
        if code in known and canonical in (
            code,
            resources.questionnaire_id(code),
            f"Questionnaire/{resources.questionnaire_id(code)}",
            f"Questionnaire/{code}",
            resources.questionnaire_url(code),
        ):
            found.append(code)
    return found


# What each search parameter matches, per resource type: the record field it reads.
PATIENT_FIELD = {
    "EpisodeOfCare": "client_id",
    "Encounter": "episode__client_id",
    "Appointment": "episode__client_id",
    "QuestionnaireResponse": "session__episode__client_id",
    "Observation": "session__episode__client_id",
}
DATE_FIELD = {
    "Encounter": "starts_at",
    "Appointment": "starts_at",
    "QuestionnaireResponse": "answered_at",
    "Observation": "answered_at",
}


def _condition(kind: str, name: str, modifier: str, values: list[str]) -> Q:
    """One occurrence of a parameter as a query condition (its comma-separated values OR'd)."""
    if name == "_id":
        return Q(pk__in=[int(v) if search.is_id(v) else 0 for v in values])
    if name in ("patient", "subject", "actor"):
        ids = [search.reference_id(v, "Patient", name, modifier) for v in values]
        return Q(**{f"{PATIENT_FIELD[kind]}__in": ids})
    if name == "encounter":
        return Q(
            session_id__in=[search.reference_id(v, "Encounter", name, modifier) for v in values]
        )
    if name == "identifier":
        return _clients_for_identifiers(values)
    if name == "questionnaire":
        return Q(instrument__in=_questionnaire_refs(values, modifier))
    if name == "code":
        return Q(instrument__in=_instruments_for_codes(values))
    if name == "status" and kind == "EpisodeOfCare":
        wanted = {part for value in values for part in value.split(",")}
        unknown = wanted - set(fhir_episodes.STATUSES)
        if unknown:
            allowed = ", ".join(fhir_episodes.STATUSES)
            raise search.SearchError(f"status: {sorted(unknown)[0]} is not one of {allowed}.", name)
        either = Q(pk__in=[])
        if "active" in wanted:
            either |= Q(ended_on__isnull=True)
        if "finished" in wanted:
            either |= Q(ended_on__isnull=False)
        return either
    if name == "status" and kind == "Appointment":
        wanted = {part for value in values for part in value.split(",")}
        unknown = wanted - set(fhir_appointments.STATUS.values())
        if unknown:
            allowed = ", ".join(fhir_appointments.STATUS.values())
            raise search.SearchError(f"status: {sorted(unknown)[0]} is not one of {allowed}.", name)
        return Q(
            status__in=[ours for ours, code in fhir_appointments.STATUS.items() if code in wanted]
        )
    if name in ("date", "authored"):
        either = Q(pk__in=[])
        for value in values:
            lookups, negated = search.date_lookup(value, DATE_FIELD[kind], name)
            either |= ~Q(**lookups) if negated else Q(**lookups)
        return either
    raise search.SearchError(f"{name}: not served.", name)  # capability lists it: a bug here


def _ordered(kind: str, records: QuerySet[Any], keys: list[str]) -> QuerySet[Any]:
    order = []
    for key in keys:
        field = "pk" if key.removeprefix("-") == "_id" else DATE_FIELD[kind]
        order.append(f"-{field}" if key.startswith("-") else field)
    descending = bool(keys) and keys[-1].startswith("-")
    return records.order_by(*order, "-pk" if descending else "pk")


def _links(request: HttpRequest, asked: search.Search, total: int) -> tuple[str, str | None]:
    """The self link says what was searched (what was left out is not in it)."""
    path = request.build_absolute_uri(request.path)
    kept = [(key, value) for key, value in asked.kept if key != "_offset"]
    self_url = f"{path}?{urlencode(asked.kept)}" if asked.kept else path
    next_offset = asked.offset + asked.count
    next_url = None
    if asked.entries_wanted and next_offset < total:
        next_url = f"{path}?{urlencode([*kept, ('_offset', str(next_offset))])}"
    return self_url, next_url


def _bundle(
    request: HttpRequest, asked: search.Search, total: int, page: list[dict[str, Any]]
) -> HttpResponse:
    self_url, next_url = _links(request, asked, total)
    return fhir_response(
        resources.searchset(
            page, total=total, base=base_url(request), self_url=self_url, next_url=next_url
        )
    )


def _search_records(
    request: HttpRequest,
    kind: str,
    records: QuerySet[Any],
    build: Callable[[Any], dict[str, Any]],
) -> HttpResponse:
    asked = search.parse(request, served(kind))  # type: ignore[arg-type]
    for name, modifier, values in asked.filters:
        records = records.filter(_condition(kind, name, modifier, values))
    records = _ordered(kind, records, asked.sort)
    total = records.count()
    page = []
    if asked.entries_wanted:
        page = [build(record) for record in records[asked.offset : asked.offset + asked.count]]
    return _bundle(request, asked, total, page)


def _responses(user: User) -> QuerySet[Response]:
    return (
        access.visible_responses(user)
        .select_related("session__episode", "rater_user", "author_user")
        .order_by("pk")
    )


def _search(request: HttpRequest, resource_type: str, user: User) -> HttpResponse:
    base = base_url(request)
    if served(resource_type) is None:
        raise FhirError(404, "not-supported", f"{resource_type} is not served here.")
    try:
        if resource_type == "Questionnaire":
            return _questionnaire_search(request)
        if resource_type == "Patient":
            clients = access.visible_clients(user).select_related("organisation")
            return _search_records(request, resource_type, clients, resources.patient)
        if resource_type == "Encounter":
            sessions = access.visible_sessions(user).select_related("episode")
            return _search_records(request, resource_type, sessions, resources.encounter)
        if resource_type == "EpisodeOfCare":
            episodes = fhir_episodes.visible(user)
            return _search_records(request, resource_type, episodes, fhir_episodes.episode_of_care)
        if resource_type == "Appointment":
            booked = access.visible_sessions(user).select_related("episode")
            booked = booked.prefetch_related("attended_by")
            return _search_records(request, resource_type, booked, fhir_appointments.appointment)
        if resource_type == "QuestionnaireResponse":
            build = lambda r: _qr(r, base, user)  # noqa: E731
            return _search_records(request, resource_type, _responses(user), build)
        return _search_records(request, resource_type, _responses(user), _observation)
    except search.SearchError as error:
        raise FhirError(400, "invalid", str(error), error.expression) from None


def _questionnaire_search(request: HttpRequest) -> HttpResponse:
    base = base_url(request)
    asked = search.parse(request, served("Questionnaire"))  # type: ignore[arg-type]
    codes = sorted(catalogue.instruments())
    for name, _modifier, values in asked.filters:
        if name == "_id":
            codes = [c for c in codes if resources.questionnaire_id(c) in values or c in values]
        elif name == "url":
            urls = {value.split("|")[0] for value in values}
            codes = [c for c in codes if resources.questionnaire_url(c) in urls]
        elif name == "code":
            codes = [c for c in codes if c in _questionnaire_codes(values)]
    if any(key.removeprefix("-") == "_id" and key.startswith("-") for key in asked.sort):
        codes.reverse()
    total = len(codes)
    found = []
    if asked.entries_wanted:
        found = [
            resources.questionnaire(catalogue.instruments()[code], base=base)
            for code in codes[asked.offset : asked.offset + asked.count]
        ]
    return _bundle(request, asked, total, found)


def _qr(response: Response, base: str, user: User) -> dict[str, Any]:
    instrument = catalogue.instruments()[response.instrument]
    resource = resources.questionnaire_response(response, instrument, base=base)
    # The client's words (care team only) and the preference scores (issue 19).
    resource["item"] += voice_fhir.response_items(response, instrument, user)
    return resource


def _observation(response: Response) -> dict[str, Any]:
    return resources.observation(response, catalogue.instruments()[response.instrument])


# Reading -------------------------------------------------------------------------------------


def _read(request: HttpRequest, resource_type: str, resource_id: str, user: User) -> dict[str, Any]:
    base = base_url(request)
    if resource_type == "Questionnaire":
        instrument = catalogue.instruments().get(resources.instrument_code(resource_id))
        if instrument is None:
            raise FhirError(404, "not-found", f"Questionnaire/{resource_id} is not known.")
        return resources.questionnaire(instrument, base=base)
    if resource_type not in {
        "Patient",
        "Encounter",
        "QuestionnaireResponse",
        "Observation",
        "Appointment",
        "EpisodeOfCare",
    }:
        raise FhirError(404, "not-supported", f"{resource_type} is not served here.")
    missing = FhirError(404, "not-found", f"{resource_type}/{resource_id} is not known.")
    if not search.is_id(resource_id):
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
    if resource_type == "Appointment":
        booked = access.visible_sessions(user).select_related("episode").filter(pk=pk).first()
        if booked is None:
            raise missing
        return fhir_appointments.appointment(booked)
    response = _responses(user).filter(pk=pk).first()
    if response is None:
        raise missing
    return (
        _qr(response, base, user)
        if resource_type == "QuestionnaireResponse"
        else _observation(response)
    )


@csrf_exempt
@_fhir_view("GET", "POST")
def resource_type(request: HttpRequest, resource_type: str) -> HttpResponse:
    """Search with GET; POST accepts a ``QuestionnaireResponse`` only."""
    token = _token(request)
    if request.method == "GET":
        return _search(request, resource_type, token.user)
    if resource_type not in ("QuestionnaireResponse", "Appointment"):
        raise FhirError(405, "not-supported", f"Creating a {resource_type} is not supported.")
    if not token.can_write:
        raise FhirError(403, "forbidden", "This token may only read.")
    try:
        body = read_json(request)
    except BodyRefused as refused:  # too large (413), too deep, a number too long (400)
        raise FhirError(refused.status, refused.code, str(refused)) from None
    if resource_type == "Appointment":
        return _appointment_create(request, body, token.user)
    response = _write(lambda: questionnaire_response_record(body, user=token.user))
    created = _qr(response, base_url(request), token.user)
    location = f"{base_url(request)}QuestionnaireResponse/{response.pk}"
    return fhir_response(created, status=201, Location=location)


def _write(call: Callable[[], Any]) -> Any:
    """``call``'s result; what it refuses (``refusals.WriteRefused``) as an OperationOutcome."""
    try:
        return call()
    except WriteRefused as error:
        raise FhirError(error.status, error.code, str(error), error.expression) from None


def _appointment_create(request: HttpRequest, body: Any, user: User) -> HttpResponse:
    """Book an Appointment (issue 11); ``_confirm_overlap=true`` books over an overlap."""
    confirm = request.GET.get("_confirm_overlap") == "true"
    session = _write(
        lambda: fhir_appointments.appointment_create(body, user=user, confirm_overlap=confirm)
    )
    location = f"{base_url(request)}Appointment/{session.pk}"
    return fhir_response(fhir_appointments.appointment(session), status=201, Location=location)


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
