"""The shape of a full export (``docs/transfer.md``): every field the restore reads, with its
JSON type, checked before anything else so a file with a missing key, a wrong type or the wrong
top-level shape is refused naming the JSON path (``episodes[0].sessions[2].number``), never
failing halfway.

A type is one of the names below, ``(Optional, type)`` for a field that may be null, a list
``[type]`` of such values, or a ``dict`` of field names (a record). Fields of a record are all
required except those in its ``OPTIONAL`` entry.
"""

import copy
import datetime as dt
import math
import uuid
from typing import Any

from django.utils.translation import gettext_noop

from alliance.science.messages import Message
from alliance.science.ratings_table import RowError
from alliance.transfer.voice_records import TEAM_SHARING_SHAPE, VOICE_SHAPE

__all__ = ["EXPORT_SHAPE", "MAX_JSON_DEPTH", "V1_DEFAULTS", "document_upgrade", "shape_problems"]

DB_INT_MAX = 2_147_483_647  # what every database's integer holds
# Free-form JSON (alert evidence, earlier versions) nested deeper than this is not an export.
MAX_JSON_DEPTH = 20

Optional = "optional"
STR, INT, BOOL, NUMBER = "string", "whole number", "true or false", "number"
DATE, DATETIME, UUID = "date", "date and time", "UUID"
OBJECT, JSON_LIST, ANY = "JSON object", "JSON list", "JSON value"

