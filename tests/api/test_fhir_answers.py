"""A QuestionnaireResponse's answers as an outside system sends them: the answer code decides
the value, a sender's ordinal is checked against ours, codes from other code systems are refused
(issue 14, point 1)."""

import copy
import json
import re
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from alliance.measures.models import Response
from tests.api.test_fhir import fhir, post, qr_body, valid

LOINC = "http://loinc.org"
ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
NOT_AT_ALL = "LA6568-5"


def coded(code: str, system: str | None = LOINC, ordinal: float | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"code": code}
    if system is not None:
        coding["system"] = system
    if ordinal is not None:
        coding["extension"] = [{"url": ORDINAL, "valueDecimal": ordinal}]
    return {"valueCoding": coding}


def phq9(cast: SimpleNamespace, answer: dict[str, Any], **changes: Any) -> dict[str, Any]:
    items = [{"linkId": f"phq9_{n}", "answer": [answer]} for n in range(1, 10)]
    return qr_body(cast, item=items, **changes)


def refused(answer: Any, item: str) -> str:
    assert answer.status_code == 422, answer.content
    issue = valid(answer.json())["issue"][0]
    assert issue["expression"] == [item]
    return str(issue["diagnostics"])


def test_the_answer_code_decides_when_the_sender_agrees(cast: SimpleNamespace) -> None:
    answer = post(cast, "clinician", phq9(cast, coded(NOT_AT_ALL, ordinal=0)))
    assert answer.status_code == 201
    assert Response.objects.get(pk=answer.json()["id"]).total == 0


def test_an_ordinal_that_disagrees_with_our_option_is_refused_naming_the_item(
    cast: SimpleNamespace,
) -> None:
    # A form builder scoring its options 1-4: "Not at all" sent as 1 would have become
    # "Several days" x9 and a risk alert.
    message = refused(post(cast, "clinician", phq9(cast, coded(NOT_AT_ALL, ordinal=1))), "phq9_1")
    assert "1" in message and "0" in message
    assert Response.objects.count() == 1


def test_an_ordinal_on_the_answer_itself_is_checked_too(cast: SimpleNamespace) -> None:
    answer = coded(NOT_AT_ALL) | {"extension": [{"url": ORDINAL, "valueDecimal": 3}]}
    refused(post(cast, "clinician", phq9(cast, answer)), "phq9_1")


def test_a_code_from_another_code_system_is_refused(cast: SimpleNamespace) -> None:
    snomed = coded("3", system="http://snomed.info/sct")
    message = refused(post(cast, "clinician", phq9(cast, snomed)), "phq9_1")
    assert "snomed" in message


def test_a_code_without_its_system_is_refused(cast: SimpleNamespace) -> None:
    refused(post(cast, "clinician", phq9(cast, coded(NOT_AT_ALL, system=None))), "phq9_1")


def test_our_own_answer_codes_are_accepted(cast: SimpleNamespace) -> None:
    answer = post(cast, "clinician", phq9(cast, coded("2", system="urn:alliance:answer")))
    assert answer.status_code == 201
    assert Response.objects.get(pk=answer.json()["id"]).total == 18


def test_an_unknown_loinc_code_is_refused_listing_the_options(cast: SimpleNamespace) -> None:
    message = refused(post(cast, "clinician", phq9(cast, coded("LA0000-0"))), "phq9_1")
    assert NOT_AT_ALL in message


# Inconsistent responses (issue 14, point 5) ----------------------------------------------------


def test_two_answers_to_one_item_are_refused(cast: SimpleNamespace) -> None:
    body = phq9(cast, coded(NOT_AT_ALL))
    body["item"][2]["answer"].append(coded("LA6571-9"))
    refused(post(cast, "clinician", body), "phq9_3")
    assert Response.objects.count() == 1


def test_the_same_item_twice_is_refused(cast: SimpleNamespace) -> None:
    body = phq9(cast, coded(NOT_AT_ALL))
    body["item"].append({"linkId": "phq9_4", "answer": [coded("LA6571-9")]})
    refused(post(cast, "clinician", body), "phq9_4")


