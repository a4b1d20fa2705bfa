"""FHIR R4 at /fhir/: every resource validates with fhirclient (FHIR 4.0.1 models, strict), reads
and searches are scoped as on the pages, and a QuestionnaireResponse POST is scored."""

import importlib
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alliance.api.models import Scope
from alliance.api.services import token_create
from alliance.care.models import Client as ClientRecord
from alliance.feedback.models import Alert
from alliance.measures import catalogue
from alliance.measures.models import Method, Response
from tests.access.roles import ROLES
from tests.api.conftest import RECORDS, SEES, Api, api_as, expected_record_status
from tests.clinic.builders import bulk_caseload

PHQ9_TOTAL = "http://loinc.org|44261-6"


def valid(resource: dict[str, Any]) -> dict[str, Any]:
    """Construct the fhirclient model with strict=True: raises on any R4 violation."""
    kind = resource["resourceType"]
    module = importlib.import_module(f"fhirclient.models.{kind.lower()}")
    getattr(module, kind)(resource, strict=True)
    for entry in resource.get("entry", []):
        valid(entry["resource"])
    return resource


def fhir(cast: SimpleNamespace, role: str, path: str, **params: Any) -> Any:
    return api_as(cast, role).get(f"/fhir/{path}", **params)


def test_the_capability_statement_is_valid_r4(cast: SimpleNamespace) -> None:
    answer = Api(None).get("/fhir/metadata")
    assert answer["Content-Type"] == "application/fhir+json"
    body = valid(answer.json())
    assert body["fhirVersion"] == "4.0.1"
    served = {resource["type"] for resource in body["rest"][0]["resource"]}
    assert served == {
        "Patient",
        "Encounter",
        "EpisodeOfCare",
        "Questionnaire",
        "QuestionnaireResponse",
        "Observation",
        "Appointment",
    }


def test_every_instrument_is_a_valid_questionnaire(cast: SimpleNamespace) -> None:
    bundle = valid(fhir(cast, "clinician", "Questionnaire").json())
    assert bundle["total"] == len(catalogue.instruments())
    for code in catalogue.instruments():
        valid(fhir(cast, "clinician", f"Questionnaire/{code}").json())


def test_the_phq9_questionnaire_is_loinc_coded_with_ordinal_answers(cast: SimpleNamespace) -> None:
    body = fhir(cast, "clinician", "Questionnaire/phq9").json()
    assert body["code"] == [{"system": "http://loinc.org", "code": "44249-1"}]
    first = body["item"][1]  # after the instructions
    assert first["code"][0]["code"] == "44250-9"
    options = [option["valueCoding"] for option in first["answerOption"]]
    assert [o["code"] for o in options] == ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
    assert [o["extension"][0]["valueDecimal"] for o in options] == [0, 1, 2, 3]


