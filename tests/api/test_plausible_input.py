"""REST answers are JSON numbers and its dates plausible: a boolean, a string holding a number,
the year 0001 or 9999 are refused with 422 naming the field, and nothing is stored (issue 13)."""

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from django.utils import timezone

from alliance.measures.models import Response
from tests.api.conftest import PHQ9_MILD, api_as

V1 = "/api/v1"


def _post(cast: SimpleNamespace, **changes: object) -> object:
    body = {"session": cast.session.pk, "instrument": "phq9", "items": PHQ9_MILD} | changes
    return api_as(cast, "clinician").browser.post(
        f"{V1}/responses", json.dumps(body), content_type="application/json"
    )


def _refused(answer: object, *field: str) -> None:
    assert answer.status_code == 422, answer.content  # type: ignore[attr-defined]
    locs = [tuple(problem["loc"]) for problem in answer.json()["detail"]]  # type: ignore[attr-defined]
    assert any(loc[-len(field) :] == field for loc in locs), locs


@pytest.mark.parametrize("answer", [True, False, "5", "1", [1], {"value": 1}])
def test_an_answer_that_is_not_a_json_number_is_refused_naming_the_item(
    cast: SimpleNamespace, answer: object
) -> None:
    before = Response.objects.count()
    _refused(_post(cast, items=PHQ9_MILD | {"phq9_3": answer}), "items", "phq9_3")
    assert Response.objects.count() == before


def test_whole_and_decimal_numbers_and_null_are_answers(cast: SimpleNamespace) -> None:
    items = PHQ9_MILD | {"phq9_3": 1.0, "phq9_4": None}
    assert _post(cast, items=items).status_code == 201


@pytest.mark.parametrize(
    "when",
    ["0001-01-01T00:00:00+00:00", "1899-12-31T23:59:00+00:00", "9999-12-31T23:59:59+00:00"],
)
def test_an_implausible_answer_time_is_refused_naming_the_field(
    cast: SimpleNamespace, when: str
) -> None:
    before = Response.objects.count()
    _refused(_post(cast, answered_at=when), "answered_at")
    assert Response.objects.count() == before


def test_an_answer_time_more_than_a_few_minutes_ahead_is_refused(cast: SimpleNamespace) -> None:
    ahead = timezone.now() + dt.timedelta(hours=1)
    _refused(_post(cast, answered_at=ahead.isoformat()), "answered_at")


def test_a_plausible_answer_time_is_kept(cast: SimpleNamespace) -> None:
    when = timezone.now() - dt.timedelta(days=3)
    answer = _post(cast, answered_at=when.isoformat())
    assert answer.status_code == 201
    stored = Response.objects.get(pk=answer.json()["id"])  # type: ignore[attr-defined]
    assert stored.answered_at == when.replace(microsecond=stored.answered_at.microsecond)


def test_fhir_refuses_an_implausible_authored_time_naming_it(cast: SimpleNamespace) -> None:
    from tests.api.test_fhir import post, qr_body

    answer = post(cast, "clinician", qr_body(cast, authored="0001-01-01T00:00:00+00:00"))
    assert answer.status_code == 422
    assert answer.json()["issue"][0]["expression"] == ["authored"]
