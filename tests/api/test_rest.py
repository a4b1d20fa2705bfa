"""The REST API at /api/v1/: every route as every role, writes, errors and pagination."""

import uuid
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.api.models import Scope
from alliance.api.services import token_create
from alliance.feedback.models import Alert
from alliance.measures.models import Response
from tests.access.roles import ROLES
from tests.api.conftest import PHQ9_MILD, RECORDS, SEES, Api, api_as, expected_record_status
from tests.clinic.builders import bulk_caseload

V1 = "/api/v1"

LISTS: dict[str, Callable[[SimpleNamespace], str]] = {
    "clients": lambda c: f"{V1}/clients",
    "episodes": lambda c: f"{V1}/episodes",
    "care team": lambda c: f"{V1}/episodes/{c.episode.pk}/care-team",
    "sessions": lambda c: f"{V1}/sessions",
    "responses": lambda c: f"{V1}/responses",
    "alerts": lambda c: f"{V1}/alerts",
    "goals": lambda c: f"{V1}/goals",
    "tasks": lambda c: f"{V1}/tasks",
    "ruptures": lambda c: f"{V1}/ruptures",
}
DETAILS: dict[str, Callable[[SimpleNamespace], str]] = {
    "client": lambda c: f"{V1}/clients/{c.episode.client_id}",
    "episode": lambda c: f"{V1}/episodes/{c.episode.pk}",
    "episode series": lambda c: f"{V1}/episodes/{c.episode.pk}/series",
    "session": lambda c: f"{V1}/sessions/{c.session.pk}",
    "response": lambda c: f"{V1}/responses/{c.response.pk}",
    "alert": lambda c: f"{V1}/alerts/{c.alert.pk}",
}


def test_the_openapi_schema_lists_every_resource(client: object) -> None:
    schema = Api(None).get(f"{V1}/openapi.json").json()
    paths = set(schema["paths"])
    for path in ("/clients", "/episodes", "/sessions", "/responses", "/alerts", "/goals"):
        assert f"{V1}{path}" in paths
    assert f"{V1}/alerts/{{alert_id}}/acknowledge" in paths
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(LISTS))
def test_each_list_shows_only_what_the_role_may_see(
    cast: SimpleNamespace, route: str, role: str
) -> None:
    answer = api_as(cast, role).get(LISTS[route](cast))
    if role == "anonymous":
        assert answer.status_code == 401
    elif route == "care team":
        assert answer.status_code == (200 if role in SEES else 404), role
    else:
        assert answer.status_code == 200
        assert answer.json()["count"] == (1 if role in SEES else 0), role


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(DETAILS))
def test_each_record_is_found_only_by_those_who_may_see_it(
    cast: SimpleNamespace, route: str, role: str
) -> None:
    answer = api_as(cast, role).get(DETAILS[route](cast))
    expected = 401 if role == "anonymous" else 200 if role in SEES else 404
    assert answer.status_code == expected, role


def test_an_administrator_on_the_care_team_sees_that_client(cast: SimpleNamespace) -> None:
    cast.episode.care_team.create(member=cast.administrator, role="team_member")
    answer = api_as(cast, "administrator").get(f"{V1}/clients")
    assert [row["code"] for row in answer.json()["items"]] == [cast.episode.client.code]


def test_a_record_shows_its_fields(cast: SimpleNamespace) -> None:
    body = api_as(cast, "clinician").get(DETAILS["response"](cast)).json()
    assert body["instrument"] == "phq9"
    assert body["total"] == 8
    assert body["items"]["phq9_1"] == 1
    team = api_as(cast, "clinician").get(LISTS["care team"](cast)).json()["items"]
    assert team == [
        {
            "member_id": cast.clinician.pk,
            "name": "Clinician",
            "role": "primary_therapist",
            "joined_on": None,
        }
    ]


@pytest.mark.parametrize("role", ROLES)
def test_acknowledging_an_alert_as_each_role(cast: SimpleNamespace, role: str) -> None:
    answer = api_as(cast, role).post(
        f"{V1}/alerts/{cast.alert.pk}/acknowledge", {"note": "Talked it through"}
    )
    # Only the care team closes an alert: the supervisor reads it but may not (403).
    closes = role in SEES and role != "supervisor"
    expected = 401 if role == "anonymous" else 200 if closes else 403 if role in SEES else 404
    assert answer.status_code == expected
    cast.alert.refresh_from_db()
    assert (cast.alert.acknowledged_at is not None) == closes
    if closes:
        assert answer.json()["acknowledgement_note"] == "Talked it through"


