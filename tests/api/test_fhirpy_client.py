"""A second independent FHIR client from PyPI, fhirpy (beda.software's, its own query builder:
``date__ge`` is ``date=ge...``, ``subject__Patient`` is ``subject:Patient``), talks to the server
over HTTP: ``count()`` (``_count=0`` with a parameter of its own we do not list), typed
references, date prefixes, sorting, paging with ``fetch_all``, a create, and a chain refused
under ``Prefer: handling=strict`` (issue 14, points 2 and 7)."""

import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome

from alliance.measures.models import Response
from tests.api.test_fhir import qr_body
from tests.clinic.builders import bulk_caseload


def client_for(cast: SimpleNamespace, live_server: Any, **headers: str) -> SyncFHIRClient:
    return SyncFHIRClient(
        f"{live_server.url}/fhir",
        authorization=f"Bearer {cast.secrets['clinician']}",
        extra_headers=headers or None,
    )


@pytest.fixture
def fhir(cast: SimpleNamespace, live_server: Any) -> SyncFHIRClient:
    return client_for(cast, live_server)


def test_count_asks_for_no_entries_and_gets_the_total(
    cast: SimpleNamespace, fhir: SyncFHIRClient
) -> None:
    bulk_caseload(cast, clients=2, sessions=2)
    everything = fhir.resources("Observation")
    seen = Response.objects.filter(session__episode__care_team__member=cast.clinician).count()
    assert everything.count() == seen > 1
    mine = everything.search(patient=cast.episode.client_id)
    assert mine.count() == 1


def test_its_typed_references_date_prefixes_and_sort_filter(
    cast: SimpleNamespace, fhir: SyncFHIRClient
) -> None:
    bulk_caseload(cast, clients=2, sessions=2)
    patient = cast.episode.client_id
    typed = fhir.resources("Observation").search(subject__Patient=patient).fetch_all()
    assert [o["subject"]["reference"] for o in typed] == [f"Patient/{patient}"]
    assert fhir.resources("Observation").search(patient=patient, date__ge="2099-01-01").count() == 0
    assert fhir.resources("Observation").search(patient=patient, date__lt="2099-01-01").count() == 1
    newest_first = fhir.resources("Observation").sort("-date").fetch_all()
    times = [o["effectiveDateTime"] for o in newest_first]
    assert times == sorted(times, reverse=True) and len(times) > 2


def test_fetch_all_follows_the_next_links(cast: SimpleNamespace, fhir: SyncFHIRClient) -> None:
    bulk_caseload(cast, clients=3, sessions=2)
    search = fhir.resources("Observation").sort("date").limit(2)
    ids = [o.id for o in search.fetch_all()]
    assert len(ids) == len(set(ids)) == search.count() > 2


def test_it_creates_a_questionnaire_response_and_reads_it_back(
    cast: SimpleNamespace, fhir: SyncFHIRClient
) -> None:
    body = qr_body(cast, item9=0)
    body.pop("resourceType")
    created = fhir.resource("QuestionnaireResponse", **body)
    created.save()
    assert created.id and Response.objects.filter(pk=created.id).exists()
    read = fhir.reference("QuestionnaireResponse", created.id).to_resource()
    assert read["identifier"] == body["identifier"]
    total = fhir.resources("Observation").search(_id=created.id).get()
    assert total["valueQuantity"]["value"] == 8


def test_a_chain_is_refused_when_strict_and_left_out_otherwise(
    cast: SimpleNamespace, live_server: Any, fhir: SyncFHIRClient
) -> None:
    chained = {"patient__Patient__identifier": f"|{uuid.uuid4()}"}  # patient:Patient.identifier
    strict = client_for(cast, live_server, Prefer="handling=strict")
    with pytest.raises(OperationOutcome) as refused:
        strict.resources("Observation").search(**chained).fetch()
    assert "patient:Patient.identifier" in str(refused.value)
    # Lenient: the chain is not searched (and the self link says so), so all are found.
    assert fhir.resources("Observation").search(**chained).count() == 1
