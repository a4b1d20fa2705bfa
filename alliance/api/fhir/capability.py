"""The server's CapabilityStatement (FHIR R4 ``metadata``)."""

from typing import Any

from django.utils import timezone

from alliance.api.fhir.episodes import SEARCH_PARAMETERS as EPISODE_SEARCH

SEARCH = {
    "Patient": [("_id", "token"), ("identifier", "token")],
    "Encounter": [("patient", "reference"), ("subject", "reference")],
    "EpisodeOfCare": EPISODE_SEARCH,
    "Questionnaire": [("_id", "token")],
    "QuestionnaireResponse": [
        ("patient", "reference"),
        ("subject", "reference"),
        ("encounter", "reference"),
        ("questionnaire", "reference"),
    ],
    "Observation": [
        ("patient", "reference"),
        ("subject", "reference"),
        ("encounter", "reference"),
        ("code", "token"),
    ],
}


def _resource(kind: str) -> dict[str, Any]:
    interactions = [{"code": "read"}, {"code": "search-type"}]
    if kind == "QuestionnaireResponse":
        interactions.append({"code": "create"})
    return {
        "type": kind,
        "interaction": interactions,
        "searchParam": [{"name": name, "type": kind_} for name, kind_ in SEARCH[kind]],
    }


def capability_statement(base: str) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().date().isoformat(),
        "kind": "instance",
        "software": {"name": "Alliance"},
        "implementation": {"description": "Alliance FHIR R4 endpoint", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": (
                        "A per-user API token (read or read-write): Authorization: Bearer <token>."
                    )
                },
                "resource": [_resource(kind) for kind in SEARCH],
            }
        ],
    }
