"""REST intake and episodes (issue 11, point 7): POST /api/v1/clients, POST /api/v1/episodes
with its measurement_plan, PATCH /api/v1/episodes/{id} (care team, plan, end, transfer), scoped
like the pages; bad input refused naming the field, nothing stored; another organisation's
token sees and changes nothing."""

from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from alliance.accounts.models import Organisation, Role, Team
from alliance.api.models import Scope
from alliance.api.services import token_create
from alliance.care import plans
from alliance.care.models import Client, Episode
from tests.api.conftest import STAFF_ROLES, Api, api_as
from tests.factories import make_user

TODAY = timezone.localdate().isoformat()
PLAN = [
    {"instrument": "ors", "repeat": "sessions", "interval": 1},
    {"instrument": "srs", "repeat": "sessions", "interval": 1},
    {"instrument": "phq9", "at_intake": True, "at_end": True, "repeat": "sessions", "interval": 4},
]


def _patch(api: Api, url: str, body: Any) -> Any:
    return api.browser.patch(url, body, content_type="application/json")


def _new_client(cast: SimpleNamespace, role: str = "clinician") -> int:
    answer = api_as(cast, role).post(
        "/api/v1/clients", {"display_name": "Robin Hart", "birth_year": 1984}
    )
    assert answer.status_code == 201, answer.content
    return int(answer.json()["id"])


def _episode_body(cast: SimpleNamespace, client_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "team_id": cast.team_a.pk,
        "setting": "individual",
        "started_on": TODAY,
        "care_team": [{"member_id": cast.clinician.pk, "role": "primary_therapist"}],
        "measurement_plan": PLAN,
    } | changes


def _fields(answer: Any) -> set[str]:
    return {entry["loc"][-1] for entry in answer.json()["detail"]}


def test_a_client_is_added_and_given_an_episode_with_its_plan(cast: SimpleNamespace) -> None:
    client_id = _new_client(cast)
    client = Client.objects.get(pk=client_id)
    assert client.created_by == cast.clinician and client.age_group == "adult" and client.code
    answer = api_as(cast, "clinician").post("/api/v1/episodes", _episode_body(cast, client_id))
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert [item["instrument"] for item in body["measurement_plan"]] == ["ors", "srs", "phq9"]
    assert body["measurement_plan"][2]["interval"] == 4
    assert body["care_team"] == [{"member_id": cast.clinician.pk, "role": "primary_therapist"}]
    episode = Episode.objects.get(pk=body["id"])
    assert [i.instrument for i in plans.episode_plan(episode)] == ["ors", "srs", "phq9"]
    # The same again (a retry) opens no second episode.
    again = api_as(cast, "clinician").post("/api/v1/episodes", _episode_body(cast, client_id))
    assert again.json()["id"] == body["id"]


def test_without_a_plan_the_team_default_is_used(cast: SimpleNamespace) -> None:
    plans.plan_default_set(
        team=cast.team_a, setting="individual", items=plans.check_items(PLAN[2:])
    )
    client_id = _new_client(cast)
    body = _episode_body(cast, client_id)
    del body["measurement_plan"]
    answer = api_as(cast, "clinician").post("/api/v1/episodes", body)
    assert [i["instrument"] for i in answer.json()["measurement_plan"]] == ["phq9"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {"measurement_plan": [{"instrument": "xyz", "repeat": "sessions", "interval": 1}]},
            "measurement_plan",
        ),
        (
            {"measurement_plan": [{"instrument": "ors", "repeat": "sessions", "interval": 0}]},
            "measurement_plan",
        ),
        (
            {"measurement_plan": [{"instrument": "ors", "repeat": "weeks", "interval": -1}]},
            "measurement_plan",
        ),
        ({"care_team": [{"member_id": "colleague", "role": "team_member"}]}, "care_team"),
        (
            {"care_team": [{"member_id": "other_supervisor", "role": "primary_therapist"}]},
            "care_team",
        ),
        ({"setting": "sauna"}, "setting"),
        ({"team_id": "team_b"}, "team_id"),
        ({"outcome_measure": "xyz"}, "outcome_measure"),
    ],
)
def test_bad_episodes_are_refused_naming_the_field(
    cast: SimpleNamespace, changes: dict[str, Any], field: str
) -> None:
    client_id = _new_client(cast)
    for name, value in changes.items():
        if name == "care_team":
            for member in value:
                member["member_id"] = getattr(cast, member["member_id"]).pk
        if value == "team_b":
            changes[name] = cast.team_b.pk
    answer = api_as(cast, "clinician").post(
        "/api/v1/episodes", _episode_body(cast, client_id, **changes)
    )
    assert answer.status_code == 422, answer.content
    assert field in _fields(answer), answer.json()
    assert not Episode.objects.filter(client_id=client_id).exists()


