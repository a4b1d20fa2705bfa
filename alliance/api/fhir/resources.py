"""Building FHIR R4 resources (plain JSON dicts) from Alliance records and instruments."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from django.conf import settings

from alliance.accounts.models import Organisation, User
from alliance.care.models import Client, Session, SessionStatus
from alliance.measures.models import Author, Rater, Response
from alliance.science.instrument_schema import Instrument, Item, Option
from alliance.voice.fhir import questionnaire_items

__all__ = [
    "DB_INT_MAX",
    "LOINC",
    "ORDINAL_VALUE",
    "TOTAL_SYSTEM",
    "author_reference",
    "canonical_base",
    "client_code_system",
    "encounter",
    "instrument_code",
    "observation",
    "operation_outcome",
    "patient",
    "questionnaire",
    "questionnaire_id",
    "questionnaire_response",
    "questionnaire_url",
    "rater_reference",
    "searchset",
    "total_coding",
]

# The largest id a database integer holds: a longer number in a URL finds nothing.
DB_INT_MAX = 2_147_483_647
LOINC = "http://loinc.org"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
# Codes of our own for instruments and answers that have no LOINC code.
TOTAL_SYSTEM = "urn:alliance:instrument-total"
ANSWER_SYSTEM = "urn:alliance:answer"
ENCOUNTER_STATUS: dict[str, str] = {
    SessionStatus.SCHEDULED: "planned",
    SessionStatus.ATTENDED: "finished",
    # FHIR R4's Encounter has no "did not attend": that belongs on an Appointment.
    SessionStatus.CANCELLED: "cancelled",
    SessionStatus.NO_SHOW: "cancelled",
    SessionStatus.WITHDRAWN: "entered-in-error",  # opened by mistake (issue 11)
}


def _text(text: Mapping[str, str] | None) -> str | None:
    if not text:
        return None
    return text.get("en") or next(iter(text.values()))


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _answer_coding(option: Option) -> dict[str, Any]:
    coding: dict[str, Any] = {
        "system": LOINC if option.loinc else ANSWER_SYSTEM,
        "code": option.loinc or f"{option.value:g}",
        "display": _text(option.label),
        "extension": [{"url": ORDINAL_VALUE, "valueDecimal": _number(option.value)}],
    }
    return coding


def _question(item: Item) -> dict[str, Any]:
    question: dict[str, Any] = {
        "linkId": item.code,
        "prefix": str(item.number),
        "text": _text(item.text) or _text(item.label),
        "required": item.scored,
    }
    if item.loinc:
        question["code"] = [{"system": LOINC, "code": item.loinc, "display": _text(item.label)}]
    if item.scale.type == "likert":
        question["type"] = "choice"
        # The ordinal on the option itself is where renderers (LHC-Forms) and the SDC examples
        # read it; the same extension stays on the coding for clients that read it there.
        question["answerOption"] = [
            {
                "extension": [{"url": ORDINAL_VALUE, "valueDecimal": _number(option.value)}],
                "valueCoding": _answer_coding(option),
            }
            for option in item.scale.options
        ]
    else:
        question["type"] = "decimal"
        question["extension"] = [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/minValue",
                "valueDecimal": _number(item.scale.min),
            },
            {
                "url": "http://hl7.org/fhir/StructureDefinition/maxValue",
                "valueDecimal": _number(item.scale.max),
            },
        ]
    return question


def questionnaire_id(code: str) -> str:
    """The FHIR id of an instrument: ``wai_sr`` becomes ``wai-sr`` (an id takes letters, digits,
    ``-`` and ``.`` only)."""
    return code.replace("_", "-")


def instrument_code(resource_id: str) -> str:
    """The instrument behind a Questionnaire id; the old ids (``wai_sr``) still answer."""
    return resource_id.replace("-", "_")


def canonical_base() -> str:
    """The site's FHIR canonical base (``ALLIANCE_FHIR_CANONICAL_URL``, by default the site
    address's ``/fhir/``): the same whatever Host header a request came with."""
    return str(settings.ALLIANCE["FHIR_CANONICAL_URL"]).rstrip("/") + "/"


def questionnaire_url(code: str) -> str:
    """An instrument's canonical URL (``Questionnaire.url``, ``QuestionnaireResponse
    .questionnaire``)."""
    return f"{canonical_base()}Questionnaire/{questionnaire_id(code)}"


def client_code_system(organisation: Organisation) -> str:
    """The identifier system of an organisation's client codes: the canonical base and the
    organisation's name (unique on a site, and carried by an export and its restore), never a
    database id."""
    return f"{canonical_base()}identifier/client-code/{quote(organisation.name, safe='')}"


def questionnaire(instrument: Instrument, *, base: str) -> dict[str, Any]:
    """A Questionnaire for an instrument: LOINC-coded where codes exist, answer options with
    ordinal values (the ``ordinalValue`` extension), the instructions as a leading display item
    so renderers show the items' time frame."""
    items = [_question(item) for item in instrument.items]
    if instrument.instructions:
        stem = {"linkId": "instructions", "type": "display", "text": _text(instrument.instructions)}
        items.insert(0, stem)
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": questionnaire_id(instrument.code),
        "url": questionnaire_url(instrument.code),
        "name": instrument.code.upper(),
        "title": _text(instrument.name),
        "status": "active",
        "subjectType": ["Patient"],
        "item": items + questionnaire_items(instrument),
    }
    if instrument.codes.loinc_panel:
        resource["code"] = [{"system": LOINC, "code": instrument.codes.loinc_panel}]
    if instrument.instructions:
        resource["description"] = _text(instrument.instructions)
    return resource