_VERSION = {
    "version": INT,
    "items": OBJECT,
    "total": NUMBER,
    "subscales": OBJECT,
    "recorded_at": DATETIME,
    "recorded_by": (Optional, STR),
    "reason": STR,
}
_RESPONSE = {
    "idempotency_key": UUID,
    "instrument": STR,
    "rater": STR,
    "rater_user": (Optional, STR),
    "about_member": (Optional, STR),
    # Who recorded the answers as a sender said (FHIR author); left out by older exports.
    "author": STR,
    "author_user": (Optional, STR),
    "method": STR,
    "items": OBJECT,
    "total": NUMBER,
    "subscales": OBJECT,
    "band": STR,
    "risk_items": [STR],
    "prorated": BOOL,
    "answered_at": DATETIME,
    "voided_at": (Optional, DATETIME),
    "voided_by": (Optional, STR),
    "void_reason": STR,
    "version": INT,
    "versions": [_VERSION],
}
_SESSION = {
    # Empty for a cancelled or withdrawn session; other records name a session by its
    # position in the episode's list (version 2), not by number.
    "number": (Optional, INT),
    "starts_at": DATETIME,
    "status": STR,
    "duration_minutes": INT,
    "mode": STR,
    "series": (Optional, UUID),
    "cancelled_by": STR,
    "reason": STR,
    "final": BOOL,
    "due": [STR],
    "history": JSON_LIST,
    "booked_by": (Optional, STR),
    "booked_at": (Optional, DATETIME),
    "attended_by": [STR],
    "responses": [_RESPONSE],
    "ruptures": [
        {
            "markers": [STR],
            "noticed_by": STR,
            "strategies": [STR],
            "resolution": STR,
            "note": STR,
            "history": JSON_LIST,
            "recorded_at": DATETIME,
            "recorded_by": STR,
        }
    ],
    "reflections": [
        {
            "author": STR,
            "experiences": [STR],
            "text": STR,
            "history": JSON_LIST,
            "created_at": DATETIME,
            "updated_at": DATETIME,
        }
    ],
}
_GOAL = {
    "text": STR,
    "agreed": BOOL,
    "status": STR,
    "set_in": (Optional, INT),
    "replaces": (Optional, INT),
    "version": INT,
    "created_at": DATETIME,
    "created_by": STR,
    "versions": [
        {
            "version": INT,
            "text": STR,
            "agreed": BOOL,
            "status": STR,
            "note": STR,
            "recorded_at": DATETIME,
            "recorded_by": STR,
        }
    ],
    "ratings": [
        {
            "session": INT,
            "rating": INT,
            "earlier": JSON_LIST,
            "recorded_at": DATETIME,
            "recorded_by": STR,
        }
    ],
}
_PLAN_ITEM = {
    "instrument": STR,
    "at_intake": BOOL,
    "at_end": BOOL,
    "repeat": STR,
    "interval": (Optional, INT),
    "position": INT,
}
_EPISODE = {
    "key": STR,
    "client": STR,
    "team": STR,
    "setting": STR,
    "started_on": DATE,
    "ended_on": (Optional, DATE),
    "ending": STR,
    "outcome_measure": STR,
    "alliance_measure": STR,
    "share_progress_with_client": BOOL,
    "continues": (Optional, STR),
    "history": JSON_LIST,
    "plan": [_PLAN_ITEM],
    "care_team": [{"member": STR, "role": STR, "joined_on": (Optional, DATE)}],
    "sessions": [_SESSION],
    "goals": [_GOAL],
    "tasks": [
        {
            "agreed_in": INT,
            "what": STR,
            "goal": (Optional, INT),
            "rationale": STR,
            "client_agreed": BOOL,
            "outcome": STR,
            "reviewed_in": (Optional, INT),
            "review_note": STR,
            "history": JSON_LIST,
            "created_at": DATETIME,
            "created_by": STR,
        }
    ],
    "alerts": [
        {
            "session": INT,
            "rule": STR,
            "severity": STR,
            "priority": INT,
            "evidence": OBJECT,
            "advice_code": STR,
            "advice": STR,
            "pathway": STR,
            "raised_at": DATETIME,
            "acknowledged_at": (Optional, DATETIME),
            "acknowledged_by": (Optional, STR),
            "acknowledgement_note": STR,
            # The alert lifecycle's fields (issue 12); an older export has none of them.
            "measure": STR,
            "state": STR,
            "since_session": (Optional, INT),
            "closed_by_session": (Optional, INT),
            "snooze_reason": STR,
            "snoozed_at_session": (Optional, INT),
        }
    ],
    # The client's words and the baseline (issue 19); an older export has none.
    "voice": VOICE_SHAPE,
}
EXPORT_SHAPE: dict[str, Any] = {
    # The organisation's settings are checked against the model (document_values).
    "organisation": {"name": STR, "created_at": DATETIME},
    "teams": [STR],
    "users": [
        {
            "username": STR,
            "first_name": STR,
            "last_name": STR,
            "email": STR,
            "mobile": STR,
            "is_active": BOOL,
            "is_staff": BOOL,
            "date_joined": DATETIME,
        }
    ],
    "memberships": [{"user": STR, "team": (Optional, STR), "role": STR}],
    "clients": [
        {
            "code": STR,
            "display_name": STR,
            "birth_year": (Optional, INT),
            "age_group": STR,
            "email": STR,
            "phone": STR,
            "consents_to_electronic_contact": BOOL,
            "consents_to_email": BOOL,
            "consents_to_sms": BOOL,
            "contact_consent_on": (Optional, DATE),
            "preferred_language": STR,
            "created_by": (Optional, STR),
            "created_at": DATETIME,
        }
    ],
    "plan_defaults": [{"team": STR, "setting": STR, **_PLAN_ITEM}],
    "episodes": [_EPISODE],
    "trajectory_fits": [
        {
            "measure": STR,
            "status": STR,
            "message": STR,
            "model_json": STR,
            "n_episodes": INT,
            "n_ratings": INT,
            "requested_by": (Optional, STR),
            "requested_at": DATETIME,
            "finished_at": (Optional, DATETIME),
            "is_active": BOOL,
            "activated_at": (Optional, DATETIME),
        }
    ],
    "team_sharing": TEAM_SHARING_SHAPE,
}
# Fields an older export (or a hand-made one) may leave out: the model's default is used.
OPTIONAL = {"first_name", "last_name", "email", "mobile", "is_active", "is_staff"}
ALERT_OPTIONAL = {
    "measure",
    "state",
    "since_session",
    "closed_by_session",
    "snooze_reason",
    "snoozed_at_session",
}
RESPONSE_OPTIONAL = {"author", "author_user"}
_OPTIONAL_IN = {
    "users": frozenset(OPTIONAL),
    "alerts": frozenset(ALERT_OPTIONAL),
    "responses": frozenset(RESPONSE_OPTIONAL),
    "episodes": frozenset({"voice"}),
}
TOP_OPTIONAL = frozenset({"team_sharing"})


