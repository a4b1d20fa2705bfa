"""Accepting a QuestionnaireResponse from an EHR: checked as FHIR R4, mapped onto an instrument's
items, then scored, stored and the alerts refreshed by ``feedback.ratings.rating_record``, like
any other response."""

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from fhirclient.models.fhirabstractbase import FHIRValidationError
from fhirclient.models.questionnaireresponse import QuestionnaireResponse

from alliance import access
from alliance.accounts.models import User
from alliance.api.fhir.appointments import STAFF_SYSTEM
from alliance.api.fhir.refusals import WriteRefused
from alliance.api.fhir.resources import (
    ANSWER_SYSTEM,
    DB_INT_MAX,
    LOINC,
    ORDINAL_VALUE,
    canonical_base,
)
from alliance.care.models import Session, SessionStatus
from alliance.feedback.ratings import rating_record
from alliance.measures import catalogue
from alliance.measures.models import Author, Method, Rater, Response
from alliance.measures.services import SubmissionKeyConflict
from alliance.science.instrument_schema import Instrument, Item
from alliance.science.instruments import score_response, validate_values
from alliance.voice import fhir as voice_fhir
from alliance.voice import services as voice_services

# Extensions that carry a sender's score for an answer option: R4's ordinalValue and SDC's
# itemWeight (R5's name for it, used by some form builders on R4).
ORDINAL_URLS = (ORDINAL_VALUE, "http://hl7.org/fhir/StructureDefinition/itemWeight")
# LOINC answer codes that mean the same option: LOINC's GAD-7 panel (69737-5) codes "More than
# half the days" LA18938-3 where the PHQ-9 panel (44249-1) uses LA6570-1, the code our shared
# frequency scale carries.
LOINC_ANSWER_SYNONYMS = {"LA18938-3": "LA6570-1"}


class IntakeError(WriteRefused):
    pass


def _first_problem(error: BaseException) -> tuple[str | None, str]:
    """The FHIRPath (``item[0].answer[0].valueInteger``) and words of the first problem
    fhirclient found."""
    path = ""
    while isinstance(error, FHIRValidationError):
        step = str(error.path) if error.path is not None else ""
        if step.isdigit():
            path += f"[{step}]"
        elif step:
            path += f".{step}" if path else step
        if not error.errors:
            break
        error = error.errors[0]
    return (path or None), str(error).strip().splitlines()[-1].strip()


def _check_item_depth(body: Mapping[str, Any]) -> None:
    """Items (and items inside answers) nest at most ``FHIR_MAX_ITEM_DEPTH`` deep; walked
    without recursion, before fhirclient (which recurses) reads them."""
    limit = int(settings.ALLIANCE.get("FHIR_MAX_ITEM_DEPTH", 8))
    waiting: list[tuple[Any, int]] = [(body.get("item"), 1)]
    while waiting:
        items, depth = waiting.pop()
        if not isinstance(items, list):
            continue
        if depth > limit:
            raise IntakeError(f"item: items nest more than {limit} deep.", "item")
        for item in items:
            if not isinstance(item, Mapping):
                continue
            waiting.append((item.get("item"), depth + 1))
            answers = item.get("answer")
            for answer in answers if isinstance(answers, list) else []:
                if isinstance(answer, Mapping):
                    waiting.append((answer.get("item"), depth + 1))