def test_a_read_token_may_not_write(cast: SimpleNamespace) -> None:
    secret = token_create(user=cast.clinician, name="reader", scope=Scope.READ).secret
    answer = Api(secret).post(f"{V1}/alerts/{cast.alert.pk}/acknowledge", {})
    assert answer.status_code == 403
    cast.alert.refresh_from_db()
    assert cast.alert.acknowledged_at is None


def test_a_note_over_the_limit_is_refused_naming_the_field(cast: SimpleNamespace) -> None:
    answer = api_as(cast, "clinician").post(
        f"{V1}/alerts/{cast.alert.pk}/acknowledge", {"note": "x" * 1001}
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][-1] == "note"


@pytest.mark.parametrize("role", ROLES)
def test_recording_a_response_as_each_role(cast: SimpleNamespace, role: str) -> None:
    body = {"session": cast.session.pk, "instrument": "phq9", "items": PHQ9_MILD}
    answer = api_as(cast, role).post(f"{V1}/responses", body)
    assert answer.status_code == expected_record_status(role)
    assert Response.objects.count() == (2 if role in RECORDS else 1)


def test_a_recorded_response_is_scored_and_raises_its_alerts(cast: SimpleNamespace) -> None:
    items = PHQ9_MILD | {"phq9_9": 2}
    key = str(uuid.uuid4())
    body = {
        "session": cast.session.pk,
        "instrument": "phq9",
        "items": items,
        "idempotency_key": key,
    }
    answer = api_as(cast, "clinician").post(f"{V1}/responses", body)
    assert answer.status_code == 201
    assert answer.json()["total"] == 10
    assert answer.json()["risk_items"] == ["phq9_9"]
    assert Alert.objects.filter(episode=cast.episode, rule="risk_answer").exists()
    again = api_as(cast, "clinician").post(f"{V1}/responses", body)
    assert again.json()["id"] == answer.json()["id"]


def test_an_answer_out_of_range_is_refused_naming_the_item(cast: SimpleNamespace) -> None:
    body = {"session": cast.session.pk, "instrument": "phq9", "items": PHQ9_MILD | {"phq9_3": 7}}
    answer = api_as(cast, "clinician").post(f"{V1}/responses", body)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "phq9_3"]


def test_an_unknown_measure_is_refused_naming_the_field(cast: SimpleNamespace) -> None:
    body = {"session": cast.session.pk, "instrument": "nope", "items": {}}
    answer = api_as(cast, "clinician").post(f"{V1}/responses", body)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "instrument"]


def test_a_revoked_or_made_up_token_gets_401(cast: SimpleNamespace) -> None:
    from alliance.api.models import ApiToken
    from alliance.api.services import token_revoke

    issued = token_create(user=cast.clinician, name="laptop")
    assert Api(issued.secret).get(f"{V1}/clients").status_code == 200
    token_revoke(token=ApiToken.objects.get(pk=issued.token.pk))
    assert Api(issued.secret).get(f"{V1}/clients").status_code == 401
    assert Api("not-a-token").get(f"{V1}/clients").status_code == 401


def test_lists_are_paginated_with_a_maximum(cast: SimpleNamespace) -> None:
    bulk_caseload(cast, clients=3, sessions=2)
    api = api_as(cast, "clinician")
    page = api.get(f"{V1}/sessions", limit=2, offset=1).json()
    assert page["count"] == 7
    assert len(page["items"]) == 2
    assert api.get(f"{V1}/sessions", limit=101).status_code == 422


@pytest.mark.parametrize("route", ["clients", "episodes", "sessions", "responses", "alerts"])
def test_a_list_takes_the_same_queries_for_a_small_and_a_large_caseload(
    cast: SimpleNamespace, route: str
) -> None:
    api = api_as(cast, "clinician")
    api.get(LISTS[route](cast))  # the token's last-used stamp is written once a minute
    with CaptureQueriesContext(connection) as small:
        api.get(LISTS[route](cast), limit=100)
    bulk_caseload(cast, clients=12, sessions=3)
    with CaptureQueriesContext(connection) as large:
        api.get(LISTS[route](cast), limit=100)
    assert len(small) == len(large)


