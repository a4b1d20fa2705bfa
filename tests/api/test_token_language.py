"""A script's request that names no language is answered in its token user's own language
(the one their pages use); a language the request names wins (issue 17: a language per user)."""

from types import SimpleNamespace
from typing import Any

import pytest

from tests.api.conftest import api_as
from tests.api.test_fhir import qr_body, valid
from tests.api.test_rest import PHQ9_MILD

V1 = "/api/v1"


def _refusal(cast: SimpleNamespace, **headers: str) -> Any:
    body = {"session": cast.session.pk, "instrument": "phq9", "items": PHQ9_MILD | {"phq9_3": 7}}
    answer = api_as(cast, "clinician").browser.post(
        f"{V1}/responses", body, content_type="application/json", **headers
    )
    assert answer.status_code == 422, answer.content
    return answer.json()["detail"][0]["msg"]


def _fhir_refusal(cast: SimpleNamespace, **headers: str) -> str:
    items = [{"linkId": f"phq9_{n}", "answer": [{"valueInteger": 7}]} for n in range(1, 10)]
    answer = api_as(cast, "clinician").browser.post(
        "/fhir/QuestionnaireResponse",
        qr_body(cast, item=items),
        content_type="application/fhir+json",
        **headers,
    )
    assert answer.status_code == 422, answer.content
    return str(valid(answer.json())["issue"][0]["diagnostics"])


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("nl", "phq9_3: 7,0 ligt niet op de schaal; toegestaan: een van 0; 1; 2; 3"),
        ("de", "phq9_3: 7,0 liegt nicht auf der Skala; erlaubt: einer der Werte 0; 1; 2; 3"),
    ],
)
def test_a_request_without_a_language_is_answered_in_the_users_own(
    cast: SimpleNamespace, language: str, said: str
) -> None:
    cast.clinician.language = language
    cast.clinician.save(update_fields=["language"])
    assert _refusal(cast) == said
    # The request's own language wins: a script that parses English asks for it.
    assert _refusal(cast, HTTP_ACCEPT_LANGUAGE="en") == (
        "phq9_3: 7.0 is not on the scale; allowed one of 0, 1, 2, 3"
    )


def test_fhir_answers_in_the_users_language_too(cast: SimpleNamespace) -> None:
    english = _fhir_refusal(cast, HTTP_ACCEPT_LANGUAGE="en")
    dutch = _fhir_refusal(cast, HTTP_ACCEPT_LANGUAGE="nl")
    assert english != dutch
    cast.clinician.language = "nl"
    cast.clinician.save(update_fields=["language"])
    assert _fhir_refusal(cast) == dutch
    assert _fhir_refusal(cast, HTTP_ACCEPT_LANGUAGE="en") == english
