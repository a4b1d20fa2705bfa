"""POST /api/v1/responses/{id}/void: as every role, with another organisation's token, a read
token, without a reason, twice; documented in the OpenAPI schema with its errors."""

import json
from types import SimpleNamespace

import pytest
from django.urls import reverse

from alliance.accounts.models import Organisation, Role, Team
from alliance.api.models import Scope
from alliance.api.services import token_create
from alliance.audit.models import AuditEvent
from alliance.measures.models import Response
from tests.access.roles import ROLES
from tests.api.conftest import RECORDS, SEES, Api, api_as
from tests.factories import make_episode, make_user

pytestmark = pytest.mark.django_db


def _url(cast: SimpleNamespace) -> str:
    return f"/api/v1/responses/{cast.response.pk}/void"


@pytest.mark.parametrize("role", ROLES)
def test_voiding_a_response_as_each_role(cast: SimpleNamespace, role: str) -> None:
    answer = api_as(cast, role).post(_url(cast), {"reason": "Entered for the wrong client"})
    allowed = 200 if role in RECORDS else 403 if role in SEES else 404
    expected = 401 if role == "anonymous" else allowed
    assert answer.status_code == expected
    assert Response.objects.filter(pk=cast.response.pk).exists() == (role not in RECORDS)
    if role in RECORDS:
        body = answer.json()
        assert body["void_reason"] == "Entered for the wrong client"
        assert body["voided_by_id"] == cast.clinician.pk and body["voided_at"]
        event = AuditEvent.objects.get(detail__startswith="voided")
        assert event.via == "api" and event.client_id == cast.episode.client_id


def test_another_organisation_s_token_finds_nothing(cast: SimpleNamespace) -> None:
    elsewhere = Organisation.objects.create(name="Hillside Practice")
    team = Team.objects.create(organisation=elsewhere, name="Adults")
    stranger = make_user("stranger", organisation=elsewhere, role=Role.CLINICIAN, team=team)
    make_episode(team, stranger)
    secret = token_create(user=stranger, name="t", scope=Scope.READ_WRITE).secret
    answer = Api(secret).post(_url(cast), {"reason": "Mine now"})
    assert answer.status_code == 404
    assert Response.objects.filter(pk=cast.response.pk).exists()


def test_a_read_token_may_not_void(cast: SimpleNamespace) -> None:
    secret = token_create(user=cast.clinician, name="reader", scope=Scope.READ).secret
    assert Api(secret).post(_url(cast), {"reason": "Slip"}).status_code == 403
    assert Response.objects.filter(pk=cast.response.pk).exists()


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 301}])
def test_a_void_without_a_reason_is_refused_naming_the_field(
    cast: SimpleNamespace, body: dict[str, str]
) -> None:
    answer = api_as(cast, "clinician").post(_url(cast), body)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][-1] == "reason"
    assert Response.objects.filter(pk=cast.response.pk).exists()


def test_voiding_twice_returns_the_first_void_and_the_response_leaves_the_lists(
    cast: SimpleNamespace,
) -> None:
    api = api_as(cast, "clinician")
    first = api.post(_url(cast), {"reason": "Slip"}).json()
    again = api.post(_url(cast), {"reason": "Another"})
    assert again.status_code == 200 and again.json()["void_reason"] == "Slip"
    assert again.json()["voided_at"] == first["voided_at"]
    assert api.get(f"/api/v1/responses/{cast.response.pk}").status_code == 404
    assert api.get("/api/v1/responses").json()["count"] == 0


def test_the_schema_documents_the_void_and_its_errors(client: object) -> None:
    schema = json.loads(client.get(reverse("api:openapi-json")).content)  # type: ignore[attr-defined]
    operation = schema["paths"]["/api/v1/responses/{response_id}/void"]["post"]
    assert {"200", "401", "403", "404", "422"} <= set(operation["responses"])
    assert "VoidIn" in json.dumps(operation["requestBody"])
    assert schema["components"]["schemas"]["VoidIn"]["required"] == ["reason"]
