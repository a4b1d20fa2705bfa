"""Hostile request bodies: FHIR ``POST QuestionnaireResponse`` and REST ``POST /api/v1/responses``
answer every one of them with a 4xx that says what was wrong (an OperationOutcome for FHIR), never
a server error, and store nothing (issue 13, point 5; limits in docs/api.md)."""

import copy
import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliance.api.limits import MAX_NUMBER_CHARACTERS, max_body_bytes, max_json_depth
from alliance.measures.models import Response
from tests.api.conftest import PHQ9_MILD, api_as
from tests.api.test_fhir import qr_body, valid

FHIR = "/fhir/QuestionnaireResponse"
REST = "/api/v1/responses"
HOLE = '"__hole__"'


def fhir_text(cast: SimpleNamespace, **changes: Any) -> str:
    return json.dumps(qr_body(cast, **changes))


def rest_text(cast: SimpleNamespace, **changes: Any) -> str:
    return json.dumps(
        {"session": cast.session.pk, "instrument": "phq9", "items": PHQ9_MILD} | changes
    )


def nested_items(depth: int) -> str:
    """``item`` holding items ``depth`` deep, written out as text (``json.dumps`` itself
    recurses and would fail first)."""
    inner = '{"linkId": "group"}'
    return "[" + '{"linkId": "group", "item": [' * (depth - 1) + inner + "]}" * (depth - 1) + "]"


def post(cast: SimpleNamespace, url: str, body: str | bytes) -> Any:
    content_type = "application/fhir+json" if url == FHIR else "application/json"
    return api_as(cast, "clinician").post(url, body, content_type)


def refused_plainly(answer: Any, url: str) -> dict[str, Any]:
    """The answer is a 4xx in the endpoint's own error format; returns the body."""
    assert 400 <= answer.status_code < 500, answer.content[:300]
    body = json.loads(answer.content)
    if url == FHIR:
        assert answer["Content-Type"] == "application/fhir+json"
        valid(body)
        assert body["resourceType"] == "OperationOutcome"
        assert body["issue"][0]["diagnostics"]
    else:
        assert answer["Content-Type"].startswith("application/json")
        assert body["detail"]
    return body


def message(body: dict[str, Any]) -> str:
    return str(body["issue"][0]["diagnostics"] if "issue" in body else body["detail"])


# The explicit cases of the issue --------------------------------------------------------------


def several_megabytes(cast: SimpleNamespace, url: str) -> str:
    padding = "x" * 5_000_000  # over Django's own 2.5 MB ceiling as well
    if url == FHIR:
        return fhir_text(cast, text={"status": "generated", "div": padding})
    return rest_text(cast, padding=padding)


def just_over_the_limit(cast: SimpleNamespace, url: str) -> str:
    text = fhir_text(cast) if url == FHIR else rest_text(cast)
    return text[:-1] + ', "padding": "' + "x" * (max_body_bytes() - len(text) + 1) + '"}'


def deep_arrays(cast: SimpleNamespace, url: str) -> str:
    return "[" * 50_000 + "]" * 50_000


def deep_objects(cast: SimpleNamespace, url: str) -> str:
    return '{"a": ' * 50_000 + "1" + "}" * 50_000


def long_whole_number(cast: SimpleNamespace, url: str) -> str:
    if url == FHIR:
        return fhir_text(cast).replace('"valueInteger": 1', '"valueInteger": ' + "9" * 400, 1)
    return rest_text(cast).replace('"phq9_1": 1', '"phq9_1": ' + "9" * 400, 1)


def long_decimal(cast: SimpleNamespace, url: str) -> str:
    number = "1" + "0" * 400 + ".5"
    if url == FHIR:
        return fhir_text(cast).replace('"valueInteger": 1', '"valueDecimal": ' + number, 1)
    return rest_text(cast).replace('"phq9_1": 1', '"phq9_1": ' + number, 1)


def past_pythons_digit_limit(cast: SimpleNamespace, url: str) -> str:
    return long_whole_number(cast, url).replace("9" * 400, "9" * 5000)


def infinite_number(cast: SimpleNamespace, url: str) -> str:
    return long_decimal(cast, url).replace("1" + "0" * 400 + ".5", "1e999")


def not_a_number(cast: SimpleNamespace, url: str) -> str:
    return long_decimal(cast, url).replace("1" + "0" * 400 + ".5", "NaN")


