"""A refused answer is explained in the reader's language: the science core's message (what is
wrong, what the scale allows) translated where the pages, the API and the portal record a
response (``measures.services``), the item named, numbers with the language's decimal mark;
English stays word for word as the science core writes it."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from alliance.measures.models import Response
from alliance.measures.services import response_record

ORS = {"ors_1": 4.5, "ors_2": 6.0, "ors_3": 5.2, "ors_4": 3.3}


def _refusal(clinic: SimpleNamespace, language: str, values: dict[str, object]) -> dict:  # type: ignore[type-arg]
    with translation.override(language), pytest.raises(ValidationError) as refused:
        response_record(session=clinic.session, instrument_code="ors", values=values)
    assert Response.objects.count() == 0
    return refused.value.message_dict


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("nl", "ors_2: 10,5 ligt niet op de schaal; toegestaan: 0 tot 10 in stappen van 0,1"),
        ("de", "ors_2: 10,5 liegt nicht auf der Skala; erlaubt: 0 bis 10 in Schritten von 0,1"),
        ("en", "ors_2: 10.5 is not on the scale; allowed 0 to 10 in steps of 0.1"),
    ],
)
def test_a_value_off_the_scale_is_refused_in_the_readers_language(
    clinic: SimpleNamespace, language: str, said: str
) -> None:
    assert _refusal(clinic, language, {**ORS, "ors_2": 10.5}) == {"ors_2": [said]}


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("nl", "ors_3: 'lots' is geen getal"),
        ("de", "ors_3: 'lots' ist keine Zahl"),
    ],
)
def test_text_for_a_number_is_refused_in_the_readers_language_as_typed(
    clinic: SimpleNamespace, language: str, said: str
) -> None:
    assert _refusal(clinic, language, {**ORS, "ors_3": "lots"}) == {"ors_3": [said]}


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("nl", "ors_4: antwoord ontbreekt; elke vraag van ors moet beantwoord zijn"),
        ("de", "ors_4: Antwort fehlt; jede Frage von ors muss beantwortet sein"),
    ],
)
def test_a_missing_answer_is_refused_in_the_readers_language(
    clinic: SimpleNamespace, language: str, said: str
) -> None:
    values = {k: v for k, v in ORS.items() if k != "ors_4"}
    (message,) = _refusal(clinic, language, values)["ors_4"]
    assert message.startswith(said)
