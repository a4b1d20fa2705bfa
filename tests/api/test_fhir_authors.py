"""Who rated and who recorded (issue 14, point 6): a posted ``author`` naming someone other
than the poster is kept and read back; a Practitioner named as ``source`` rates as that member
of staff; someone who does not work with the client is refused, naming the field."""

import json
from types import SimpleNamespace
from typing import Any

import pytest

from alliance.accounts.models import Organisation, Role, Team, User
from alliance.api.fhir import resources
from alliance.measures.models import Author, Rater, Response
from alliance.measures.services import response_record
from alliance.transfer.selectors import organisation_export
from alliance.transfer.services import organisation_import
from tests.api.test_fhir import fhir, post, qr_body, valid
from tests.api.test_fhir_answers import refused, srs_body
from tests.factories import make_user
from tests.transfer.test_clinic_week import _wipe


def user_system() -> str:
    return f"{resources.canonical_base()}identifier/user"


def by_username(name: str) -> dict[str, Any]:
    return {"type": "Practitioner", "identifier": {"system": user_system(), "value": name}}


def stored(answer: Any) -> Response:
    assert answer.status_code == 201, answer.content
    return Response.objects.get(pk=answer.json()["id"])


def test_a_posted_author_of_the_care_team_s_team_is_kept_and_read_back(
    cast: SimpleNamespace,
) -> None:
    # The client answered on paper; the colleague who typed it into the EHR is the author.
    client = {"reference": f"Patient/{cast.episode.client_id}"}
    answer = post(cast, "clinician", srs_body(cast, source=client, author=by_username("colleague")))
    response = stored(answer)
    assert (response.rater, response.rater_user) == (Rater.CLIENT, None)
    assert (response.author, response.author_user) == (Author.PRACTITIONER, cast.colleague)
    read = valid(fhir(cast, "clinician", f"QuestionnaireResponse/{response.pk}").json())
    assert read["author"]["identifier"] == {"system": user_system(), "value": "colleague"}
    assert read["source"] == {"reference": f"Patient/{cast.episode.client_id}"}
    observation = fhir(cast, "clinician", f"Observation/{response.pk}").json()
    assert observation["performer"] == [read["source"]]  # who rated: the client


@pytest.mark.parametrize(
    "named",
    [
        lambda cast: {"reference": f"Practitioner/{cast.colleague.pk}"},
        lambda cast: {
            "type": "Practitioner",
            "identifier": {"system": "urn:alliance:staff", "value": str(cast.colleague.pk)},
        },
        lambda cast: by_username("colleague"),
    ],
    ids=["reference", "staff-id", "user-name"],
)
def test_a_practitioner_named_as_source_rates_as_that_member_of_staff(
    cast: SimpleNamespace, named: Any
) -> None:
    response = stored(post(cast, "clinician", srs_body(cast, source=named(cast))))
    assert (response.rater, response.rater_user) == (Rater.CLINICIAN, cast.colleague)
    assert (response.author, response.author_user) == ("", None)
    read = fhir(cast, "clinician", f"QuestionnaireResponse/{response.pk}").json()
    assert read["source"]["identifier"]["value"] == "colleague"
    assert read["author"] == read["source"]  # nobody said otherwise: the rater recorded it
    observation = fhir(cast, "clinician", f"Observation/{response.pk}").json()
    assert observation["performer"][0]["identifier"]["value"] == "colleague"


def test_an_author_alone_says_who_rated_and_who_recorded(cast: SimpleNamespace) -> None:
    # Without a source, the author answered too (docs/api.md: "source (else author)").
    author = {"reference": f"Practitioner/{cast.colleague.pk}"}
    response = stored(post(cast, "clinician", srs_body(cast, author=author)))
    assert (response.rater, response.rater_user) == (Rater.CLINICIAN, cast.colleague)
    assert (response.author, response.author_user) == (Author.PRACTITIONER, cast.colleague)


@pytest.mark.parametrize(
    ("author", "kept", "read_back"),
    [
        ({"type": "RelatedPerson", "display": "Mother"}, Author.RELATED_PERSON, "RelatedPerson"),
        (None, Author.PATIENT, "Patient"),
    ],
)
def test_the_patient_or_a_carer_as_author_is_kept(
    cast: SimpleNamespace, author: dict[str, Any] | None, kept: str, read_back: str
) -> None:
    practitioner = {"reference": f"Practitioner/{cast.clinician.pk}"}
    author = author or {"reference": f"Patient/{cast.episode.client_id}"}
    response = stored(post(cast, "clinician", srs_body(cast, source=practitioner, author=author)))
    assert (response.rater, response.rater_user) == (Rater.CLINICIAN, cast.clinician)
    assert (response.author, response.author_user) == (kept, None)
    read = valid(fhir(cast, "clinician", f"QuestionnaireResponse/{response.pk}").json())
    shown = read["author"].get("type") or read["author"]["reference"].split("/")[0]
    assert shown == read_back
    assert read["source"]["identifier"]["value"] == "clinician"