def items_900_deep(cast: SimpleNamespace, url: str) -> str:
    if url == FHIR:
        return fhir_text(cast, item="__hole__").replace(HOLE, nested_items(900))
    return rest_text(cast, items="__hole__").replace(HOLE, nested_items(900))


def not_utf8(cast: SimpleNamespace, url: str) -> bytes:
    return b'{"resourceType": "\xff\xfe"}'


HOSTILE = {
    "several megabytes": (several_megabytes, 413),
    "just over the limit": (just_over_the_limit, 413),
    "arrays 50,000 deep": (deep_arrays, 400),
    "objects 50,000 deep": (deep_objects, 400),
    "a 400-digit whole number": (long_whole_number, 400),
    "a 400-digit decimal": (long_decimal, 400),
    "a 5,000-digit number": (past_pythons_digit_limit, 400),
    "1e999": (infinite_number, 400),
    "NaN": (not_a_number, 400),
    "items 900 deep": (items_900_deep, 400),
    "not UTF-8": (not_utf8, 400),
}


@pytest.mark.parametrize("url", [FHIR, REST], ids=["fhir", "rest"])
@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_body_is_refused_with_a_plain_4xx_and_stores_nothing(
    cast: SimpleNamespace, url: str, case: str
) -> None:
    build, status = HOSTILE[case]
    before = Response.objects.count()
    answer = post(cast, url, build(cast, url))
    assert answer.status_code == status
    refused_plainly(answer, url)
    assert Response.objects.count() == before


def test_a_body_too_large_says_the_limit(cast: SimpleNamespace) -> None:
    for url in (FHIR, REST):
        body = refused_plainly(post(cast, url, several_megabytes(cast, url)), url)
        assert str(max_body_bytes()) in message(body)
        if url == FHIR:
            assert body["issue"][0]["code"] == "too-long"


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(
    cast: SimpleNamespace,
) -> None:
    for url in (FHIR, REST):
        client = api_as(cast, "clinician").browser
        answer = client.post(
            url, "{}", content_type="application/json", CONTENT_LENGTH=str(max_body_bytes() + 1)
        )
        assert answer.status_code == 413
        refused_plainly(answer, url)


def test_too_deep_and_too_long_say_the_limit(cast: SimpleNamespace) -> None:
    for url in (FHIR, REST):
        deep = refused_plainly(post(cast, url, deep_arrays(cast, url)), url)
        assert f"at most {max_json_depth()}" in message(deep)
        long = refused_plainly(post(cast, url, long_whole_number(cast, url)), url)
        assert f"at most {MAX_NUMBER_CHARACTERS}" in message(long)


def test_a_body_at_the_limits_is_still_taken(cast: SimpleNamespace) -> None:
    fhir = fhir_text(cast)
    fhir = fhir[:-1] + ', "padding": "' + "x" * (max_body_bytes() - len(fhir) - 16) + '"}'
    assert post(cast, FHIR, fhir).status_code != 413  # padding is not FHIR: refused as such
    rest = rest_text(cast)
    # Padded with white space: the body takes no field it does not declare.
    rest = rest[:-1] + " " * (max_body_bytes() - len(rest) - 1) + "}"
    assert len(rest.encode()) <= max_body_bytes()
    assert post(cast, REST, rest).status_code == 201


def test_items_nested_past_the_item_limit_are_refused_naming_the_field(
    cast: SimpleNamespace,
) -> None:
    with override_settings(ALLIANCE={**_alliance(), "FHIR_MAX_ITEM_DEPTH": 3}):
        answer = post(cast, FHIR, fhir_text(cast, item="__hole__").replace(HOLE, nested_items(4)))
        assert answer.status_code == 422
        issue = refused_plainly(answer, FHIR)["issue"][0]
        assert issue["expression"] == ["item"] and "3" in issue["diagnostics"]


@pytest.mark.parametrize(
    ("place", "expression"),
    [
        (("item", 0, "answer", 0, "valueInteger"), "item[0].answer[0].valueInteger"),
        (("item", 8, "answer", 0, "valueCoding"), "item[8].answer[0].valueCoding"),
        (("item", 0), "item[0]"),
        (("encounter",), "encounter"),
    ],
)
def test_a_null_in_a_questionnaire_response_is_refused_naming_where(
    cast: SimpleNamespace, place: tuple[Any, ...], expression: str
) -> None:
    # Found by the fuzz test below: fhirclient reads null as absent, the intake did not.
    answer = post(cast, FHIR, json.dumps(_replace(qr_body(cast), place, None)))
    assert answer.status_code == 422
    assert refused_plainly(answer, FHIR)["issue"][0]["expression"] == [expression]
    assert Response.objects.count() == 1