READS = {
    "Patient": lambda c: c.episode.client_id,
    "Encounter": lambda c: c.session.pk,
    "EpisodeOfCare": lambda c: c.episode.pk,
    "QuestionnaireResponse": lambda c: c.response.pk,
    "Observation": lambda c: c.response.pk,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", sorted(READS))
def test_each_resource_is_read_only_by_those_who_may_see_it(
    cast: SimpleNamespace, kind: str, role: str
) -> None:
    answer = fhir(cast, role, f"{kind}/{READS[kind](cast)}")
    expected = 401 if role == "anonymous" else 200 if role in SEES else 404
    assert answer.status_code == expected, role
    body = valid(answer.json())
    assert body["resourceType"] == (kind if expected == 200 else "OperationOutcome")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", sorted(READS))
def test_each_search_finds_only_what_the_role_may_see(
    cast: SimpleNamespace, kind: str, role: str
) -> None:
    answer = fhir(cast, role, kind)
    if role == "anonymous":
        assert answer.status_code == 401
        return
    bundle = valid(answer.json())
    assert bundle["total"] == (1 if role in SEES else 0), role


def test_the_patient_is_pseudonymous(cast: SimpleNamespace) -> None:
    body = fhir(cast, "clinician", f"Patient/{cast.episode.client_id}").json()
    assert body["identifier"][0]["value"] == cast.episode.client.code
    assert cast.episode.client.display_name not in str(body)
    assert "name" not in body and "telecom" not in body


def test_observations_are_found_by_patient_and_loinc_code(cast: SimpleNamespace) -> None:
    patient = cast.episode.client_id
    found = fhir(cast, "clinician", "Observation", patient=patient, code=PHQ9_TOTAL).json()
    assert found["total"] == 1
    observation = found["entry"][0]["resource"]
    assert observation["code"]["coding"][0]["code"] == "44261-6"
    assert observation["valueQuantity"]["value"] == 8
    assert observation["subject"]["reference"] == f"Patient/{patient}"
    gad7 = fhir(cast, "clinician", "Observation", patient=patient, code="http://loinc.org|70274-6")
    assert gad7.json()["total"] == 0
    other = fhir(cast, "clinician", "Observation", patient=patient + 999, code=PHQ9_TOTAL)
    assert other.json()["total"] == 0


def test_a_colleague_off_the_care_team_finds_nothing_by_patient(cast: SimpleNamespace) -> None:
    patient = cast.episode.client_id
    found = fhir(cast, "colleague", "Observation", patient=patient, code=PHQ9_TOTAL).json()
    assert found["total"] == 0


def test_search_pages_with_a_next_link(cast: SimpleNamespace) -> None:
    bulk_caseload(cast, clients=2, sessions=2)
    page = valid(fhir(cast, "clinician", "Encounter", _count=2).json())
    assert page["total"] == 5 and len(page["entry"]) == 2
    assert page["link"][1]["relation"] == "next" and "_offset=2" in page["link"][1]["url"]
    too_many = fhir(cast, "clinician", "Encounter", _count=101)
    assert too_many.status_code == 400
    valid(too_many.json())


def test_a_search_takes_the_same_queries_for_a_small_and_a_large_caseload(
    cast: SimpleNamespace,
) -> None:
    fhir(cast, "clinician", "Observation")
    with CaptureQueriesContext(connection) as small:
        fhir(cast, "clinician", "Observation", _count=100)
    bulk_caseload(cast, clients=10, sessions=3)
    with CaptureQueriesContext(connection) as large:
        fhir(cast, "clinician", "Observation", _count=100)
    assert len(small) == len(large)


def qr_body(cast: SimpleNamespace, item9: int = 2, **changes: Any) -> dict[str, Any]:
    answers = [{"linkId": f"phq9_{n}", "answer": [{"valueInteger": 1}]} for n in range(1, 9)]
    answers.append(
        {
            "linkId": "phq9_9",
            "answer": [
                {
                    "valueCoding": {
                        "system": "http://loinc.org",
                        "code": ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"][item9],
                    }
                }
            ],
        }
    )
    body = {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"},
        "questionnaire": "Questionnaire/phq9",
        "status": "completed",
        "subject": {"reference": f"Patient/{cast.episode.client_id}"},
        "encounter": {"reference": f"Encounter/{cast.session.pk}"},
        "authored": "2026-01-05T10:30:00+00:00",
        "item": answers,
    }
    return body | changes


def post(cast: SimpleNamespace, role: str, body: Any) -> Any:
    return api_as(cast, role).post("/fhir/QuestionnaireResponse", body, "application/fhir+json")


def test_a_questionnaire_response_from_an_ehr_is_scored_and_raises_alerts(
    cast: SimpleNamespace,
) -> None:
    body = qr_body(cast)
    answer = post(cast, "clinician", body)
    assert answer.status_code == 201
    created = valid(answer.json())
    stored = Response.objects.get(pk=created["id"])
    assert (stored.total, stored.method, stored.risk_items) == (10, Method.IMPORT, ["phq9_9"])
    assert answer["Location"].endswith(f"/fhir/QuestionnaireResponse/{stored.pk}")
    assert Alert.objects.filter(episode=cast.episode, rule="risk_answer").exists()
    assert post(cast, "clinician", body).json()["id"] == created["id"]  # same identifier


@pytest.mark.parametrize("role", ROLES)
def test_posting_a_questionnaire_response_as_each_role(cast: SimpleNamespace, role: str) -> None:
    answer = post(cast, role, qr_body(cast))
    assert answer.status_code == expected_record_status(role)
    valid(answer.json())
    assert Response.objects.count() == (2 if role in RECORDS else 1)


def test_a_read_token_may_not_post(cast: SimpleNamespace) -> None:
    secret = token_create(user=cast.clinician, name="reader", scope=Scope.READ).secret
    answer = Api(secret).post("/fhir/QuestionnaireResponse", qr_body(cast))
    assert answer.status_code == 403
    assert valid(answer.json())["issue"][0]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"questionnaire": "Questionnaire/nope"}, "questionnaire"),
        ({"status": "in-progress"}, "status"),
        ({"subject": {"reference": "Patient/999999"}}, "subject"),
        ({"item": [{"linkId": "phq9_1", "answer": [{"valueInteger": 9}]}]}, "phq9_1"),
        ({"authored": 12}, "authored"),
        ({"authored": "2026-01-05T10:30:00"}, "authored"),
    ],
)
def test_a_bad_questionnaire_response_is_refused_naming_the_field(
    cast: SimpleNamespace, change: dict[str, Any], field: str | None
) -> None:
    answer = post(cast, "clinician", qr_body(cast) | change)
    assert answer.status_code == 422
    issue = valid(answer.json())["issue"][0]
    assert issue.get("expression", [None]) == [field]
    assert Response.objects.count() == 1