def test_a_client_of_another_organisation_is_refused(cast: SimpleNamespace) -> None:
    other = Organisation.objects.create(name="Elsewhere Therapy")
    team = Team.objects.create(organisation=other, name="Elsewhere adults")
    stranger = make_user("stranger", organisation=other, role=Role.CLINICIAN, team=team)
    secret = token_create(user=stranger, name="t", scope=Scope.READ_WRITE).secret
    stranger_api = Api(secret)
    # Their own client in their own team works ...
    theirs = stranger_api.post("/api/v1/clients", {"display_name": "Sam", "age_group": "adult"})
    assert theirs.status_code == 201
    # ... ours is refused naming client_id, and our team naming team_id, exactly as a team id
    # no team has (the answer does not tell whether another organisation's team exists).
    ours = stranger_api.post(
        "/api/v1/episodes",
        {
            "client_id": cast.episode.client_id,
            "team_id": team.pk,
            "started_on": TODAY,
            "care_team": [{"member_id": stranger.pk, "role": "primary_therapist"}],
        },
    )
    assert ours.status_code == 422 and "client_id" in _fields(ours)
    mixed = stranger_api.post(
        "/api/v1/episodes",
        {
            "client_id": theirs.json()["id"],
            "team_id": cast.team_a.pk,
            "started_on": TODAY,
            "care_team": [{"member_id": stranger.pk, "role": "primary_therapist"}],
        },
    )
    assert mixed.status_code == 422 and "team_id" in _fields(mixed)
    # Our episode is not theirs to change: it does not exist for them.
    answer = _patch(
        stranger_api,
        f"/api/v1/episodes/{cast.episode.pk}",
        {"end": {"ending": "planned"}},
    )
    assert answer.status_code == 404
    cast.episode.refresh_from_db()
    assert cast.episode.ended_on is None
    assert Episode.objects.filter(client__organisation=other).count() == 0


@pytest.mark.parametrize("role", ["anonymous", *STAFF_ROLES])
def test_ending_an_episode_by_role(cast: SimpleNamespace, role: str) -> None:
    expected = {
        "anonymous": 401,
        "clinician": 200,
        "supervisor": 200,
    }.get(role, 404)
    answer = _patch(
        api_as(cast, role), f"/api/v1/episodes/{cast.episode.pk}", {"end": {"ending": "planned"}}
    )
    assert answer.status_code == expected, answer.content
    cast.episode.refresh_from_db()
    assert (cast.episode.ending == "planned") == (expected == 200)


@pytest.mark.parametrize("role", ["anonymous", *STAFF_ROLES])
def test_adding_a_client_by_role(cast: SimpleNamespace, role: str) -> None:
    expected = {"anonymous": 401, "outsider": 403}.get(role, 201)
    before = Client.objects.count()
    answer = api_as(cast, role).post("/api/v1/clients", {"display_name": "R", "age_group": "adult"})
    assert answer.status_code == expected, answer.content
    assert Client.objects.count() - before == (1 if expected == 201 else 0)


def test_a_read_only_token_writes_nothing(cast: SimpleNamespace) -> None:
    reader = Api(token_create(user=cast.clinician, name="r", scope=Scope.READ).secret)
    assert (
        reader.post("/api/v1/clients", {"display_name": "R", "age_group": "adult"}).status_code
        == 403
    )
    answer = _patch(reader, f"/api/v1/episodes/{cast.episode.pk}", {"end": {"ending": "planned"}})
    assert answer.status_code == 403


def test_the_care_team_plan_end_and_transfer_by_patch(cast: SimpleNamespace) -> None:
    api = api_as(cast, "clinician")
    url = f"/api/v1/episodes/{cast.episode.pk}"
    team = {
        "care_team": [
            {"member_id": cast.clinician.pk, "role": "primary_therapist"},
            {"member_id": cast.colleague.pk, "role": "case_manager"},
        ]
    }
    answer = _patch(api, url, team)
    assert answer.status_code == 200 and len(answer.json()["care_team"]) == 2
    answer = _patch(
        api, url, {"care_team": [{"member_id": cast.colleague.pk, "role": "team_member"}]}
    )
    assert answer.status_code == 422 and "care_team" in _fields(answer)
    answer = _patch(api, url, {"measurement_plan": PLAN[1:]})
    assert [i["instrument"] for i in answer.json()["measurement_plan"]] == ["srs", "phq9"]
    answer = _patch(
        api, url, {"measurement_plan": [{"instrument": "xyz", "repeat": "sessions", "interval": 1}]}
    )
    assert answer.status_code == 422 and "measurement_plan" in _fields(answer)
    answer = _patch(api, url, {})
    assert answer.status_code == 422
    answer = _patch(api, url, {"end": {"ending": "planned", "ended_on": "2025-01-01"}})
    assert answer.status_code == 422 and "ended_on" in _fields(answer)
    answer = _patch(api, url, {"end": {"ending": "vanished"}})
    assert answer.status_code == 422
    b_clinician = make_user("bclin", organisation=cast.org, role=Role.CLINICIAN, team=cast.team_b)
    answer = _patch(
        api,
        url,
        {
            "transfer": {
                "mode": "new_episode",
                "team_id": cast.team_b.pk,
                "care_team": [{"member_id": b_clinician.pk, "role": "primary_therapist"}],
            }
        },
    )
    assert answer.status_code == 200, answer.content
    new = answer.json()
    assert new["continues_id"] == cast.episode.pk and new["team_id"] == cast.team_b.pk
    assert [i["instrument"] for i in new["measurement_plan"]] == ["srs", "phq9"]
    cast.episode.refresh_from_db()
    assert cast.episode.ending == "transferred"


def test_the_schema_documents_the_writes_and_their_errors(cast: SimpleNamespace) -> None:
    schema = api_as(cast, "clinician").get("/api/v1/openapi.json").json()
    for path, method in [
        ("/api/v1/clients", "post"),
        ("/api/v1/episodes", "post"),
        ("/api/v1/episodes/{episode_id}", "patch"),
    ]:
        responses = schema["paths"][path][method]["responses"]
        assert {"401", "403", "404", "422"} <= set(map(str, responses)), (path, responses)
    plan = schema["components"]["schemas"]["PlanItemIn"]["properties"]
    assert set(plan["repeat"]["enum"]) == {"", "sessions", "weeks"}
