"""Identifiers outside systems store stay put (issue 14, point 7): canonical URLs come from the
site's setting, not the Host header a request came with, and the Patient identifier system is
the same after an export is restored into an emptied database."""

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from django.db import transaction

from alliance.accounts.models import Organisation
from alliance.api.fhir import resources
from alliance.care.models import Client
from alliance.demo.clinic import _remove_earlier_demo, load_demo
from alliance.transfer.selectors import organisation_export
from alliance.transfer.services import organisation_import
from tests.api.conftest import api_as
from tests.api.test_fhir import fhir


def test_canonical_urls_do_not_follow_the_host_header(cast: SimpleNamespace, settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    here = api_as(cast, "clinician").browser.get("/fhir/Questionnaire/phq9").json()
    there = api_as(cast, "clinician").browser.get(
        "/fhir/Questionnaire/phq9", HTTP_HOST="elsewhere.example"
    )
    assert there.json()["url"] == here["url"] == resources.questionnaire_url("phq9")


def test_the_canonical_base_is_the_sites_setting(cast: SimpleNamespace, settings: Any) -> None:
    settings.ALLIANCE = settings.ALLIANCE | {"FHIR_CANONICAL_URL": "https://forms.example.org/fhir"}
    body = fhir(cast, "clinician", "Questionnaire/gad7").json()
    assert body["url"] == "https://forms.example.org/fhir/Questionnaire/gad7"
    patient = fhir(cast, "clinician", f"Patient/{cast.episode.client_id}").json()
    system = patient["identifier"][0]["system"]
    assert system.startswith("https://forms.example.org/fhir/identifier/client-code/")
    # The organisation by its name, never by its database id (which a restore changes).
    assert system.rsplit("/", 1)[-1] == quote(cast.org.name, safe="")


def _systems() -> dict[str, str]:
    return {
        client.code: resources.patient(client)["identifier"][0]["system"]
        for client in Client.objects.select_related("organisation")
    }


@pytest.mark.django_db
def test_the_patient_identifier_system_survives_an_export_and_restore() -> None:
    load_demo(seed=7, today=dt.date(2026, 6, 1))
    before, organisation = _systems(), Organisation.objects.get()
    document = json.loads(json.dumps(organisation_export(organisation=organisation)))
    with transaction.atomic():
        _remove_earlier_demo()
    outcome = organisation_import(source=document, organisation="", progress=lambda *_: None)
    assert outcome.errors == []
    assert Organisation.objects.get().pk != organisation.pk  # a new row ...
    assert _systems() == before  # ... and the same identifiers
