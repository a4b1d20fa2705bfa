"""The server's CapabilityStatement (FHIR R4 ``metadata``), built from ``RESOURCES``: the one
list of what each resource type serves. The search code reads the same list, so a parameter
not listed here is refused (``Prefer: handling=strict``) or left out of the search, never
silently half-applied. A new resource type is one more entry (see ``Served``)."""

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone


@dataclass(frozen=True)
class Param:
    """One search parameter: its R4 name and type, the modifiers it takes (for a reference,
    the resource types it may be typed as: ``patient:Patient``) and what it matches here."""

    name: str
    type: str
    documentation: str
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Served:
    """A resource type: its interactions, its search parameters and the ``_sort`` keys."""

    type: str
    params: tuple[Param, ...]
    interactions: tuple[str, ...] = ("read", "search-type")
    sorts: tuple[str, ...] = ("_id",)
    profile: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def param(self, name: str) -> Param | None:
        return next((param for param in self.params if param.name == name), None)


def _id(kind: str) -> Param:
    return Param("_id", "token", f"the {kind}'s id; several ids separated by commas")


def _patient(name: str) -> Param:
    return Param(
        name,
        "reference",
        "the client: <id>, Patient/<id> or a full URL; `:Patient` typed",
        modifiers=("Patient",),
    )


def _date(name: str, what: str) -> Param:
    return Param(
        name,
        "date",
        f"{what}; prefixes eq (default), ne, lt, le, gt, ge; a year, month, day, or a "
        "date-time with its offset",
    )


RESOURCES: list[Served] = [
    Served(
        "Patient",
        (
            _id("Patient"),
            Param(
                "identifier",
                "token",
                "the client code: system|value, |value is never found (every code has a "
                "system), or value alone",
            ),
        ),
    ),
    Served(
        "Encounter",
        (
            _id("Encounter"),
            _patient("patient"),
            _patient("subject"),
            _date("date", "the session's start (Encounter.period.start)"),
        ),
        sorts=("_id", "date"),
    ),
    Served(
        "EpisodeOfCare",
        (
            _id("EpisodeOfCare"),
            _patient("patient"),
            Param("status", "token", "active (not ended) or finished; several separated by commas"),
        ),
        sorts=("_id",),
    ),
    Served(
        "Appointment",
        (
            _id("Appointment"),
            _patient("patient"),
            Param(
                "actor",
                "reference",
                "a participant: the client as <id> or Patient/<id>; `:Patient` typed",
                modifiers=("Patient",),
            ),
            _date("date", "the session's start (Appointment.start)"),
            Param(
                "status",
                "token",
                "booked, fulfilled, cancelled, noshow or entered-in-error; several separated by"
                " commas",
            ),
        ),
        interactions=("read", "search-type", "create"),
        sorts=("_id", "date"),
    ),
    Served(
        "Questionnaire",
        (
            _id("Questionnaire"),
            Param("url", "uri", "the canonical URL, with or without |version"),
            Param(
                "code",
                "token",
                "a LOINC code of the questionnaire (Questionnaire.code) or of one of its items",
            ),
        ),
    ),
    Served(
        "QuestionnaireResponse",
        (
            _id("QuestionnaireResponse"),
            _patient("patient"),
            _patient("subject"),
            Param(
                "encounter",
                "reference",
                "the session: <id> or Encounter/<id>",
                modifiers=("Encounter",),
            ),
            Param(
                "questionnaire",
                "reference",
                "the Questionnaire: its id, Questionnaire/<id> or its canonical URL",
                modifiers=("Questionnaire",),
            ),
            _date("authored", "when it was answered"),
        ),
        interactions=("read", "search-type", "create"),
        sorts=("_id", "authored", "date"),
    ),
    Served(
        "Observation",
        (
            _id("Observation"),
            _patient("patient"),
            _patient("subject"),
            Param(
                "encounter",
                "reference",
                "the session: <id> or Encounter/<id>",
                modifiers=("Encounter",),
            ),
            Param("code", "token", "the total's code: system|code, |code or code"),
            _date("date", "when it was answered (Observation.effectiveDateTime)"),
        ),
        sorts=("_id", "date"),
    ),
]

# Parameters every search takes, whatever the resource type.
RESULT_PARAMS = (
    Param("_count", "number", "entries per page, 0 to 100 (0: the total only)"),
    Param("_offset", "number", "where the page starts (the next link carries it)"),
    Param("_sort", "string", "date or -date (authored for a QuestionnaireResponse), or _id"),
    Param("_summary", "token", "count only: the total, no entries"),
)


def served(resource_type: str) -> Served | None:
    return next((kind for kind in RESOURCES if kind.type == resource_type), None)


def _param(param: Param) -> dict[str, Any]:
    documentation = param.documentation
    if param.modifiers:
        documentation += "; modifiers: " + ", ".join(f":{m}" for m in param.modifiers)
    return {"name": param.name, "type": param.type, "documentation": documentation}


def _resource(kind: Served) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "type": kind.type,
        "interaction": [{"code": code} for code in kind.interactions],
        "searchParam": [_param(param) for param in kind.params],
    }
    if kind.profile:
        resource["profile"] = kind.profile
    return resource | kind.extra


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
                "documentation": (
                    "Search parameters, modifiers and chains not listed are refused with 400 "
                    "under Prefer: handling=strict, and otherwise left out of the search and of "
                    "its self link. A parameter given twice must hold both times (AND); values "
                    "separated by commas are alternatives (OR)."
                ),
                "security": {
                    "description": (
                        "A per-user API token (read or read-write): Authorization: Bearer <token>."
                    )
                },
                "resource": [_resource(kind) for kind in RESOURCES],
                "searchParam": [_param(param) for param in RESULT_PARAMS],
            }
        ],
    }