def _writes(cast: SimpleNamespace) -> dict[str, tuple[str, dict[str, object]]]:
    return {
        "goal": ("goals", {"episode": cast.episode.pk, "text": "Feel less alone", "agreed": True}),
        "task": (
            "tasks",
            {"session": cast.session.pk, "what": "Call a friend", "client_agreed": True},
        ),
        "rupture": (
            "ruptures",
            {
                "session": cast.session.pk,
                "markers": ["minimal_response"],
                "noticed_by": "clinician",
                "resolution": "resolved",
            },
        ),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", ["goal", "task", "rupture"])
def test_recording_alliance_work_as_each_role(cast: SimpleNamespace, kind: str, role: str) -> None:
    route, body = _writes(cast)[kind]
    answer = api_as(cast, role).post(f"{V1}/{route}", body)
    # As on the pages, whoever sees the episode may add goals, tasks and ruptures to it.
    expected = 401 if role == "anonymous" else 201 if role in SEES else 404
    assert answer.status_code == expected, role
    listed = api_as(cast, "clinician").get(f"{V1}/{route}").json()["count"]
    assert listed == (2 if role in SEES else 1)


@pytest.mark.parametrize(
    ("kind", "change", "field"),
    [
        ("goal", {"text": "  "}, "text"),
        ("task", {"goal": 999999}, "goal"),
        ("rupture", {"markers": ["shouting"]}, "markers"),
        ("rupture", {"resolution": "maybe"}, "resolution"),
    ],
)
def test_bad_alliance_work_is_refused_naming_the_field(
    cast: SimpleNamespace, kind: str, change: dict[str, object], field: str
) -> None:
    route, body = _writes(cast)[kind]
    answer = api_as(cast, "clinician").post(f"{V1}/{route}", body | change)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", field]


def test_a_fourth_active_goal_is_refused(cast: SimpleNamespace) -> None:
    api = api_as(cast, "clinician")
    route, body = _writes(cast)["goal"]
    statuses = [api.post(f"{V1}/{route}", body).status_code for _ in range(3)]
    assert statuses == [201, 201, 422]  # the standing cast already has one active goal


def test_a_response_for_a_cancelled_session_is_refused_naming_it(cast: SimpleNamespace) -> None:
    # As FHIR's Encounter (tests/api/test_fhir_answers.py): nothing stored, no alert raised.
    cast.session.status = "cancelled"
    cast.session.save(update_fields=["status"])
    body = {"session": cast.session.pk, "instrument": "phq9", "items": PHQ9_MILD | {"phq9_9": 2}}
    answer = api_as(cast, "clinician").post(f"{V1}/responses", body)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "session"]
    assert "cancelled" in answer.json()["detail"][0]["msg"]
    assert Response.objects.count() == 1
    assert not Alert.objects.filter(rule="risk_answer").exists()


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("nl", "phq9_3: 7,0 ligt niet op de schaal; toegestaan: een van 0; 1; 2; 3"),
        ("de", "phq9_3: 7,0 liegt nicht auf der Skala; erlaubt: einer der Werte 0; 1; 2; 3"),
        ("en", "phq9_3: 7.0 is not on the scale; allowed one of 0, 1, 2, 3"),
    ],
)
def test_a_refused_answer_is_explained_in_the_requests_language(
    cast: SimpleNamespace, language: str, said: str
) -> None:
    # The request's Accept-Language decides (tests/api/test_token_language.py: without one,
    # the token user's own language).
    body = {"session": cast.session.pk, "instrument": "phq9", "items": PHQ9_MILD | {"phq9_3": 7}}
    api = api_as(cast, "clinician")
    answer = api.browser.post(
        f"{V1}/responses", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
    )
    assert answer.status_code == 422
    assert answer.json()["detail"] == [
        {"loc": ["body", "phq9_3"], "msg": said, "type": "value_error"}
    ]
