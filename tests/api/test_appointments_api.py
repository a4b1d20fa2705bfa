"""Appointments in the REST API (issue 11, point 7): GET/POST /appointments, GET/PATCH
/appointments/{id}, GET /sessions/{id}/due, each tried as every role and with another
organisation's token; refusals name their field; the schema documents every answer."""

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
from tests.api.conftest import SEES, STAFF_ROLES, api_as
from tests.factories import make_episode, make_user

V1 = "/api/v1"


def _later(days: int = 3, hour: int = 14) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _patch(cast: SimpleNamespace, role: str, url: str, body: dict[str, Any]) -> Any:
    return api_as(cast, role).browser.patch(url, json.dumps(body), content_type="application/json")


def _booked(cast: SimpleNamespace) -> Session:
    return appointments.appointment_book(
        episode=cast.episode, by=cast.clinician, starts_at=_later()
    )[0]


@pytest.fixture
def stranger(cast: SimpleNamespace) -> Browser:
    """A clinician of another organisation, with a read-write token and a client of their own."""
    org = Organisation.objects.create(name="Hillside Therapy")
    team = Team.objects.create(organisation=org, name="Hillside adults")
    person = make_user("hillside", organisation=org, role=Role.CLINICIAN, team=team)
    cast.strangers_episode = make_episode(team, person)
    secret = token_create(user=person, name="test", scope=Scope.READ_WRITE).secret
    return Browser(headers={"Authorization": f"Bearer {secret}"})


def test_the_routes_are_in_the_schema_with_their_errors(cast: SimpleNamespace) -> None:
    schema = api_as(cast, "clinician").get(f"{V1}/openapi.json").json()
    create = schema["paths"][f"{V1}/appointments"]["post"]["responses"]
    assert {"201", "401", "403", "404", "409", "422"} <= set(create)
    change = schema["paths"][f"{V1}/appointments/{{appointment_id}}"]["patch"]["responses"]
    assert {"200", "403", "404", "409", "422"} <= set(change)
    assert "404" in schema["paths"][f"{V1}/sessions/{{session_id}}/due"]["get"]["responses"]


@pytest.mark.parametrize("role", ROLES)
def test_booking_as_each_role(cast: SimpleNamespace, role: str) -> None:
    body = {"episode": cast.episode.pk, "starts_at": _later().isoformat(), "mode": "video"}
    answer = api_as(cast, role).post(f"{V1}/appointments", body)
    expected = (
        401 if role == "anonymous" else 201 if role == "clinician" else 403 if role in SEES else 404
    )
    assert answer.status_code == expected, answer.content
    booked = Session.objects.filter(episode=cast.episode, status=SessionStatus.SCHEDULED)
    assert booked.count() == (1 if role == "clinician" else 0)
    if role == "clinician":
        [out] = answer.json()
        assert (out["number"], out["mode"], out["attended_by"]) == (2, "video", [cast.clinician.pk])


def test_a_series_and_its_repeat_store_one_series(cast: SimpleNamespace) -> None:
    body = {"episode": cast.episode.pk, "starts_at": _later().isoformat()}
    body |= {"repeat": "fortnightly", "count": 3}
    first = api_as(cast, "clinician").post(f"{V1}/appointments", body).json()
    again = api_as(cast, "clinician").post(f"{V1}/appointments", body).json()
    assert [s["id"] for s in first] == [s["id"] for s in again]
    assert [s["number"] for s in first] == [2, 3, 4]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": (timezone.now() - dt.timedelta(days=1)).isoformat()}, "starts_at"),
        ({"duration_minutes": 4}, "duration_minutes"),
        ({"mode": "fax"}, "mode"),
        ({"repeat": "weekly"}, "count"),
        ({"ends_at": "2020-01-01T10:00:00Z"}, "ends_at"),
        ({"starts_at": "9999-12-31T23:59:00-12:00"}, "starts_at"),
    ],
)
def test_bad_bookings_are_422_naming_the_field(
    cast: SimpleNamespace, change: dict[str, Any], field: str
) -> None:
    body = {"episode": cast.episode.pk, "starts_at": _later().isoformat()} | change
    answer = api_as(cast, "clinician").post(f"{V1}/appointments", body)
    assert answer.status_code == 422, answer.content
    assert field in json.dumps(answer.json()["detail"])
    assert Session.objects.filter(episode=cast.episode).count() == 1


def test_an_overlap_is_409_until_confirmed(cast: SimpleNamespace) -> None:
    other = make_episode(cast.team_a, cast.clinician)
    appointments.appointment_book(episode=other, by=cast.clinician, starts_at=_later())
    body = {"episode": cast.episode.pk, "starts_at": _later().isoformat()}
    warned = api_as(cast, "clinician").post(f"{V1}/appointments", body)
    assert warned.status_code == 409 and warned.json()["detail"][0]["loc"] == ["body", "starts_at"]
    confirmed = api_as(cast, "clinician").post(
        f"{V1}/appointments", body | {"confirm_overlap": True}
    )
    assert confirmed.status_code == 201


