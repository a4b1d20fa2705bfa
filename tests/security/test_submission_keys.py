"""A submission key is looked up only within the record it is sent for: another organisation's
key, tried through REST, FHIR, the clinician's page and the research import, reveals nothing and
pre-empts nothing (issue 13, point 1)."""

import io
import json
import uuid
from types import SimpleNamespace

import pandas as pd
import pytest
from django.test import Client as Browser
from django.test import override_settings
from django.urls import reverse

from alliance.accounts.models import Organisation, Role, Team
from alliance.api.models import Scope
from alliance.api.services import token_create
from alliance.measures.models import Rater, Response
from alliance.measures.services import SubmissionKeyConflict, response_record
from alliance.transfer.ratings_import import RATINGS_NAMESPACE, import_key
from alliance.transfer.services import organisation_import
from tests.clinic.builders import srs
from tests.factories import PASSWORD, make_episode, make_session, make_user

V1 = "/api/v1"
PHQ9 = {f"phq9_{n}": 2 for n in range(1, 10)} | {"phq9_9": 0}
MILD = {f"phq9_{n}": 1 for n in range(1, 10)} | {"phq9_9": 0}
HEADER = "episode_id,client_id,clinician_id,session,date,measure,rater,score"


@pytest.fixture
def other(clinic: SimpleNamespace) -> SimpleNamespace:
    """Another organisation with a client whose PHQ-9 (total 16) is stored under a known key."""
    org = Organisation.objects.create(name="Hillside Therapy")
    team = Team.objects.create(organisation=org, name="Hillside Adults")
    therapist = make_user("hillside", organisation=org, role=Role.CLINICIAN, team=team)
    episode = make_episode(team, therapist)
    session = make_session(episode, 1)
    response = response_record(
        session=session, instrument_code="phq9", values=PHQ9, idempotency_key=uuid.uuid4()
    )
    return SimpleNamespace(org=org, team=team, therapist=therapist, response=response)


def _rest(clinic: SimpleNamespace) -> Browser:
    secret = token_create(user=clinic.clinician, name="t", scope=Scope.READ_WRITE).secret
    return Browser(headers={"Authorization": f"Bearer {secret}"})


def _post(browser: Browser, url: str, body: object, kind: str = "application/json") -> object:
    return browser.post(url, json.dumps(body), content_type=kind)


def _says_nothing_about(answer: object, response: Response) -> None:
    text = answer.content.decode()  # type: ignore[attr-defined]
    for secret in (str(response.pk), "16", "Hillside", response.session.episode.client.code):
        assert secret not in text.replace(str(response.idempotency_key), "")


def _rest_body(clinic: SimpleNamespace, key: uuid.UUID, **changes: object) -> dict[str, object]:
    body = {
        "session": clinic.session.pk,
        "instrument": "phq9",
        "items": MILD,
        "idempotency_key": str(key),
    }
    return body | changes


def test_rest_refuses_another_organisations_key_with_409_naming_the_field(
    clinic: SimpleNamespace, other: SimpleNamespace
) -> None:
    answer = _post(
        _rest(clinic), f"{V1}/responses", _rest_body(clinic, other.response.idempotency_key)
    )
    assert answer.status_code == 409
    assert answer.json()["detail"][0]["loc"] == ["body", "idempotency_key"]
    _says_nothing_about(answer, other.response)
    assert not Response.objects.filter(session=clinic.session).exists()
    other.response.refresh_from_db()
    assert other.response.total == 16  # untouched


def test_rest_repeats_a_key_for_the_same_record_idempotently(clinic: SimpleNamespace) -> None:
    browser = _rest(clinic)
    key = uuid.uuid4()
    first = _post(browser, f"{V1}/responses", _rest_body(clinic, key))
    again = _post(browser, f"{V1}/responses", _rest_body(clinic, key))
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert Response.objects.filter(session=clinic.session).count() == 1


def test_rest_refuses_a_key_used_for_another_session_measure_or_rater(
    clinic: SimpleNamespace,
) -> None:
    browser = _rest(clinic)
    key = uuid.uuid4()
    assert _post(browser, f"{V1}/responses", _rest_body(clinic, key)).status_code == 201
    second = make_session(clinic.episode, 2)
    elsewhere = [
        _rest_body(clinic, key, session=second.pk),
        _rest_body(clinic, key, instrument="gad7", items={f"gad7_{n}": 1 for n in range(1, 8)}),
        _rest_body(clinic, key, rater=Rater.CLINICIAN, instrument="srs", items=srs(36.0)),
    ]
    for body in elsewhere:
        answer = _post(browser, f"{V1}/responses", body)
        assert answer.status_code == 409, body
        assert answer.json()["detail"][0]["loc"] == ["body", "idempotency_key"]
    assert Response.objects.count() == 1


def _qr(clinic: SimpleNamespace, key: uuid.UUID) -> dict[str, object]:
    answers = [{"linkId": f"phq9_{n}", "answer": [{"valueInteger": 1}]} for n in range(1, 10)]
    return {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{key}"},
        "questionnaire": "Questionnaire/phq9",
        "status": "completed",
        "subject": {"reference": f"Patient/{clinic.episode.client_id}"},
        "encounter": {"reference": f"Encounter/{clinic.session.pk}"},
        "authored": "2026-01-05T10:30:00+00:00",
        "item": answers,
    }


