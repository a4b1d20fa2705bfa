"""FHIR R4 Appointment (issue 11, point 7): read, search by patient and date, create; valid R4
(fhirclient, strict), scoped as on the pages, and listed in the CapabilityStatement."""

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client as Browser
from django.utils import timezone

from alliance.accounts.models import Organisation, Role, Team
from alliance.api.models import Scope
from alliance.api.services import token_create
from alliance.care import appointments
from alliance.care.models import Session, SessionStatus
from tests.access.roles import ROLES
from tests.api.conftest import SEES, api_as
from tests.api.test_fhir import fhir, valid
from tests.factories import make_episode, make_user


def _later(days: int = 3, hour: int = 14) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _booked(cast: SimpleNamespace, days: int = 3) -> Session:
    return appointments.appointment_book(
        episode=cast.episode, by=cast.clinician, starts_at=_later(days), mode="video"
    )[0]


def _body(cast: SimpleNamespace, **change: Any) -> dict[str, Any]:
    start = _later(4)
    return {
        "resourceType": "Appointment",
        "status": "booked",
        "start": start.isoformat(),
        "end": (start + dt.timedelta(minutes=45)).isoformat(),
        "participant": [
            {"actor": {"reference": f"Patient/{cast.episode.client_id}"}, "status": "accepted"}
        ],
    } | change


def _post(cast: SimpleNamespace, role: str, body: Any, query: str = "") -> Any:
    return api_as(cast, role).browser.post(
        f"/fhir/Appointment{query}", json.dumps(body), content_type="application/fhir+json"
    )


def test_the_capability_statement_serves_appointments(cast: SimpleNamespace) -> None:
    body = valid(Browser().get("/fhir/metadata").json())
    [served] = [r for r in body["rest"][0]["resource"] if r["type"] == "Appointment"]
    assert {i["code"] for i in served["interaction"]} == {"read", "search-type", "create"}
    assert {p["name"] for p in served["searchParam"]} >= {"patient", "date"}


@pytest.mark.parametrize("role", ROLES)
def test_reading_an_appointment_as_each_role(cast: SimpleNamespace, role: str) -> None:
    booked = _booked(cast)
    answer = fhir(cast, role, f"Appointment/{booked.pk}")
    expected = 401 if role == "anonymous" else 200 if role in SEES else 404
    assert answer.status_code == expected
    if expected == 200:
        body = valid(answer.json())
        assert (body["status"], body["minutesDuration"]) == ("booked", 50)
        assert body["appointmentType"]["coding"][0]["code"] == "video"
        assert body["participant"][0]["actor"]["reference"] == f"Patient/{cast.episode.client_id}"


def test_each_status_maps_to_r4(cast: SimpleNamespace) -> None:
    booked = _booked(cast)
    appointments.appointment_cancel(
        session=booked, by=cast.clinician, cancelled_by="client", reason="Unwell"
    )
    body = valid(fhir(cast, "clinician", f"Appointment/{booked.pk}").json())
    assert (body["status"], body["cancelationReason"]["text"]) == ("cancelled", "Unwell")
    assert valid(fhir(cast, "clinician", f"Appointment/{cast.session.pk}").json())["status"] == (
        "fulfilled"
    )


def test_searching_by_patient_and_date(cast: SimpleNamespace) -> None:
    soon, later = _booked(cast, 3), _booked(cast, 10)
    patient = f"Patient/{cast.episode.client_id}"
    every = valid(fhir(cast, "clinician", "Appointment", patient=patient).json())
    assert every["total"] == 3
    day = f"{timezone.localdate(soon.starts_at):%Y-%m-%d}"
    on_day = valid(fhir(cast, "clinician", "Appointment", patient=patient, date=day).json())
    assert [e["resource"]["id"] for e in on_day["entry"]] == [str(soon.pk)]
    after = fhir(cast, "clinician", "Appointment", date=f"gt{day}").json()
    assert [e["resource"]["id"] for e in after["entry"]] == [str(later.pk)]
    booked = fhir(cast, "clinician", "Appointment", status="booked").json()
    assert booked["total"] == 2
    assert fhir(cast, "clinician", "Appointment", date="tomorrow").status_code == 400
    assert fhir(cast, "clinician", "Appointment", patient="Practitioner/1").status_code == 400