def _depth(value: Any, limit: int) -> bool:
    """Whether ``value`` nests no deeper than ``limit`` levels (without recursing)."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            if level > limit:
                return False
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return True


def _scalar_ok(kind: str, value: Any) -> bool:
    if kind == STR:
        return isinstance(value, str)
    if kind == INT:
        whole = isinstance(value, int) and not isinstance(value, bool)
        return whole and -DB_INT_MAX - 1 <= value <= DB_INT_MAX
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return isinstance(value, int) or math.isfinite(value)
    if kind in (OBJECT, JSON_LIST, ANY):
        wanted = {OBJECT: dict, JSON_LIST: list, ANY: object}[kind]
        return isinstance(value, wanted) and _depth(value, MAX_JSON_DEPTH)
    if not isinstance(value, str):
        return False
    try:
        if kind == DATE:
            dt.date.fromisoformat(value)
        elif kind == DATETIME:
            return dt.datetime.fromisoformat(value).tzinfo is not None
        elif kind == UUID:
            uuid.UUID(value)
    except ValueError:
        return False
    return True


# "expected a whole number from ... to ..., got the string '1'": one sentence for each type.
_EXPECTED = {
    STR: gettext_noop("expected a string, got %(got)s"),
    INT: gettext_noop("expected a whole number from %(low)s to %(high)s, got %(got)s"),
    BOOL: gettext_noop("expected a true or false, got %(got)s"),
    NUMBER: gettext_noop("expected a number, got %(got)s"),
    DATE: gettext_noop("expected a date (YYYY-MM-DD), got %(got)s"),
    DATETIME: gettext_noop(
        "expected a date and time with its offset (2026-01-05T10:30:00+00:00), got %(got)s"
    ),
    UUID: gettext_noop("expected a UUID, got %(got)s"),
    OBJECT: gettext_noop("expected a JSON object nested at most %(depth)s deep, got %(got)s"),
    JSON_LIST: gettext_noop("expected a JSON list nested at most %(depth)s deep, got %(got)s"),
    ANY: gettext_noop("expected a JSON value, got %(got)s"),
}
_LIMITS: dict[str, dict[str, object]] = {
    INT: {"low": -DB_INT_MAX - 1, "high": DB_INT_MAX},
    OBJECT: {"depth": MAX_JSON_DEPTH},
    JSON_LIST: {"depth": MAX_JSON_DEPTH},
}
# What a value of the wrong type is, in words ("got a list").
_KINDS = {
    dict: gettext_noop("a JSON object"),
    list: gettext_noop("a list"),
    str: gettext_noop("a string"),
    bool: gettext_noop("true or false"),
}


class _Walker:
    def __init__(self) -> None:
        self.found: list[RowError] = []

    def bad(self, at: str, template: str, **params: object) -> None:
        self.found.append(RowError.of(0, at, template, **params))

    def not_a(self, at: str, wanted: str, value: Any) -> None:
        """``value`` at ``at`` is not a list or a JSON object (``wanted``)."""
        self.bad(at, wanted, got=_kind(value))

    def walk(
        self, at: str, spec: Any, value: Any, *, optional: frozenset[str] = frozenset()
    ) -> None:
        if isinstance(spec, tuple):
            if value is not None:
                self.walk(at, spec[1], value)
            return
        if isinstance(spec, list):
            if not isinstance(value, list):
                self.not_a(at, gettext_noop("expected a list, got %(got)s"), value)
                return
            for i, item in enumerate(value):
                self.walk(f"{at}[{i}]", spec[0], item)
            return
        if isinstance(spec, dict):
            self.record(at, spec, value, optional)
            return
        if not _scalar_ok(spec, value):
            self.bad(at, _EXPECTED[spec], **_LIMITS.get(spec, {}), got=_describe(value))

    def record(self, at: str, spec: dict[str, Any], value: Any, optional: frozenset[str]) -> None:
        if not isinstance(value, dict):
            self.not_a(at, gettext_noop("expected a JSON object, got %(got)s"), value)
            return
        for name, field_spec in spec.items():
            where = f"{at}.{name}" if at else name
            if name not in value:
                if name not in optional:
                    self.bad(where, gettext_noop("missing; every record of this kind needs it"))
                continue
            inner = _OPTIONAL_IN.get(name, frozenset())
            if isinstance(field_spec, list) and isinstance(field_spec[0], dict) and inner:
                items = value[name]
                if not isinstance(items, list):
                    self.not_a(where, gettext_noop("expected a list, got %(got)s"), items)
                    continue
                for i, item in enumerate(items):
                    self.record(f"{where}[{i}]", field_spec[0], item, inner)
                continue
            self.walk(where, field_spec, value[name])


def _kind(value: Any) -> Message | str:
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Message(gettext_noop("a number"))
    words = _KINDS.get(type(value))
    return Message(words) if words else type(value).__name__


def _describe(value: Any) -> Message | str:
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return Message(gettext_noop("the string %(text)s"), {"text": repr(shown)})
    return _kind(value)


def shape_problems(document: dict[str, Any]) -> list[RowError]:
    """Every field of the wrong JSON type or missing, by its JSON path; empty when the
    document has the shape of an export."""
    walker = _Walker()
    walker.record("", EXPORT_SHAPE, document, TOP_OPTIONAL)
    return walker.found


# What a version-1 export (before issue 11) lacks, and the value it means: the model's default.
V1_DEFAULTS: dict[str, dict[str, Any]] = {
    "clients": {
        "consents_to_email": False,
        "consents_to_sms": False,
        "contact_consent_on": None,
        "preferred_language": "",
        "created_by": None,
    },
    "episodes": {"continues": None, "history": [], "plan": []},
    "sessions": {
        "duration_minutes": 50,
        "mode": "in_person",
        "series": None,
        "cancelled_by": "",
        "reason": "",
        "final": False,
        "due": [],
        "history": [],
        "booked_by": None,
        "booked_at": None,
    },
    "responses": {"voided_at": None, "voided_by": None, "void_reason": ""},
}


def _records(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def document_upgrade(document: Any) -> Any:
    """A version-1 export with the fields version 2 added, each at its default (a copy; the
    version stays 1, so the restore still reads its session references as numbers). Anything
    else is returned as it is, for the checks to judge."""
    if not isinstance(document, dict) or document.get("version") != 1:
        return document
    upgraded = copy.deepcopy(document)
    upgraded.setdefault("plan_defaults", [])
    for client in _records(upgraded.get("clients")):
        for name, value in V1_DEFAULTS["clients"].items():
            client.setdefault(name, copy.deepcopy(value))
    for episode in _records(upgraded.get("episodes")):
        for name, value in V1_DEFAULTS["episodes"].items():
            episode.setdefault(name, copy.deepcopy(value))
        for session in _records(episode.get("sessions")):
            for name, value in V1_DEFAULTS["sessions"].items():
                session.setdefault(name, copy.deepcopy(value))
            for response in _records(session.get("responses")):
                for name, value in V1_DEFAULTS["responses"].items():
                    response.setdefault(name, value)
    return upgraded
