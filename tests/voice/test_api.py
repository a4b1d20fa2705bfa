"""REST and FHIR carry the client's words and the preference scores (issue 19, point 7),
scoped like everything else: the words to the care team only, the scores to whoever sees the
episode."""

import uuid
from types import SimpleNamespace

import pytest

from alliance.measures.services import response_record
from alliance.voice import services
from alliance.voice.models import AgendaItem
from tests.api.conftest import STAFF_ROLES, api_as
from tests.voice.conftest import CEQ_ANSWERS, CNIP_ANSWERS

pytestmark = pytest.mark.django_db


def _client_answer(cast: SimpleNamespace, code: str, values: dict[str, object]):  # type: ignore[no-untyped-def]
    return response_record(
        session=cast.session, instrument_code=code, values=values, rater="client",
        method="link", idempotency_key=uuid.uuid4(),
    )  # fmt: skip


@pytest.fixture
def words(cast: SimpleNamespace) -> SimpleNamespace:
    from tests.clinic.builders import ors, srs

    cast.ors = _client_answer(cast, "ors", ors(20))
    cast.srs = _client_answer(cast, "srs", srs(30))
    services.agenda_record(session=cast.session, topics=["Sleep", "Work"], response=cast.ors)
    services.comment_record(response=cast.srs, text="Felt rushed")
    cast.cnip = _client_answer(cast, "cnip", {k: float(v) for k, v in CNIP_ANSWERS.items()})
    cast.ceq = _client_answer(cast, "ceq", {k: float(v) for k, v in CEQ_ANSWERS.items()})
    services.hopes_record(
        episode=cast.episode, hopes="Calmer mornings", theory="", response=cast.ceq
    )
    return cast


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_only_the_care_team_reads_the_words_over_rest(words: SimpleNamespace, role: str) -> None:
    api = api_as(words, role)
    agenda = api.get("/api/v1/agenda-items", episode=words.episode.pk).json()
    comments = api.get("/api/v1/alliance-comments", session=words.session.pk).json()
    hopes = api.get("/api/v1/client-hopes").json()
    if role == "clinician":
        assert [i["text"] for i in agenda["items"]] == ["Sleep", "Work"]
        assert [c["text"] for c in comments["items"]] == ["Felt rushed"]
        assert [h["hopes"] for h in hopes["items"]] == ["Calmer mornings"]
    else:
        assert agenda["items"] == comments["items"] == hopes["items"] == []


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_the_preferences_are_scored_for_whoever_sees_the_episode(
    words: SimpleNamespace, role: str
) -> None:
    found = api_as(words, role).get(f"/api/v1/episodes/{words.episode.pk}/preferences")
    if role in {"clinician", "supervisor"}:
        body = found.json()
        assert body["strong_preferences"] == ["therapist_directiveness", "present_orientation"]
        assert [s["score"] for s in body["scales"]] == [10, 0, -7, 0]
        assert body["credibility"] == 21
    else:
        assert found.status_code == 404


def test_words_are_added_to_a_response_once_by_the_care_team(words: SimpleNamespace) -> None:
    from tests.clinic.builders import ors

    later = _client_answer(words, "ors", ors(22))
    AgendaItem.objects.all().delete()
    url = f"/api/v1/responses/{later.pk}/words"
    body = {"agenda": ["New job"]}
    assert api_as(words, "supervisor").post(url, body).status_code == 403
    assert api_as(words, "clinician").post(url, body).json()["agenda_items"] == 1
    assert api_as(words, "clinician").post(url, body).json()["agenda_items"] == 1
    refused = api_as(words, "clinician").post(
        f"/api/v1/responses/{words.srs.pk}/words", {"comment": "<b>x</b>"}
    )
    assert refused.status_code == 422 and "voice_comment" in str(refused.json())


def _qr(api, pk: int) -> dict:  # type: ignore[no-untyped-def]
    return api.get(f"/fhir/QuestionnaireResponse/{pk}").json()


def test_fhir_carries_the_words_as_items_for_the_care_team(words: SimpleNamespace) -> None:
    clinician, supervisor = api_as(words, "clinician"), api_as(words, "supervisor")
    items = {i["linkId"]: i for i in _qr(clinician, words.ors.pk)["item"]}
    assert items["agenda-1"]["answer"] == [{"valueString": "Sleep"}]
    comment = {i["linkId"]: i for i in _qr(clinician, words.srs.pk)["item"]}["comment"]
    assert comment["answer"] == [{"valueString": "Felt rushed"}]
    assert "agenda-1" not in {i["linkId"] for i in _qr(supervisor, words.ors.pk)["item"]}


def test_fhir_gives_the_preferences_as_a_scored_questionnaire_response(
    words: SimpleNamespace,
) -> None:
    items = {i["linkId"]: i for i in _qr(api_as(words, "supervisor"), words.cnip.pk)["item"]}
    assert items["score-td_cd"]["answer"] == [{"valueDecimal": 10.0}]
    assert [a["valueCoding"]["code"] for a in items["strong-preference"]["answer"]] == [
        "therapist_directiveness",
        "present_orientation",
    ]
    questionnaire = api_as(words, "clinician").get("/fhir/Questionnaire/cnip").json()
    assert "score-td_cd" in {i["linkId"] for i in questionnaire["item"]}


def test_an_ehr_posts_topics_with_the_outcome_measure(words: SimpleNamespace) -> None:
    from tests.clinic.builders import ors

    AgendaItem.objects.all().delete()
    from tests.factories import make_session

    session = make_session(words.episode, 2)
    body = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "Questionnaire/ors",
        "subject": {"reference": f"Patient/{words.episode.client_id}"},
        "encounter": {"reference": f"Encounter/{session.pk}"},
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"},
        "item": [{"linkId": k, "answer": [{"valueDecimal": v}]} for k, v in ors(25).items()]
        + [{"linkId": "agenda-1", "answer": [{"valueString": "From the EHR"}]}],
    }
    posted = api_as(words, "clinician").browser.post(
        "/fhir/QuestionnaireResponse", body, content_type="application/fhir+json"
    )
    assert posted.status_code == 201, posted.content
    assert AgendaItem.objects.get().text == "From the EHR"