def test_an_item_by_our_id_and_by_its_loinc_code_is_the_same_item_twice(
    cast: SimpleNamespace,
) -> None:
    body = phq9(cast, coded(NOT_AT_ALL))
    body["item"].append({"linkId": "44250-9", "answer": [coded("LA6571-9")]})
    refused(post(cast, "clinician", body), "phq9_1")


def test_a_time_in_the_future_is_refused(cast: SimpleNamespace) -> None:
    answer = post(cast, "clinician", phq9(cast, coded(NOT_AT_ALL), authored="2031-01-05"))
    refused(answer, "authored")


def test_a_response_for_a_cancelled_session_is_refused(cast: SimpleNamespace) -> None:
    cast.session.status = "cancelled"
    cast.session.save(update_fields=["status"])
    message = refused(post(cast, "clinician", phq9(cast, coded(NOT_AT_ALL))), "encounter")
    assert "cancelled" in message
    assert Response.objects.count() == 1


# Reference responses (issue 14, point 4) ------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures"


def reference(cast: SimpleNamespace, name: str, **changes: Any) -> dict[str, Any]:
    """A fixture written after a published response's structure (its ``_source`` says whose),
    sent for the standing session."""
    body = json.loads((FIXTURES / name).read_text())
    body.pop("_source")
    return (
        body
        | {
            "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"},
            "subject": {"reference": f"Patient/{cast.episode.client_id}"},
            "encounter": {"reference": f"Encounter/{cast.session.pk}"},
        }
        | changes
    )


@pytest.mark.parametrize(
    ("name", "questionnaire", "total", "stored"),
    [
        ("lhc_forms_phq9.json", None, 8, {"phq9_7": 3, "phq9_difficulty": 1}),
        ("sdc_phq9.json", "Questionnaire/phq9", 8, {"phq9_7": 3, "phq9_9": 0}),
        (
            "phr_gad7.json",
            "Questionnaire/gad7",
            9,
            {"gad7_1": 2, "gad7_3": 2, "gad7_7": 3, "gad7_difficulty": 1},
        ),
    ],
)
def test_a_reference_response_is_accepted_and_scored_as_its_manual_says(
    cast: SimpleNamespace,
    name: str,
    questionnaire: str | None,
    total: int,
    stored: dict[str, float],
) -> None:
    changes = {"questionnaire": questionnaire} if questionnaire else {}
    body = valid(reference(cast, name, **changes))
    answer = post(cast, "clinician", body)
    assert answer.status_code == 201, answer.content
    response = Response.objects.get(pk=answer.json()["id"])
    assert response.total == total
    assert {code: response.items[code] for code in stored} == stored


@pytest.mark.parametrize(
    ("name", "code"), [("lhc_forms_phq9.json", "phq9"), ("phr_gad7.json", "gad7")]
)
def test_the_difficulty_answer_is_kept_out_of_the_total_and_read_back(
    cast: SimpleNamespace, name: str, code: str
) -> None:
    # "Somewhat difficult" (LA6573-5) in both fixtures: stored as sent, not added to the total.
    body = reference(cast, name, questionnaire=f"Questionnaire/{code}")
    response = Response.objects.get(pk=post(cast, "clinician", body).json()["id"])
    without = reference(cast, name, questionnaire=f"Questionnaire/{code}")
    without["item"] = [i for i in without["item"] if not i["linkId"].endswith("69722-7")]
    assert Response.objects.get(pk=post(cast, "clinician", without).json()["id"]).total == (
        response.total
    )
    read = valid(fhir(cast, "clinician", f"QuestionnaireResponse/{response.pk}").json())
    [difficulty] = [i for i in read["item"] if i["linkId"] == f"{code}_difficulty"]
    assert difficulty["answer"][0]["valueCoding"]["code"] == "LA6573-5"
    questionnaire = fhir(cast, "clinician", f"Questionnaire/{code}").json()
    [asked] = [i for i in questionnaire["item"] if i["linkId"] == f"{code}_difficulty"]
    assert (asked["code"][0]["code"], asked["required"]) == ("69722-7", False)


