"""The OpenAPI schema lets a generated client use every answer (issue 14, point 8): each array
says what it holds (openapi-python-client drops a schema with an untyped array, and it dropped
every 422 model), each reference resolves, fixed vocabularies are enums, a body takes only the
fields it declares, and a date-time needs its offset."""

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from alliance.care.models import NoticedBy, Resolution, SessionStatus
from alliance.feedback.models import AlertState, Severity
from alliance.measures.models import Method, Rater, Response
from alliance.science.ruptures import MARKERS
from tests.api.conftest import PHQ9_MILD, Api, api_as

V1 = "/api/v1"


@pytest.fixture
def schema(db: None) -> dict[str, Any]:
    return dict(Api(None).get(f"{V1}/openapi.json").json())


def walk(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{where}/{index}")


def test_every_array_says_what_it_holds(schema: dict[str, Any]) -> None:
    untyped = [
        where
        for where, node in walk(schema)
        if node.get("type") == "array" and "items" not in node and "prefixItems" not in node
    ]
    assert untyped == []


def test_every_reference_resolves(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    for where, node in walk(schema):
        ref = node.get("$ref")
        if isinstance(ref, str):
            assert ref.removeprefix("#/components/schemas/") in components, where


def test_every_operation_documents_its_422_with_a_typed_model(schema: dict[str, Any]) -> None:
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            invalid = operation["responses"]["422"]["content"]["application/json"]["schema"]
            assert invalid == {"$ref": "#/components/schemas/Invalid"}, (method, path)
    problem = schema["components"]["schemas"]["Invalid"]["properties"]["detail"]["items"]
    assert problem["properties"]["loc"]["items"]


def _property(schema: dict[str, Any], model: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = schema["components"]["schemas"][model]["properties"][name]
    if "$ref" in found:
        found = schema["components"]["schemas"][found["$ref"].rsplit("/", 1)[-1]]
    return found


@pytest.mark.parametrize(
    ("model", "name", "values"),
    [
        ("ResponseOut", "rater", Rater.values),
        ("ResponseOut", "method", Method.values),
        ("ResponseIn", "rater", Rater.values),
        ("SessionOut", "status", SessionStatus.values),
        ("AlertOut", "severity", Severity.values),
        ("AlertOut", "state", AlertState.values),
        ("RuptureIn", "noticed_by", NoticedBy.values),
        ("RuptureIn", "resolution", Resolution.values),
    ],
)
def test_fixed_vocabularies_are_enums(
    schema: dict[str, Any], model: str, name: str, values: list[str]
) -> None:
    found = _property(schema, model, name)
    enum = found.get("enum") or next(
        (option.get("enum") for option in found.get("anyOf", []) if "enum" in option), None
    )
    assert enum == values


def test_rupture_markers_are_an_enum_of_items(schema: dict[str, Any]) -> None:
    assert _property(schema, "RuptureIn", "markers")["items"]["enum"] == list(MARKERS)


def test_a_body_field_an_endpoint_does_not_take_is_refused(cast: SimpleNamespace) -> None:
    url = f"{V1}/alerts/{cast.alert.pk}/acknowledge"
    answer = api_as(cast, "clinician").post(url, {"note": "ok", "acknowledged_by": 7})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][-1] == "acknowledged_by"
    cast.alert.refresh_from_db()
    assert cast.alert.acknowledged_at is None


@pytest.mark.parametrize("body", ["[]", '"x"', "1"])
def test_an_acknowledgement_body_that_is_not_an_object_is_refused(
    cast: SimpleNamespace, body: str
) -> None:
    url = f"{V1}/alerts/{cast.alert.pk}/acknowledge"
    answer = api_as(cast, "clinician").browser.post(url, body, content_type="application/json")
    assert answer.status_code == 422
    cast.alert.refresh_from_db()
    assert cast.alert.acknowledged_at is None


def test_a_date_time_without_its_offset_is_refused(cast: SimpleNamespace) -> None:
    body = {
        "session": cast.session.pk,
        "instrument": "phq9",
        "items": PHQ9_MILD,
        "answered_at": "2026-01-05T10:30:00",
    }
    answer = api_as(cast, "clinician").post(f"{V1}/responses", body)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][-1] == "answered_at"
    assert Response.objects.count() == 1
    with_offset = body | {"answered_at": "2026-01-05T10:30:00+01:00"}
    assert api_as(cast, "clinician").post(f"{V1}/responses", with_offset).status_code == 201