def _check_no_nulls(body: Mapping[str, Any]) -> None:
    """FHIR JSON has no ``null`` (a missing value is left out). fhirclient reads a ``null`` as
    absent while the body still holds it, so ``"valueInteger": null`` was a server error."""
    waiting: list[tuple[Any, str]] = [(body, "")]
    while waiting:
        value, path = waiting.pop()
        if isinstance(value, Mapping):
            children = [(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()]
        elif isinstance(value, list):
            children = [(v, f"{path}[{i}]") for i, v in enumerate(value)]
        else:
            continue
        for child, where in children:
            if child is None:
                raise IntakeError(f"{where}: null is not allowed in FHIR; leave it out.", where)
            waiting.append((child, where))


def _check_structure(body: Mapping[str, Any]) -> None:
    if not isinstance(body, Mapping) or body.get("resourceType") != "QuestionnaireResponse":
        raise IntakeError("Send a QuestionnaireResponse resource.", "resourceType")
    _check_item_depth(body)
    _check_no_nulls(body)
    try:
        QuestionnaireResponse(dict(body), strict=True)
    except FHIRValidationError as error:
        path, problem = _first_problem(error)
        where = f" at {path}" if path else ""
        raise IntakeError(
            f"Not a valid FHIR R4 QuestionnaireResponse{where}: {problem}", path
        ) from None
    if body.get("status") != "completed":
        raise IntakeError("Only a completed QuestionnaireResponse can be recorded.", "status")


def _instrument(body: Mapping[str, Any]) -> Instrument:
    reference = str(body.get("questionnaire") or "")
    code = reference.rstrip("/").rsplit("/", 1)[-1].split("|")[0]
    found = catalogue.instruments().get(code) or catalogue.instruments().get(
        code.replace("-", "_")  # the old ids wai_sr, wai_sr_t as the new wai-sr, wai-sr-t
    )
    for instrument in catalogue.instruments().values():
        if found is None and code and code == instrument.codes.loinc_panel:
            found = instrument  # a LOINC form's canonical (http://loinc.org/q/44249-1)
    if found is None:
        known = ", ".join(sorted(catalogue.instruments()))
        raise IntakeError(
            f"questionnaire: unknown Questionnaire {reference!r}; use Questionnaire/<id> with "
            f"one of {known}.",
            "questionnaire",
        )
    return found


def _reference_id(body: Mapping[str, Any], field: str, resource_type: str) -> int | None:
    reference = str((body.get(field) or {}).get("reference") or "")
    if not reference:
        return None
    kind, _, raw = reference.rpartition("/")
    if not kind.endswith(resource_type) or not (raw.isascii() and raw.isdigit()):
        raise IntakeError(f"{field}: expected a reference to {resource_type}/<id>.", field)
    if int(raw) > DB_INT_MAX:  # too big for the database: nothing has that id
        raise IntakeError(
            f"{resource_type}/{raw} is not known.", field, status=404, code="not-found"
        )
    return int(raw)


def _session(body: Mapping[str, Any], user: User) -> Session:
    session_id = _reference_id(body, "encounter", "Encounter")
    if session_id is None:
        raise IntakeError(
            "encounter: say which session (Encounter/<id>) was answered.", "encounter"
        )
    session = (
        access.visible_sessions(user)
        .select_related("episode__client")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise IntakeError(
            f"Encounter/{session_id} is not known.", "encounter", status=404, code="not-found"
        )
    if not access.is_on_care_team(user, session.episode):
        raise IntakeError(
            f"Encounter/{session_id}: only the client's care team records a session's answers.",
            "encounter",
            status=403,
            code="forbidden",
        )
    if session.status == SessionStatus.CANCELLED:
        raise IntakeError(
            f"encounter: Encounter/{session_id} was cancelled; answers are recorded for a "
            "session that took place (record it as attended on the session page first).",
            "encounter",
        )
    patient_id = _reference_id(body, "subject", "Patient")
    if patient_id is not None and patient_id != session.episode.client_id:
        raise IntakeError("subject: the Patient is not the one seen in this Encounter.", "subject")
    return session


def _flatten(items: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for item in items:
        yield item
        yield from _flatten(item.get("item") or [])
        for answer in item.get("answer") or []:
            yield from _flatten(answer.get("item") or [])


def _ordinal(element: Mapping[str, Any]) -> float | None:
    """The sender's own score for an answer (``ordinalValue``, or SDC's ``itemWeight``), if any."""
    for extension in element.get("extension") or []:
        if extension.get("url") in ORDINAL_URLS:
            for key in ("valueDecimal", "valueInteger"):
                if key in extension:
                    return float(extension[key])
    return None


def _option_for(item: Item, system: str, code: str) -> float | None:
    if system == LOINC:
        code = LOINC_ANSWER_SYNONYMS.get(code, code)
    for option in item.scale.options:
        if (system == LOINC and code == option.loinc) or (
            system == ANSWER_SYSTEM and code == f"{option.value:g}"
        ):
            return option.value
    return None


def _coded_value(item: Item, coding: Mapping[str, Any], answer: Mapping[str, Any]) -> float:
    """The answer code decides the value. A sender's ordinal that disagrees with our option is
    refused (a form builder scoring 1-4 would otherwise turn "Not at all" into "Several
    days"), and so is a code from any other code system (SNOMED's "3" is not our 3)."""
    system, code = str(coding.get("system") or ""), str(coding.get("code") or "")
    if system not in (LOINC, ANSWER_SYSTEM):
        raise IntakeError(
            f"{item.code}: answer code system {system or '(none)'!r} is not known; "
            f"use {LOINC} or {ANSWER_SYSTEM}.",
            item.code,
        )
    value = _option_for(item, system, code)
    if value is None:
        allowed = ", ".join(option.loinc or f"{option.value:g}" for option in item.scale.options)
        raise IntakeError(
            f"{item.code}: answer code {code!r} is not an option; allowed: {allowed}.", item.code
        )
    for ordinal in (_ordinal(coding), _ordinal(answer)):
        if ordinal is not None and ordinal != value:
            raise IntakeError(
                f"{item.code}: the ordinal value {ordinal:g} sent with answer {code!r} "
                f"disagrees with its score here ({value:g}); the answer code decides, so send "
                "it without an ordinal or with ours (see the Questionnaire).",
                item.code,
            )
    return value


def _value(item: Item, answer: Mapping[str, Any]) -> float:
    for key in ("valueDecimal", "valueInteger"):
        if key in answer:
            return float(answer[key])
    if "valueCoding" in answer:
        return _coded_value(item, answer["valueCoding"], answer)
    raise IntakeError(
        f"{item.code}: answer with valueCoding, valueInteger or valueDecimal.", item.code
    )


def _answers(entry: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    answers = list(entry.get("answer") or [])
    if len(answers) > 1:
        raise IntakeError(f"{name}: answered {len(answers)} times; it takes one answer.", name)
    return answers


def _keys(entry: Mapping[str, Any]) -> list[str]:
    """What an answered item may be known by: its linkId (ours, a LOINC code, or LHC-Forms'
    ``/44249-1/44250-9`` path), or its ``definition`` (``...#44250-9``, ``.../phq9_1``)."""
    keys = []
    for value in (str(entry.get("linkId") or ""), str(entry.get("definition") or "")):
        if value:
            keys += [value, value.rsplit("#", 1)[-1], value.rstrip("/").rsplit("/", 1)[-1]]
    return keys


def _total_keys(instrument: Instrument) -> set[str]:
    return {instrument.codes.loinc_total or "", f"{instrument.code}-total", "total"} - {""}


def _matched(
    entry: Mapping[str, Any], instrument: Instrument, by_key: Mapping[str, Item]
) -> Item | str | None:
    """The instrument's item an answered entry is (or ``"total"`` for a submitted total)."""
    keys = _keys(entry)
    for key in keys:
        if key in by_key:
            return by_key[key]
    if _total_keys(instrument) & set(keys):
        return "total"
    return None


def _answered(body: Mapping[str, Any], instrument: Instrument) -> tuple[dict[str, Any], Any]:
    """Each item's one answer (or ``None``) and the submitted total's answer, if any. Items are
    matched by ``linkId``, ``definition`` or LOINC code; an item given twice is refused."""
    by_key: dict[str, Item] = {}
    for item in instrument.items:
        by_key[item.code] = item
        if item.loinc:
            by_key[item.loinc] = item
    answers: dict[str, Any] = {}
    for entry in _flatten(body.get("item") or []):
        found = _matched(entry, instrument, by_key)
        name = found.code if isinstance(found, Item) else "total" if found else "item"
        given = _answers(entry, name)
        if found is None:
            if str(entry.get("linkId")) in voice_fhir.voice_link_ids():
                continue  # the client's words and the scores (alliance.voice.fhir)
            if given:
                raise IntakeError(
                    f"item: linkId {entry.get('linkId')!r} is not an item of {instrument.code}.",
                    "item",
                )
            continue
        if name in answers:
            raise IntakeError(f"{name}: the item is given twice; send each item once.", name)
        answers[name] = given[0] if given else None
    total = answers.pop("total", None)
    return answers, total


def _values(body: Mapping[str, Any], instrument: Instrument) -> dict[str, float | None]:
    answers, _total = _answered(body, instrument)
    by_code = {item.code: item for item in instrument.items}
    return {
        code: (_value(by_code[code], answer) if answer is not None else None)
        for code, answer in answers.items()
    }


def _submitted_total(answer: Mapping[str, Any]) -> float:
    for key in ("valueDecimal", "valueInteger"):
        if key in answer:
            return float(answer[key])
    if "valueQuantity" in answer and "value" in answer["valueQuantity"]:
        return float(answer["valueQuantity"]["value"])
    raise IntakeError("total: answer the total with valueInteger or valueDecimal.", "total")


def _check_total(
    body: Mapping[str, Any], instrument: Instrument, values: Mapping[str, float | None], age: str
) -> None:
    """A submitted total (LHC-Forms' 44261-6 item) is checked, never trusted: ours is stored."""
    answer = _answered(body, instrument)[1]
    if answer is None:
        return
    sent = _submitted_total(answer)
    try:
        ours = score_response(instrument, validate_values(instrument, values), age_group=age).total
    except ValueError:
        return  # the answers themselves are refused, with their own message, when stored
    if abs(sent - ours) > 1e-9:
        raise IntakeError(
            f"total: the submitted total {sent:g} is not the total of the answers ({ours:g}).",
            "total",
        )


# Who a posted source or author names: a kind (``Author``) and, for a Practitioner, the user.
Party = tuple[str, User | None]


def _reference_kind(given: Mapping[str, Any]) -> str:
    kind = str(given.get("type") or str(given.get("reference") or "").rpartition("/")[0])
    return kind.rsplit("/", 1)[-1]


def _whole(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) <= DB_INT_MAX else None


def _staff_lookup(given: Mapping[str, Any], field: str) -> dict[str, Any] | None:
    """How to find the member of staff a Practitioner reference names: ``Practitioner/<id>``,
    the user name under ``<base>identifier/user`` (as we name staff on a QuestionnaireResponse)
    or the id under ``urn:alliance:staff`` (as on an Appointment). ``None``: it names nobody,
    only a type and a display."""
    reference = str(given.get("reference") or "")
    identifier = given.get("identifier") or {}
    if reference:
        kind, _, raw = reference.rpartition("/")
        pk = _whole(raw)
        if kind.rsplit("/", 1)[-1] != "Practitioner" or pk is None:
            raise IntakeError(
                f"{field}: expected Practitioner/<id>, or an identifier with the user name "
                f"under {canonical_base()}identifier/user.",
                field,
            )
        return {"pk": pk}
    if not identifier:
        return None
    system, value = str(identifier.get("system") or ""), str(identifier.get("value") or "")
    if system == f"{canonical_base()}identifier/user" and value:
        return {"username": value}
    if system == STAFF_SYSTEM and _whole(value) is not None:
        return {"pk": _whole(value)}
    raise IntakeError(
        f"{field}: identifier system {system or '(none)'!r} is not known; name the member of "
        f"staff by their user name under {canonical_base()}identifier/user, or by their id "
        f"under {STAFF_SYSTEM}.",
        field,
    )


def _named_staff(given: Mapping[str, Any], field: str, session: Session, user: User) -> User:
    """The member of staff a Practitioner names: someone on the client's care team or the
    staff of its team (``access.rating_staff``); the poster when it names nobody. Anyone else,
    known or not, gets the same answer."""
    lookup = _staff_lookup(given, field)
    if lookup is None:
        return user
    found = access.rating_staff(user, session.episode).filter(**lookup).first()
    if found is None:
        raise IntakeError(
            f"{field}: the Practitioner named is not a member of staff working with this "
            "client (their care team or their team's staff).",
            field,
        )
    return found


def _party(body: Mapping[str, Any], field: str, session: Session, user: User) -> Party | None:
    """Who ``source`` or ``author`` names (``None`` when absent): the client (the session's
    Patient), a member of staff (a Practitioner) or a family member or carer (a
    RelatedPerson)."""
    given = body.get(field) or {}
    if not given:
        return None
    kind = _reference_kind(given)
    if kind == "Patient":
        patient = _reference_id(body, field, "Patient") if given.get("reference") else None
        if patient is not None and patient != session.episode.client_id:
            raise IntakeError(f"{field}: the Patient is not the one seen in this Encounter.", field)
        return Author.PATIENT, None
    if kind in ("Practitioner", "PractitionerRole"):
        return Author.PRACTITIONER, _named_staff(given, field, session, user)
    if kind == "RelatedPerson":
        return Author.RELATED_PERSON, None
    raise IntakeError(
        f"{field}: who answered is a Patient, a Practitioner or a RelatedPerson "
        "(a reference with its type).",
        field,
    )


def _rater(party: Party | None, instrument: Instrument) -> tuple[str, User | None]:
    """Who answered, from ``source`` (else ``author``): the client by default; a member of
    staff rates as a clinician (as a team member on a measure only team members rate)."""
    kind, person = party or (Author.PATIENT, None)
    if kind == Author.PRACTITIONER:
        staff = Rater.CLINICIAN if Rater.CLINICIAN in instrument.respondents else Rater.TEAM_MEMBER
        return staff, person
    return (Rater.COLLATERAL if kind == Author.RELATED_PERSON else Rater.CLIENT), None


def _idempotency_key(body: Mapping[str, Any]) -> uuid.UUID | None:
    value = str((body.get("identifier") or {}).get("value") or "").removeprefix("urn:uuid:")
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _authored(body: Mapping[str, Any]) -> datetime | None:
    """FHIR's dateTime: a time needs its time zone; a date alone (``2026-11-02``) is taken as
    the start of that day in the site's time zone."""
    value = body.get("authored")
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed) if "T" not in str(value) else None
    if value and parsed is None:
        raise IntakeError(
            "authored: expected a date (2026-11-02) or a date and time with its time zone "
            "(2026-11-02T10:30:00+01:00).",
            "authored",
        )
    return parsed


def questionnaire_response_record(body: Mapping[str, Any], *, user: User) -> Response:
    """Record a QuestionnaireResponse, scored like any other response: answered by the client
    unless its ``source`` (or ``author``) names a Practitioner or RelatedPerson. A posted
    ``author`` (who recorded the answers) is kept as sent and read back.

    The EHR's ``identifier`` (a UUID) makes a repeated POST for the same session store nothing
    new; an identifier already used for any other record is refused (409, ``identifier``)."""
    _check_structure(body)
    instrument = _instrument(body)
    session = _session(body, user)
    values = _values(body, instrument)
    _check_total(body, instrument, values, session.episode.client.age_group)
    source, author = _party(body, "source", session, user), _party(body, "author", session, user)
    rater_field = "author" if source is None and author is not None else "source"
    rater, rater_user = _rater(source or author, instrument)
    author_kind, author_user = author or ("", None)
    words = voice_fhir.words_from_items(list(_flatten(body.get("item") or [])))
    if rater != Rater.CLIENT and any(words.values()):
        # As POST /api/v1/responses/{id}/words: the words are the client's own, never a
        # member of staff's or a carer's put in the client's mouth.
        raise IntakeError(
            "item: the client's words (agenda-1..agenda-3, comment, hopes, theory-of-change) "
            "go with the client's own answers; this one's source is not the Patient.",
            "item",
        )
    try:
        with transaction.atomic():
            response = rating_record(
                session=session,
                instrument_code=instrument.code,
                values=values,
                rater=rater,
                rater_user=rater_user,
                method=Method.IMPORT,
                idempotency_key=_idempotency_key(body),
                recorded_by=user,
                answered_at=_authored(body),
                author=author_kind,
                author_user=author_user,
            )
            voice_services.words_record(response=response, words=words)
    except SubmissionKeyConflict:
        # Said without a word about the record that holds the identifier.
        raise IntakeError(
            "identifier: this identifier is already used for another QuestionnaireResponse; "
            "send a new one (urn:uuid: and a fresh UUID).",
            "identifier",
            status=409,
            code="conflict",
        ) from None
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        # FHIR's names for them
        field = {
            "answered_at": "authored",
            "rater": rater_field,
            "rater_user": rater_field,
            "author_user": "author",
        }.get(field, field)
        raise IntakeError(f"{field}: {' '.join(messages)}", field) from None
    return response