def test_a_submitted_total_that_disagrees_is_refused_naming_both(cast: SimpleNamespace) -> None:
    body = reference(cast, "lhc_forms_phq9.json")
    body["item"][-1]["answer"] = [{"valueDecimal": 12}]
    message = refused(post(cast, "clinician", body), "total")
    assert "12" in message and "8" in message
    assert Response.objects.count() == 1


# Questionnaires renderers can use (issue 14, point 3) -----------------------------------------


def test_each_option_carries_its_ordinal_on_the_option_and_on_the_coding(
    cast: SimpleNamespace,
) -> None:
    body = fhir(cast, "clinician", "Questionnaire/phq9").json()
    options = body["item"][1]["answerOption"]
    assert [o["extension"] for o in options] == [
        [{"url": ORDINAL, "valueDecimal": value}] for value in (0, 1, 2, 3)
    ]
    assert [o["valueCoding"]["extension"][0]["valueDecimal"] for o in options] == [0, 1, 2, 3]


def test_the_stem_is_a_leading_display_item(cast: SimpleNamespace) -> None:
    first = fhir(cast, "clinician", "Questionnaire/gad7").json()["item"][0]
    assert first["type"] == "display"
    assert first["text"].startswith("Over the last 2 weeks")


@pytest.mark.parametrize(("old", "new"), [("wai_sr", "wai-sr"), ("wai_sr_t", "wai-sr-t")])
def test_questionnaire_ids_are_valid_fhir_ids_and_the_old_ones_still_answer(
    cast: SimpleNamespace, old: str, new: str
) -> None:
    assert valid(fhir(cast, "clinician", f"Questionnaire/{new}").json())["id"] == new
    assert fhir(cast, "clinician", f"Questionnaire/{old}").json()["id"] == new
    ids = [e["resource"]["id"] for e in fhir(cast, "clinician", "Questionnaire").json()["entry"]]
    assert new in ids and old not in ids
    assert all(re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", found) for found in ids)


# Who rated (issue 14, point 6) ----------------------------------------------------------------


def srs_body(cast: SimpleNamespace, **changes: Any) -> dict[str, Any]:
    items = [{"linkId": f"srs_{n}", "answer": [{"valueDecimal": 9}]} for n in range(1, 5)]
    return qr_body(cast, questionnaire="Questionnaire/srs", item=items, **changes)


def test_a_clinicians_rating_names_the_practitioner_and_the_clients_the_patient(
    cast: SimpleNamespace,
) -> None:
    practitioner = {"source": {"type": "Practitioner", "display": "me"}}
    by_clinician = post(cast, "clinician", srs_body(cast, **practitioner))
    by_client = post(cast, "clinician", srs_body(cast))
    assert (by_clinician.status_code, by_client.status_code) == (201, 201)
    mine, theirs = valid(by_clinician.json()), valid(by_client.json())
    assert mine["source"]["type"] == mine["author"]["type"] == "Practitioner"
    assert mine["source"]["identifier"]["value"] == cast.clinician.get_username()
    assert theirs["source"] == {"reference": f"Patient/{cast.episode.client_id}"}
    stored = Response.objects.get(pk=mine["id"])
    assert (stored.rater, stored.rater_user) == ("clinician", cast.clinician)
    observation = valid(fhir(cast, "clinician", f"Observation/{mine['id']}").json())
    assert observation["performer"][0]["type"] == "Practitioner"
    client_observation = fhir(cast, "clinician", f"Observation/{theirs['id']}").json()
    assert client_observation["performer"] == [theirs["source"]]


def test_a_rater_the_measure_does_not_take_is_refused(cast: SimpleNamespace) -> None:
    body = phq9(cast, coded(NOT_AT_ALL), source={"type": "Practitioner", "display": "me"})
    refused(post(cast, "clinician", body), "source")


def test_another_patient_as_source_is_refused(cast: SimpleNamespace) -> None:
    other = {"reference": f"Patient/{cast.episode.client_id + 999}"}
    refused(post(cast, "clinician", phq9(cast, coded(NOT_AT_ALL), source=other)), "source")


def test_a_total_given_twice_is_refused(cast: SimpleNamespace) -> None:
    body = reference(cast, "lhc_forms_phq9.json")
    body["item"].append(copy.deepcopy(body["item"][-1]))
    refused(post(cast, "clinician", body), "total")