def test_a_date_alone_is_the_start_of_that_day_in_the_sites_time_zone(
    cast: SimpleNamespace,
) -> None:
    answer = post(cast, "clinician", qr_body(cast) | {"authored": "2026-01-05"})
    assert answer.status_code == 201
    stored = Response.objects.get(pk=answer.json()["id"])
    local = timezone.localtime(stored.answered_at)
    assert (local.date().isoformat(), local.hour, local.minute) == ("2026-01-05", 0, 0)


def test_errors_are_operation_outcomes(cast: SimpleNamespace) -> None:
    for path in ("Medication", "Patient/abc", "Questionnaire/nope"):
        answer = fhir(cast, "clinician", path)
        assert answer.status_code == 404
        valid(answer.json())
    anonymous = Api(None).get("/fhir/Patient")
    assert anonymous["WWW-Authenticate"].startswith("Bearer")
    assert valid(anonymous.json())["issue"][0]["code"] == "login"
    not_json = api_as(cast, "clinician").post(
        "/fhir/QuestionnaireResponse", "{", "application/fhir+json"
    )
    assert not_json.status_code == 400
    assert valid(not_json.json())["issue"][0]["code"] == "invalid"


@pytest.mark.parametrize("path", ["", "Patient/1/_history", "Patient/1/$everything", "a/b/c/d"])
def test_a_path_not_served_is_an_operation_outcome_not_an_html_page(
    cast: SimpleNamespace, path: str
) -> None:
    answer = fhir(cast, "clinician", path)
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/fhir+json"
    assert valid(answer.json())["issue"][0]["code"] == "not-supported"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("put", "Patient/{client}", "GET"),
        ("delete", "Patient/{client}", "GET"),
        ("patch", "Encounter/{session}", "GET"),
        ("delete", "Patient", "GET, POST"),
        ("post", "metadata", "GET"),
    ],
)
def test_a_method_a_route_does_not_take_is_a_405_operation_outcome(
    cast: SimpleNamespace, method: str, path: str, allowed: str
) -> None:
    url = "/fhir/" + path.format(client=cast.episode.client_id, session=cast.session.pk)
    answer = getattr(api_as(cast, "clinician").browser, method)(url)
    assert answer.status_code == 405
    assert answer["Allow"] == allowed
    assert valid(answer.json())["issue"][0]["code"] == "not-supported"
    assert ClientRecord.objects.filter(pk=cast.episode.client_id).exists()


def test_a_server_failure_is_a_logged_500_operation_outcome(
    cast: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(client: object) -> dict[str, Any]:
        raise RuntimeError("simulated failure")

    monkeypatch.setattr("alliance.api.fhir.resources.patient", broken)
    answer = fhir(cast, "clinician", f"Patient/{cast.episode.client_id}")
    assert answer.status_code == 500
    assert valid(answer.json())["issue"][0]["code"] == "exception"
    assert "simulated failure" not in answer.content.decode()
    logged = [record for record in caplog.records if record.name == "django.request"]
    assert logged and logged[0].exc_info is not None


def test_an_absurdly_large_id_is_not_found_rather_than_a_server_error(
    cast: SimpleNamespace,
) -> None:
    huge = "9" * 30
    assert fhir(cast, "clinician", f"Patient/{huge}").status_code == 404
    # Past Python's 4,300-digit limit, int() itself refuses.
    assert fhir(cast, "clinician", f"Patient/{'9' * 5000}").status_code == 404
    assert fhir(cast, "clinician", "Observation", patient=huge).status_code == 400
    answer = post(cast, "clinician", qr_body(cast, encounter={"reference": f"Encounter/{huge}"}))
    assert answer.status_code == 404
    valid(answer.json())


@pytest.mark.parametrize("value", ["{id}", "Patient/{id}", "http://testserver/fhir/Patient/{id}"])
def test_a_patient_is_named_by_id_or_reference(cast: SimpleNamespace, value: str) -> None:
    patient = value.format(id=cast.episode.client_id)
    assert fhir(cast, "clinician", "Encounter", patient=patient).json()["total"] == 1


def test_a_reference_to_another_kind_of_resource_is_refused(cast: SimpleNamespace) -> None:
    answer = fhir(cast, "clinician", "Encounter", patient=f"Encounter/{cast.session.pk}")
    assert answer.status_code == 400
    assert valid(answer.json())["issue"][0]["expression"] == ["patient"]