@pytest.mark.parametrize("role", ROLES)
def test_searching_is_scoped_as_on_the_pages(cast: SimpleNamespace, role: str) -> None:
    _booked(cast)
    answer = fhir(cast, role, "Appointment")
    if role == "anonymous":
        assert answer.status_code == 401
        return
    assert answer.json()["total"] == (2 if role in SEES else 0)


@pytest.mark.parametrize("role", ROLES)
def test_creating_as_each_role(cast: SimpleNamespace, role: str) -> None:
    answer = _post(cast, role, _body(cast))
    expected = (
        401 if role == "anonymous" else 201 if role == "clinician" else 403 if role in SEES else 404
    )
    assert answer.status_code == expected, answer.content
    booked = Session.objects.filter(episode=cast.episode, status=SessionStatus.SCHEDULED)
    assert booked.count() == (1 if role == "clinician" else 0)
    if role == "clinician":
        body = valid(answer.json())
        assert answer["Location"].endswith(f"/fhir/Appointment/{body['id']}")
        assert (body["minutesDuration"], body["status"]) == (45, "booked")
        again = _post(cast, role, _body(cast))
        assert again.json()["id"] == body["id"] and booked.count() == 1


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"start": (timezone.now() - dt.timedelta(days=1)).isoformat()}, "start"),
        ({"status": "fulfilled"}, "status"),
        (
            {"participant": [{"actor": {"reference": "Practitioner/3"}, "status": "accepted"}]},
            "participant",
        ),
        ({"minutesDuration": 1000}, "minutesDuration"),
        ({"start": "2026-13-40T10:00:00+00:00"}, None),
        ({"resourceType": "Patient"}, "resourceType"),
    ],
)
def test_a_bad_appointment_is_refused_naming_where(
    cast: SimpleNamespace, change: dict[str, Any], where: str | None
) -> None:
    answer = _post(cast, "clinician", _body(cast, **change))
    assert answer.status_code in (400, 422), answer.content
    outcome = valid(answer.json())
    if where:
        assert outcome["issue"][0]["expression"] == [where]
    assert Session.objects.filter(episode=cast.episode).count() == 1


def test_an_overlap_is_a_conflict_unless_confirmed(cast: SimpleNamespace) -> None:
    other = make_episode(cast.team_a, cast.clinician)
    appointments.appointment_book(episode=other, by=cast.clinician, starts_at=_later(4))
    assert _post(cast, "clinician", _body(cast)).status_code == 409
    assert _post(cast, "clinician", _body(cast), "?_confirm_overlap=true").status_code == 201


def test_another_organisations_token_neither_reads_nor_books(cast: SimpleNamespace) -> None:
    booked = _booked(cast)
    org = Organisation.objects.create(name="Hillside Therapy")
    team = Team.objects.create(organisation=org, name="Hillside adults")
    person = make_user("hillside", organisation=org, role=Role.CLINICIAN, team=team)
    secret = token_create(user=person, name="test", scope=Scope.READ_WRITE).secret
    stranger = Browser(headers={"Authorization": f"Bearer {secret}"})
    assert stranger.get(f"/fhir/Appointment/{booked.pk}").status_code == 404
    assert stranger.get("/fhir/Appointment").json()["total"] == 0
    answer = stranger.post(
        "/fhir/Appointment", json.dumps(_body(cast)), content_type="application/fhir+json"
    )
    assert answer.status_code == 404
    assert Session.objects.filter(episode=cast.episode).count() == 2


def test_a_read_only_token_cannot_book(cast: SimpleNamespace) -> None:
    secret = token_create(user=cast.clinician, name="read", scope=Scope.READ).secret
    reader = Browser(headers={"Authorization": f"Bearer {secret}"})
    answer = reader.post(
        "/fhir/Appointment", json.dumps(_body(cast)), content_type="application/fhir+json"
    )
    assert answer.status_code == 403
