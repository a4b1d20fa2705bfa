"""FHIR EpisodeOfCare (issue 11, point 7): read and search by patient, valid R4, scoped like
the pages; another organisation's token finds nothing."""

import datetime as dt
from types import SimpleNamespace

from alliance.accounts.models import Organisation, Role, Team
from alliance.api.fhir.episodes import CONTINUES_EXTENSION, ENDING_EXTENSION
from alliance.api.models import Scope
from alliance.api.services import token_create
from alliance.care import episodes
from tests.api.conftest import Api
from tests.api.test_fhir import fhir, valid
from tests.factories import make_episode, make_user


def test_an_episode_reads_as_a_valid_episode_of_care(cast: SimpleNamespace) -> None:
    body = valid(fhir(cast, "clinician", f"EpisodeOfCare/{cast.episode.pk}").json())
    assert body["status"] == "active"
    assert body["patient"] == {"reference": f"Patient/{cast.episode.client_id}"}
    assert body["period"] == {"start": "2026-01-05"}
    assert body["type"][0]["coding"][0]["code"] == "individual"
    assert body["careManager"]["display"] == "Clinician"
    assert "extension" not in body
    # Pseudonymous: the client's name is nowhere in it.
    assert cast.episode.client.display_name not in str(body)


def test_a_transfer_shows_the_ending_and_the_episode_it_continues(
    cast: SimpleNamespace,
) -> None:
    new = episodes.episode_transfer(
        episode=cast.episode,
        mode="new_episode",
        care_team=[(cast.colleague, "primary_therapist")],
        on=dt.date(2026, 2, 2),
        by=cast.clinician,
    )
    old = valid(fhir(cast, "supervisor", f"EpisodeOfCare/{cast.episode.pk}").json())
    assert old["status"] == "finished" and old["period"]["end"] == "2026-02-02"
    assert {"url": ENDING_EXTENSION, "valueCode": "transferred"} in old["extension"]
    following = valid(fhir(cast, "supervisor", f"EpisodeOfCare/{new.pk}").json())
    assert {
        "url": CONTINUES_EXTENSION,
        "valueReference": {"reference": f"EpisodeOfCare/{cast.episode.pk}"},
    } in following["extension"]


def test_search_by_patient_and_status(cast: SimpleNamespace) -> None:
    other = make_episode(cast.team_a, cast.clinician)
    everything = valid(fhir(cast, "clinician", "EpisodeOfCare").json())
    assert everything["total"] == 2
    mine = valid(
        fhir(cast, "clinician", "EpisodeOfCare", patient=f"Patient/{other.client_id}").json()
    )
    assert [e["resource"]["id"] for e in mine["entry"]] == [str(other.pk)]
    episodes.episode_end(
        episode=other, ending="planned", ended_on=dt.date(2026, 2, 1), by=cast.clinician
    )
    finished = valid(fhir(cast, "clinician", "EpisodeOfCare", status="finished").json())
    assert [e["resource"]["id"] for e in finished["entry"]] == [str(other.pk)]
    active = valid(fhir(cast, "clinician", "EpisodeOfCare", status="active").json())
    assert [e["resource"]["id"] for e in active["entry"]] == [str(cast.episode.pk)]
    bad = fhir(cast, "clinician", "EpisodeOfCare", status="sleeping")
    assert bad.status_code == 400 and valid(bad.json())["resourceType"] == "OperationOutcome"
    colleague = valid(
        fhir(cast, "colleague", "EpisodeOfCare", patient=str(cast.episode.client_id)).json()
    )
    assert colleague["total"] == 0


def test_another_organisations_token_finds_nothing(cast: SimpleNamespace) -> None:
    elsewhere = Organisation.objects.create(name="Elsewhere Therapy")
    team = Team.objects.create(organisation=elsewhere, name="Adults")
    stranger = make_user("stranger", organisation=elsewhere, role=Role.SUPERVISOR, team=team)
    api = Api(token_create(user=stranger, name="t", scope=Scope.READ).secret)
    read = api.get(f"/fhir/EpisodeOfCare/{cast.episode.pk}")
    assert read.status_code == 404
    search = api.get("/fhir/EpisodeOfCare", patient=str(cast.episode.client_id)).json()
    assert search["total"] == 0