def _elsewhere(cast: SimpleNamespace) -> Any:
    known = User.objects.filter(username="stranger").first()
    if known is not None:
        return known
    other = Organisation.objects.create(name="Hillside Therapy")
    team = Team.objects.create(organisation=other, name="Adults")
    return make_user("stranger", organisation=other, role=Role.CLINICIAN, team=team)


@pytest.mark.parametrize(
    "named",
    [
        # the supervisor of the organisation's other team: not working with this client
        lambda cast: {"reference": f"Practitioner/{cast.other_supervisor.pk}"},
        lambda cast: by_username("othersupervisor"),
        # someone of another organisation, and nobody at all
        lambda cast: {"reference": f"Practitioner/{_elsewhere(cast).pk}"},
        lambda cast: by_username("nobody"),
        lambda cast: {"reference": "Practitioner/2147483647"},
        lambda cast: {"reference": "Practitioner/99999999999"},
        # references we cannot read
        lambda cast: {"reference": "Practitioner/colleague"},
        lambda cast: {"reference": "PractitionerRole/1"},
        lambda cast: {
            "type": "Practitioner",
            "identifier": {"system": "http://example.org/npi", "value": "1234"},
        },
        lambda cast: {"reference": "Organization/1"},
    ],
)
def test_an_author_who_does_not_work_with_the_client_is_refused_naming_author(
    cast: SimpleNamespace, named: Any
) -> None:
    refused(post(cast, "clinician", srs_body(cast, author=named(cast))), "author")
    refused(post(cast, "clinician", srs_body(cast, source=named(cast))), "source")
    assert Response.objects.count() == 1  # the standing PHQ-9 only


def test_an_inactive_member_of_staff_is_refused(cast: SimpleNamespace) -> None:
    cast.colleague.is_active = False
    cast.colleague.save(update_fields=["is_active"])
    refused(post(cast, "clinician", srs_body(cast, author=by_username("colleague"))), "author")


def test_the_refusal_says_the_same_for_a_stranger_and_for_nobody(cast: SimpleNamespace) -> None:
    stranger = refused(
        post(cast, "clinician", srs_body(cast, author=by_username("othersupervisor"))), "author"
    )
    nobody = refused(
        post(cast, "clinician", srs_body(cast, author=by_username("nobody"))), "author"
    )
    assert stranger == nobody


def test_a_rater_the_measure_does_not_take_is_named_by_the_field_that_said_it(
    cast: SimpleNamespace,
) -> None:
    # The PHQ-9 is the client's own: a Practitioner as author alone (so as rater) is refused
    # naming author; the same with source and an author naming the client, naming source.
    me = {"reference": f"Practitioner/{cast.clinician.pk}"}
    refused(post(cast, "clinician", qr_body(cast, author=me)), "author")
    client = {"reference": f"Patient/{cast.episode.client_id}"}
    refused(post(cast, "clinician", qr_body(cast, source=me, author=client)), "source")


def _responses(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for e in document["episodes"] for s in e["sessions"] for r in s["responses"]]


def test_the_author_survives_an_export_and_restore(clinic: SimpleNamespace) -> None:
    # Every field of a response, the author's too, comes back exactly:
    # tests/transfer/test_clinic_week.py. Here: an export from before authors were kept.
    response = response_record(
        session=clinic.session,
        instrument_code="srs",
        values={"srs_1": 9, "srs_2": 9, "srs_3": 9, "srs_4": 9},
        author=Author.PRACTITIONER,
        author_user=clinic.colleague,
    )
    document = json.loads(json.dumps(organisation_export(organisation=clinic.org)))
    [exported] = _responses(document)
    assert (exported["author"], exported["author_user"]) == ("practitioner", "colleague")
    for record in _responses(document):
        del record["author"], record["author_user"]
    _wipe(clinic.org)
    outcome = organisation_import(source=document, organisation="", progress=lambda *_: None)
    assert outcome.errors == []
    restored = Response.objects.get(idempotency_key=response.idempotency_key)
    assert (restored.author, restored.author_user) == ("", None)


@pytest.mark.parametrize(
    ("author", "author_user", "field"),
    [
        ("practitioner", None, "author_user"),
        ("", "colleague", "author_user"),
        ("x", None, "author"),
    ],
)
def test_an_export_with_an_author_out_of_step_is_refused_naming_it(
    cast: SimpleNamespace, author: str, author_user: str | None, field: str
) -> None:
    stored(post(cast, "clinician", srs_body(cast)))
    document = json.loads(json.dumps(organisation_export(organisation=cast.org)))
    document["organisation"]["name"] = "Elsewhere"
    record = document["episodes"][0]["sessions"][0]["responses"][-1]
    record["author"], record["author_user"] = author, author_user
    outcome = organisation_import(source=document, organisation="", progress=lambda *_: None)
    assert any(f"responses[1].{field}" in str(error) for error in outcome.errors), outcome.errors