def test_fhir_refuses_another_organisations_identifier_with_409_naming_it(
    clinic: SimpleNamespace, other: SimpleNamespace
) -> None:
    browser = _rest(clinic)
    body = _qr(clinic, other.response.idempotency_key)
    answer = _post(browser, "/fhir/QuestionnaireResponse", body, "application/fhir+json")
    assert answer.status_code == 409
    outcome = answer.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "conflict"
    assert outcome["issue"][0]["expression"] == ["identifier"]
    _says_nothing_about(answer, other.response)
    assert not Response.objects.filter(session=clinic.session).exists()


def test_fhir_repeats_an_identifier_for_the_same_session_idempotently(
    clinic: SimpleNamespace,
) -> None:
    browser = _rest(clinic)
    body = _qr(clinic, uuid.uuid4())
    first = _post(browser, "/fhir/QuestionnaireResponse", body, "application/fhir+json")
    again = _post(browser, "/fhir/QuestionnaireResponse", body, "application/fhir+json")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]


def test_a_clinicians_rating_whose_key_belongs_to_another_record_is_not_reported_saved(
    clinic: SimpleNamespace, other: SimpleNamespace
) -> None:
    browser = Browser()
    assert browser.login(username=clinic.clinician.username, password=PASSWORD)
    url = reverse("clinic:session_rating", args=[clinic.session.pk])
    sent = {**srs(36.0), "idempotency_key": str(other.response.idempotency_key)}
    answer = browser.post(url, sent)
    assert answer.status_code == 400
    assert "Your rating was not saved" in answer.content.decode()
    assert "Your rating is saved" not in answer.content.decode()
    assert not Response.objects.filter(session=clinic.session).exists()


def test_the_service_raises_a_conflict_naming_only_the_field(
    clinic: SimpleNamespace, other: SimpleNamespace
) -> None:
    with pytest.raises(SubmissionKeyConflict) as raised:
        response_record(
            session=clinic.session,
            instrument_code="phq9",
            values=PHQ9,
            idempotency_key=other.response.idempotency_key,
        )
    assert list(raised.value.message_dict) == ["idempotency_key"]


def _import(org: Organisation, *rows: str):  # type: ignore[no-untyped-def]
    frame = pd.read_csv(
        io.StringIO("\n".join([HEADER, *rows]) + "\n"),
        dtype=str,
        keep_default_na=False,
        index_col=False,
    )
    return organisation_import(source=frame, organisation=org.name, progress=lambda *_: None)


ROW = "h1,H-1,hillside,1,2024-03-04,phq9,client,12"


def test_an_import_key_cannot_be_guessed_from_the_rows_text(
    clinic: SimpleNamespace, other: SimpleNamespace
) -> None:
    assert _import(other.org, ROW).errors == []
    stored = Response.objects.get(session__episode__client__code="H-1")
    guessable = uuid.uuid5(RATINGS_NAMESPACE, f"{other.org.name}|h1|1|phq9|client")
    assert stored.idempotency_key != guessable
    assert stored.idempotency_key == import_key(f"{other.org.name}|h1|1|phq9|client")
    with override_settings(IMPORT_KEY_SECRET="another secret entirely"):
        assert import_key(f"{other.org.name}|h1|1|phq9|client") != stored.idempotency_key


def test_a_key_posted_ahead_of_another_organisations_import_does_not_pre_empt_it(
    clinic: SimpleNamespace, other: SimpleNamespace
) -> None:
    browser = _rest(clinic)
    # The attacker posts, into their own session, the keys an import would have used: the old
    # guessable one, and (were the secret known) the new one.
    guessable = uuid.uuid5(RATINGS_NAMESPACE, f"{other.org.name}|h1|1|phq9|client")
    assert _post(browser, f"{V1}/responses", _rest_body(clinic, guessable)).status_code == 201

    outcome = _import(other.org, ROW)

    assert outcome.errors == []
    assert outcome.created["responses"] == 1
    assert Response.objects.filter(session__episode__client__code="H-1").count() == 1
    again = _import(other.org, ROW)
    assert again.errors == [] and again.created["responses"] == 0


def test_an_import_whose_key_is_taken_by_another_record_is_refused_and_writes_nothing(
    clinic: SimpleNamespace, other: SimpleNamespace
) -> None:
    taken = import_key(f"{other.org.name}|h1|1|phq9|client")
    response_record(
        session=clinic.session, instrument_code="phq9", values=MILD, idempotency_key=taken
    )
    before = Response.objects.count()

    outcome = _import(other.org, ROW)

    assert [(e.row, e.column) for e in outcome.errors] == [(2, "idempotency_key")]
    assert "Riverside" not in str(outcome.errors[0])
    assert Response.objects.count() == before
    assert not Response.objects.filter(session__episode__client__code="H-1").exists()


def test_an_import_run_again_after_the_secret_changes_writes_nothing_new(
    other: SimpleNamespace,
) -> None:
    assert _import(other.org, ROW).created["responses"] == 1
    with override_settings(IMPORT_KEY_SECRET="rotated secret"):
        again = _import(other.org, ROW)
    assert again.errors == [] and set(again.created.values()) == {0}