def patient(client: Client) -> dict[str, Any]:
    """A pseudonymous Patient: the clinic's client code only, no name or contact details."""
    return {
        "resourceType": "Patient",
        "id": str(client.pk),
        "identifier": [{"system": client_code_system(client.organisation), "value": client.code}],
        "active": True,
    }


def encounter(session: Session) -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "id": str(session.pk),
        "status": ENCOUNTER_STATUS.get(session.status, "unknown"),
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": "AMB",
            "display": "ambulatory",
        },
        "subject": {"reference": f"Patient/{session.episode.client_id}"},
        "period": {"start": session.starts_at.isoformat()},
    }


def _answer(item: Item, value: float) -> dict[str, Any]:
    if item.scale.type == "likert":
        for option in item.scale.options:
            if option.value == value:
                return {"valueCoding": _answer_coding(option)}
    return {"valueDecimal": _number(value)}


def _staff_reference(user: User | None, fallback: str) -> dict[str, Any]:
    name = (user.get_full_name() or user.get_username()) if user else fallback
    reference: dict[str, Any] = {"type": "Practitioner", "display": name}
    if user is not None:
        system = f"{canonical_base()}identifier/user"
        reference["identifier"] = {"system": system, "value": user.get_username()}
    return reference


def rater_reference(response: Response) -> dict[str, Any]:
    """Who answered: the client (their Patient), a member of staff (a Practitioner named by
    their user name, under the site's identifier system for users) or a family member or
    carer (a RelatedPerson, unnamed)."""
    if response.rater == Rater.CLIENT:
        return {"reference": f"Patient/{response.session.episode.client_id}"}
    if response.rater == Rater.COLLATERAL:
        return {"type": "RelatedPerson", "display": str(Rater.COLLATERAL.label)}
    return _staff_reference(response.rater_user, str(response.rater))


def author_reference(response: Response) -> dict[str, Any]:
    """Who recorded the answers: the ``author`` a sender posted, kept as said, else the
    rater (who then did both)."""
    if response.author == Author.PATIENT:
        return {"reference": f"Patient/{response.session.episode.client_id}"}
    if response.author == Author.RELATED_PERSON:
        return {"type": "RelatedPerson", "display": str(Rater.COLLATERAL.label)}
    if response.author == Author.PRACTITIONER:
        return _staff_reference(response.author_user, str(Author.PRACTITIONER.label))
    return rater_reference(response)


def questionnaire_response(
    response: Response, instrument: Instrument, *, base: str
) -> dict[str, Any]:
    answered = []
    for item in instrument.items:
        value = response.items.get(item.code)
        entry: dict[str, Any] = {"linkId": item.code}
        if value is not None:
            entry["answer"] = [_answer(item, value)]
        answered.append(entry)
    return {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.pk),
        "identifier": {
            "system": "urn:ietf:rfc:3986",
            "value": f"urn:uuid:{response.idempotency_key}",
        },
        "questionnaire": questionnaire_url(response.instrument),
        "status": "completed",
        "subject": {"reference": f"Patient/{response.session.episode.client_id}"},
        "encounter": {"reference": f"Encounter/{response.session_id}"},
        "authored": response.answered_at.isoformat(),
        # R4: the author recorded the answers, the source gave them: the rater did both unless
        # the sender said who recorded them.
        "author": author_reference(response),
        "source": rater_reference(response),
        "item": answered,
    }


def total_coding(instrument: Instrument) -> dict[str, str]:
    if instrument.codes.loinc_total:
        return {"system": LOINC, "code": instrument.codes.loinc_total}
    return {"system": TOTAL_SYSTEM, "code": f"{instrument.code}-total"}


def observation(response: Response, instrument: Instrument) -> dict[str, Any]:
    """The response's total as an Observation (LOINC 44261-6 for the PHQ-9, 70274-6 for the
    GAD-7), derived from its QuestionnaireResponse."""
    coding = total_coding(instrument) | {"display": f"{_text(instrument.name)} total"}
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(response.pk),
        "status": "amended" if response.version > 1 else "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                    }
                ]
            }
        ],
        "code": {"coding": [coding]},
        "subject": {"reference": f"Patient/{response.session.episode.client_id}"},
        "encounter": {"reference": f"Encounter/{response.session_id}"},
        "effectiveDateTime": response.answered_at.isoformat(),
        "performer": [rater_reference(response)],
        "valueQuantity": {
            "value": _number(response.total),
            "unit": "{score}",
            "system": "http://unitsofmeasure.org",
            "code": "{score}",
        },
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{response.pk}"}],
    }
    if response.band:
        resource["interpretation"] = [{"text": response.band}]
    return resource


def searchset(
    entries: list[dict[str, Any]], *, total: int, base: str, self_url: str, next_url: str | None
) -> dict[str, Any]:
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base}{entry['resourceType']}/{entry['id']}",
                "resource": entry,
                "search": {"mode": "match"},
            }
            for entry in entries
        ],
    }


def operation_outcome(code: str, diagnostics: str, expression: str | None = None) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": "error", "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}