def test_another_organisations_token_sees_and_books_nothing_here(
    cast: SimpleNamespace, stranger: Browser
) -> None:
    booked = _booked(cast)
    assert stranger.get(f"{V1}/appointments").json()["count"] == 0
    assert stranger.get(f"{V1}/appointments/{booked.pk}").status_code == 404
    assert stranger.get(f"{V1}/sessions/{cast.session.pk}/due").status_code == 404
    body = {"episode": cast.episode.pk, "starts_at": _later(5).isoformat()}
    assert (
        stranger.post(f"{V1}/appointments", body, content_type="application/json").status_code
        == 404
    )
    cancel = json.dumps({"action": "cancel", "cancelled_by": "client", "reason": "x"})
    url = f"{V1}/appointments/{booked.pk}"
    assert stranger.patch(url, cancel, content_type="application/json").status_code == 404
    assert Session.objects.get(pk=booked.pk).status == SessionStatus.SCHEDULED
    # ...and its own client's bookings are its own.
    own = {"episode": cast.strangers_episode.pk, "starts_at": _later(5).isoformat()}
    assert (
        stranger.post(f"{V1}/appointments", own, content_type="application/json").status_code == 201
    )
    assert api_as(cast, "clinician").get(f"{V1}/appointments").json()["count"] == 2


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_listing_is_scoped_like_the_pages(cast: SimpleNamespace, role: str) -> None:
    _booked(cast)
    found = api_as(cast, role).get(f"{V1}/appointments", status="scheduled").json()
    assert found["count"] == (1 if role in SEES else 0)


def test_listing_by_client_and_days(cast: SimpleNamespace) -> None:
    booked = _booked(cast)
    day = f"{timezone.localdate(booked.starts_at):%Y-%m-%d}"
    api = api_as(cast, "clinician")
    on_day = api.get(f"{V1}/appointments", from_date=day, to_date=day).json()
    assert [s["id"] for s in on_day["items"]] == [booked.pk]
    assert api.get(f"{V1}/appointments", client=cast.episode.client_id).json()["count"] == 2
    assert (
        api.get(f"{V1}/appointments", from_date="0001-01-01", to_date="9999-12-31").json()["count"]
        == 2
    )


@pytest.mark.parametrize("role", ROLES)
def test_cancelling_as_each_role(cast: SimpleNamespace, role: str) -> None:
    booked = _booked(cast)
    url = f"{V1}/appointments/{booked.pk}"
    answer = _patch(
        cast, role, url, {"action": "cancel", "cancelled_by": "client", "reason": "Ill"}
    )
    expected = (
        401 if role == "anonymous" else 200 if role == "clinician" else 403 if role in SEES else 404
    )
    assert answer.status_code == expected
    status = Session.objects.get(pk=booked.pk).status
    assert status == (SessionStatus.CANCELLED if role == "clinician" else SessionStatus.SCHEDULED)
    if role == "clinician":
        assert (answer.json()["number"], answer.json()["cancelled_by"]) == (None, "client")


def test_rescheduling_attended_and_no_show(cast: SimpleNamespace) -> None:
    booked = _booked(cast)
    url = f"{V1}/appointments/{booked.pk}"
    assert _patch(cast, "clinician", url, {"action": "reschedule"}).status_code == 422
    moved = _patch(
        cast, "clinician", url, {"action": "reschedule", "starts_at": _later(4).isoformat()}
    )
    assert moved.status_code == 200 and moved.json()["starts_at"].startswith(
        f"{_later(4):%Y-%m-%d}"
    )
    early = _patch(cast, "clinician", url, {"action": "attended"})
    assert early.status_code == 422 and "status" in json.dumps(early.json())
    Session.objects.filter(pk=booked.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1))
    assert _patch(cast, "clinician", url, {"action": "no_show"}).json()["status"] == "no_show"
    assert (
        _patch(
            cast, "clinician", url, {"action": "cancel", "cancelled_by": "clinic", "reason": "x"}
        ).status_code
        == 422
    )


def test_a_read_only_token_cannot_book(cast: SimpleNamespace) -> None:
    secret = token_create(user=cast.clinician, name="read", scope=Scope.READ).secret
    browser = Browser(headers={"Authorization": f"Bearer {secret}"})
    body = json.dumps({"episode": cast.episode.pk, "starts_at": _later().isoformat()})
    assert (
        browser.post(f"{V1}/appointments", body, content_type="application/json").status_code == 403
    )


@pytest.mark.parametrize("role", ROLES)
def test_what_is_due_as_each_role(cast: SimpleNamespace, role: str) -> None:
    answer = api_as(cast, role).get(f"{V1}/sessions/{cast.session.pk}/due")
    expected = 401 if role == "anonymous" else 200 if role in SEES else 404
    assert answer.status_code == expected
    if expected == 200:
        body = answer.json()
        assert body["due"] == ["ors", "srs"] and body["fixed"] is False
        assert body["missed"] == ["ors", "srs"]  # a PHQ-9 was answered, not the plan's two


def test_sessions_list_copes_with_a_cancelled_session(cast: SimpleNamespace) -> None:
    booked = _booked(cast)
    appointments.appointment_cancel(
        session=booked, by=cast.clinician, cancelled_by="client", reason="x"
    )
    items = api_as(cast, "clinician").get(f"{V1}/sessions").json()["items"]
    assert sorted((s["number"] is None) for s in items) == [False, True]