def test_answers_inside_item_groups_within_the_limit_are_scored(cast: SimpleNamespace) -> None:
    answers = qr_body(cast)["item"]
    grouped = [{"linkId": "outer", "item": [{"linkId": "inner", "item": answers}]}]
    answer = post(cast, FHIR, json.dumps(qr_body(cast, item=grouped)))
    assert answer.status_code == 201
    assert Response.objects.get(pk=answer.json()["id"]).total == 10


def _alliance() -> dict[str, Any]:
    return dict(django_settings.ALLIANCE)


# Fuzzing -------------------------------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=16,
)

# Where in a QuestionnaireResponse a random value replaces the real one.
FHIR_PLACES = [
    (),
    ("resourceType",),
    ("identifier",),
    ("identifier", "value"),
    ("questionnaire",),
    ("status",),
    ("subject",),
    ("subject", "reference"),
    ("encounter",),
    ("encounter", "reference"),
    ("authored",),
    ("item",),
    ("item", 0),
    ("item", 0, "linkId"),
    ("item", 0, "answer"),
    ("item", 0, "answer", 0),
    ("item", 0, "answer", 0, "valueInteger"),
    ("item", 8, "answer", 0, "valueCoding"),
    ("item", 8, "answer", 0, "valueCoding", "code"),
    ("item", 0, "item"),
]
REST_PLACES = [
    (),
    ("session",),
    ("instrument",),
    ("items",),
    ("items", "phq9_1"),
    ("rater",),
    ("idempotency_key",),
    ("answered_at",),
]


def _replace(body: Any, place: tuple[Any, ...], value: Any) -> Any:
    if not place:
        return value
    changed = copy.deepcopy(body)
    holder = changed
    for step in place[:-1]:
        holder = holder[step]
    holder[place[-1]] = value
    return changed


def _raw(n: int, kind: str) -> str:
    return {
        "arrays": "[" * n + "]" * n,
        "objects": '{"a": ' * n + "null" + "}" * n,
        "unclosed": "[" * n,
        "number": "9" * n,
        "string": '"' + "x" * n + '"',
    }[kind]


RAW = st.builds(
    _raw,
    st.integers(min_value=0, max_value=60_000),
    st.sampled_from(["arrays", "objects", "unclosed", "number", "string"]),
)
BIG = st.builds(lambda n: '{"x": "' + "y" * n + '"}', st.sampled_from([10, 1_048_560, 3_000_000]))
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _body(cast: SimpleNamespace, url: str, data: st.DataObject) -> str | bytes:
    mutated = st.tuples(st.sampled_from(FHIR_PLACES if url == FHIR else REST_PLACES), JSON)
    kind = data.draw(st.sampled_from(["mutated", "raw", "big", "bytes", "deep value"]))
    if kind == "raw":
        return data.draw(RAW)
    if kind == "big":
        return data.draw(BIG)
    if kind == "bytes":
        return data.draw(st.binary(max_size=64))
    base = qr_body(cast) if url == FHIR else json.loads(rest_text(cast))
    place, value = data.draw(mutated)
    if kind == "mutated":
        return json.dumps(_replace(base, place, value))
    depth = data.draw(st.integers(min_value=1, max_value=3000))
    return json.dumps(_replace(base, place, "__hole__")).replace(HOLE, _raw(depth, "arrays"))


@FUZZ
@given(data=st.data())
def test_fuzzed_fhir_bodies_never_get_a_server_error(
    cast: SimpleNamespace, data: st.DataObject
) -> None:
    answer = post(cast, FHIR, _body(cast, FHIR, data))
    if answer.status_code != 201:
        refused_plainly(answer, FHIR)


@FUZZ
@given(data=st.data())
def test_fuzzed_rest_bodies_never_get_a_server_error(
    cast: SimpleNamespace, data: st.DataObject
) -> None:
    answer = post(cast, REST, _body(cast, REST, data))
    if answer.status_code != 201:
        refused_plainly(answer, REST)
