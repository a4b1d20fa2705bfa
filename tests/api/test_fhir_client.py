"""An independent FHIR client from PyPI, fhirclient (SMART on FHIR's Python client, its own URL
building, paging and R4 models), talks to the server over HTTP: the CapabilityStatement, a
search with a prefix, paging by the next links, a read by the new id, and a create (issue 14)."""

import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from fhirclient.models.capabilitystatement import CapabilityStatement
from fhirclient.models.fhirsearch import FHIRSearch
from fhirclient.models.observation import Observation
from fhirclient.models.questionnaire import Questionnaire
from fhirclient.models.questionnaireresponse import QuestionnaireResponse
from fhirclient.server import FHIRServer

from alliance.measures.models import Response
from tests.clinic.builders import bulk_caseload


@pytest.fixture
def server(cast: SimpleNamespace, live_server: Any) -> FHIRServer:
    """The server as fhirclient sees it, with the clinician's token on every request."""
    found = FHIRServer(None, base_uri=f"{live_server.url}/fhir/")
    found.session.headers["Authorization"] = f"Bearer {cast.secrets['clinician']}"
    return found


def test_it_reads_the_capability_statement(server: FHIRServer) -> None:
    statement = CapabilityStatement(server.request_json("metadata"), strict=True)
    kinds = {resource.type for resource in statement.rest[0].resource}
    assert {"Patient", "Observation", "QuestionnaireResponse"} <= kinds


def test_its_searches_filter_as_it_builds_them(cast: SimpleNamespace, server: FHIRServer) -> None:
    patient = str(cast.episode.client_id)
    mine = Observation.where({"patient": patient, "code": "http://loinc.org|44261-6"})
    found = list(mine.perform_resources_iter(server))
    assert [o.valueQuantity.value for o in found] == [8]
    # fhirclient's own {"$gt": ...} writes DSTU2's "date=>..."; R4's prefix is given as such.
    later = Observation.where({"patient": patient, "date": "gt2099-01-01"})
    assert list(later.perform_resources_iter(server)) == []
    earlier = Observation.where({"patient": patient, "date": "lt2099-01-01"})
    assert len(list(earlier.perform_resources_iter(server))) == 1


def test_it_pages_through_every_entry_by_the_next_links(
    cast: SimpleNamespace, server: FHIRServer
) -> None:
    bulk_caseload(cast, clients=3, sessions=2)
    search = FHIRSearch(Observation, {"_count": "4", "_sort": "date"})
    pages = list(search.perform_iter(server))
    ids = [entry.resource.id for page in pages for entry in page.entry or []]
    assert len(pages) > 1 and len(ids) == len(set(ids)) == pages[0].total


def test_it_reads_questionnaires_by_their_fhir_ids(server: FHIRServer) -> None:
    assert Questionnaire.read("wai-sr-t", server).id == "wai-sr-t"
    gad7 = Questionnaire.read("gad7", server)
    assert gad7.item[0].type == "display"
    assert gad7.item[1].answerOption[1].extension[0].valueDecimal == 1


def test_it_creates_a_questionnaire_response(cast: SimpleNamespace, server: FHIRServer) -> None:
    items = [
        {
            "linkId": f"gad7_{n}",
            "answer": [{"valueCoding": {"system": "http://loinc.org", "code": "LA6569-3"}}],
        }
        for n in range(1, 8)
    ]
    body = {
        "resourceType": "QuestionnaireResponse",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"},
        "questionnaire": "Questionnaire/gad7",
        "status": "completed",
        "subject": {"reference": f"Patient/{cast.episode.client_id}"},
        "encounter": {"reference": f"Encounter/{cast.session.pk}"},
        "authored": "2026-01-05T10:30:00+00:00",
        "item": items,
    }
    created = QuestionnaireResponse(body, strict=True).create(server)
    assert created is not None and created["resourceType"] == "QuestionnaireResponse"
    assert Response.objects.get(pk=created["id"]).total == 7
