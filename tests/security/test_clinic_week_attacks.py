"""Attacks on what issues 11 (episodes, appointments, corrections) and 19 (the client's words)
added, by another organisation's clinician with their own valid token, a colleague off the care
team and a read-only token. Another organisation's record must be answered exactly like an id
no record has, a body field the route does not declare is refused (never silently ignored),
and a refusal stores nothing."""

import datetime as dt
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from alliance.accounts.models import Organisation, Role, Team
from alliance.accounts.services import membership_grant
from alliance.api.models import Scope
from alliance.api.services import token_create
from alliance.audit.models import AuditEvent
from alliance.care.models import CareRole, CareTeamMember, Client, Episode, Session
from alliance.measures.models import Response
from alliance.portal.services import invitation_create
from alliance.voice.models import AgendaItem, AllianceComment
from tests.api.conftest import STAFF_ROLES, Api, add_records, api_as
from tests.factories import PASSWORD, make_episode, make_user

NOBODY = 2_000_000_000  # an id no record has
SOON = timezone.make_aware(dt.datetime(2027, 3, 1, 10)).isoformat()


@pytest.fixture
def cast(clinic: SimpleNamespace) -> SimpleNamespace:
    """The standing cast with a read-write token each (as tests/api/conftest.py)."""
    add_records(clinic)
    clinic.secrets = {
        role: token_create(user=getattr(clinic, role), name="test", scope=Scope.READ_WRITE).secret
        for role in STAFF_ROLES
    }
    return clinic


@pytest.fixture
def other(cast: SimpleNamespace) -> SimpleNamespace:
    """Another organisation, with a clinician holding a read-write token, their own client's
    open episode and a session of it."""
    org = Organisation.objects.create(name="Elsewhere Therapy")
    team = Team.objects.create(organisation=org, name="Elsewhere adults")
    stranger = make_user("stranger", organisation=org, role=Role.CLINICIAN, team=team)
    episode = make_episode(team, stranger)
    session = Session.objects.create(
        episode=episode, number=1, starts_at=timezone.make_aware(dt.datetime(2026, 1, 5, 10))
    )
    secret = token_create(user=stranger, name="t", scope=Scope.READ_WRITE).secret
    return SimpleNamespace(
        org=org, team=team, stranger=stranger, episode=episode, session=session, api=Api(secret)
    )


def _patch(api: Api, url: str, body: Any) -> Any:
    return api.browser.patch(url, body, content_type="application/json")


def _same(first: Any, second: Any) -> None:
    """Two answers an attacker cannot tell apart."""
    assert first.status_code == second.status_code, (first.content, second.content)
    assert first.content == second.content


# Hole fixed: POST /api/v1/episodes told another organisation's team from a missing one. ---------


def test_another_organisations_team_is_answered_like_no_team(
    cast: SimpleNamespace, other: SimpleNamespace
) -> None:
    client_id = other.episode.client_id

    def open_in(team_id: int) -> Any:
        body = {
            "client_id": client_id,
            "team_id": team_id,
            "started_on": timezone.localdate().isoformat(),
            "care_team": [{"member_id": other.stranger.pk, "role": "primary_therapist"}],
        }
        return other.api.post("/api/v1/episodes", body)

    ours, nobodys = open_in(cast.team_a.pk), open_in(NOBODY)
    assert ours.status_code == 422
    assert str(cast.team_a.pk) not in ours.content.decode().replace(str(NOBODY), "")
    _same(ours, open_in(NOBODY))
    assert nobodys.status_code == 422
    assert Episode.objects.filter(client_id=client_id).count() == 1


# Hole fixed: the new bodies silently ignored fields they do not declare. ------------------------


def test_an_undeclared_field_is_refused_on_every_new_write(
    cast: SimpleNamespace, other: SimpleNamespace
) -> None:
    api = api_as(cast, "clinician")
    response = Response.objects.get(pk=cast.response.pk)
    before = (Client.objects.count(), Episode.objects.count(), Session.objects.count())
    tries = [
        api.post(
            "/api/v1/clients",
            {"display_name": "R", "age_group": "adult", "organisation": other.org.pk},
        ),
        api.post(
            "/api/v1/episodes",
            {
                "client_id": cast.episode.client_id,
                "team_id": cast.team_a.pk,
                "started_on": "2026-12-01",
                "care_team": [{"member_id": cast.clinician.pk, "role": "primary_therapist"}],
                "team__organisation_id": other.org.pk,
            },
        ),
        _patch(
            api,
            f"/api/v1/episodes/{cast.episode.pk}",
            {"end": {"ending": "planned"}, "client_id": other.episode.client_id},
        ),
        api.post(
            "/api/v1/appointments",
            {"episode": cast.episode.pk, "starts_at": SOON, "booked_by_id": other.stranger.pk},
        ),
        _patch(
            api,
            f"/api/v1/appointments/{cast.session.pk}",
            {"action": "no_show", "episode_id": other.episode.pk},
        ),
        api.post(f"/api/v1/responses/{response.pk}/void", {"reason": "typo", "voided_by": 1}),
        api.post(f"/api/v1/responses/{response.pk}/words", {"comment": "ok", "session": 1}),
    ]
    assert [answer.status_code for answer in tries] == [422] * len(tries), [
        t.content for t in tries
    ]
    assert (Client.objects.count(), Episode.objects.count(), Session.objects.count()) == before
    cast.episode.refresh_from_db()
    assert cast.episode.ended_on is None
    assert Response.objects.filter(pk=response.pk).exists()
    assert not AllianceComment.objects.exists()


# Hole fixed: an overlap's 409 named the ids of sessions the booker does not see. ---------------


def test_an_overlap_names_no_session_the_booker_does_not_see(
    cast: SimpleNamespace, other: SimpleNamespace
) -> None:
    # The colleague is on our client's care team and also works for the other organisation,
    # where they see a client at the very time our clinician tries to book them.
    CareTeamMember.objects.create(
        episode=cast.episode, member=cast.colleague, role=CareRole.TEAM_MEMBER
    )
    membership_grant(
        user=cast.colleague, organisation=other.org, role=Role.CLINICIAN, team=other.team
    )
    CareTeamMember.objects.create(
        episode=other.episode, member=cast.colleague, role=CareRole.TEAM_MEMBER
    )
    theirs = Session.objects.create(episode=other.episode, number=2, starts_at=SOON)
    theirs.attended_by.add(cast.colleague)
    answer = api_as(cast, "clinician").post(
        "/api/v1/appointments",
        {"episode": cast.episode.pk, "starts_at": SOON, "attended_by": [cast.colleague.pk]},
    )
    assert answer.status_code == 409, answer.content
    assert answer.json()["detail"][0]["clashes"] == []
    assert not Session.objects.filter(episode=cast.episode, starts_at=SOON).exists()


# Held: another organisation's ids are answered like ids no record has. -------------------------


def test_another_organisations_records_are_not_found(
    cast: SimpleNamespace, other: SimpleNamespace
) -> None:
    api = other.api
    response = cast.response.pk
    pairs = [
        (
            lambda pk: api.get(f"/api/v1/appointments/{pk}"),
            cast.session.pk,
        ),
        (lambda pk: api.get(f"/api/v1/sessions/{pk}/due"), cast.session.pk),
        (lambda pk: api.get(f"/api/v1/episodes/{pk}/series"), cast.episode.pk),
        (lambda pk: api.get(f"/api/v1/episodes/{pk}/preferences"), cast.episode.pk),
        (
            lambda pk: _patch(api, f"/api/v1/appointments/{pk}", {"action": "no_show"}),
            cast.session.pk,
        ),
        (
            lambda pk: api.post("/api/v1/appointments", {"episode": pk, "starts_at": SOON}),
            cast.episode.pk,
        ),
        (
            lambda pk: _patch(api, f"/api/v1/episodes/{pk}", {"end": {"ending": "planned"}}),
            cast.episode.pk,
        ),
        (lambda pk: api.post(f"/api/v1/responses/{pk}/void", {"reason": "x"}), response),
        (lambda pk: api.post(f"/api/v1/responses/{pk}/words", {"comment": "x"}), response),
        (lambda pk: api.get(f"/fhir/Appointment/{pk}"), cast.session.pk),
        (lambda pk: api.get(f"/fhir/EpisodeOfCare/{pk}"), cast.episode.pk),
    ]
    for attempt, ours in pairs:
        found = attempt(ours)
        assert found.status_code == 404, found.content
        missing = attempt(NOBODY)
        assert found.content == missing.content.replace(str(NOBODY).encode(), str(ours).encode())
    for path in ("/api/v1/appointments", "/api/v1/agenda-items", "/api/v1/alliance-comments"):
        assert api.get(path, episode=cast.episode.pk).json()["items"] == []
    assert api.get("/api/v1/appointments", client=cast.episode.client_id).json()["items"] == []
    session = Session.objects.get(pk=cast.session.pk)
    assert session.status == cast.session.status and Response.objects.filter(pk=response).exists()


def test_our_people_and_teams_cannot_be_named_in_their_bodies(
    cast: SimpleNamespace, other: SimpleNamespace
) -> None:
    api = other.api
    # Our clinician as staff of their appointment, as their care team, our team as a transfer.
    booking = api.post(
        "/api/v1/appointments",
        {"episode": other.episode.pk, "starts_at": SOON, "attended_by": [cast.clinician.pk]},
    )
    assert booking.status_code == 422 and "attended_by" in booking.content.decode()
    url = f"/api/v1/episodes/{other.episode.pk}"

    def care_team(member: int) -> Any:
        return _patch(api, url, {"care_team": [{"member_id": member, "role": "primary_therapist"}]})

    ours, nobodys = care_team(cast.clinician.pk), care_team(NOBODY)
    assert ours.status_code == nobodys.status_code == 422
    named = nobodys.content.replace(str(NOBODY).encode(), str(cast.clinician.pk).encode())
    assert ours.content == named

    def transfer(team_id: int) -> Any:
        member = [{"member_id": other.stranger.pk, "role": "primary_therapist"}]
        body = {"transfer": {"mode": "new_episode", "team_id": team_id, "care_team": member}}
        return _patch(api, url, body)

    _same(transfer(cast.team_a.pk), transfer(NOBODY))
    # FHIR: our patient (and our episode) are not theirs to book into.
    fhir = {
        "resourceType": "Appointment",
        "status": "booked",
        "start": SOON,
        "minutesDuration": 50,
        "participant": [
            {"actor": {"reference": f"Patient/{cast.episode.client_id}"}, "status": "accepted"}
        ],
    }
    booked = api.post("/fhir/Appointment", fhir, content_type="application/fhir+json")
    fhir["participant"][0]["actor"]["reference"] = f"Patient/{NOBODY}"
    missing = api.post("/fhir/Appointment", fhir, content_type="application/fhir+json")
    assert booked.status_code == missing.status_code == 404
    assert booked.content == missing.content
    assert not Session.objects.filter(starts_at=SOON).exists()
    other.episode.refresh_from_db()
    assert other.episode.ended_on is None
    assert list(other.episode.care_team.values_list("member_id", flat=True)) == [other.stranger.pk]


def test_a_colleague_off_the_care_team_and_a_read_only_token_write_nothing(
    cast: SimpleNamespace,
) -> None:
    reader = Api(token_create(user=cast.clinician, name="r", scope=Scope.READ).secret)
    response = cast.response.pk
    for api, expected in ((reader, 403), (api_as(cast, "colleague"), 404)):
        answers = [
            api.post("/api/v1/appointments", {"episode": cast.episode.pk, "starts_at": SOON}),
            _patch(api, f"/api/v1/appointments/{cast.session.pk}", {"action": "no_show"}),
            api.post(f"/api/v1/responses/{response}/void", {"reason": "x"}),
            api.post(f"/api/v1/responses/{response}/words", {"comment": "x"}),
        ]
        assert [a.status_code for a in answers] == [expected] * 4, [a.content for a in answers]
    # The supervisor reads but does not book or void: a 403, not a write.
    supervisor = api_as(cast, "supervisor")
    assert supervisor.post(f"/api/v1/responses/{response}/void", {"reason": "x"}).status_code == 403
    assert not Session.objects.filter(starts_at=SOON).exists()
    assert Response.objects.filter(pk=response).exists() and not AllianceComment.objects.exists()


# Held: the pages, signed in as another organisation's clinician, a colleague off the care team
# and the supervisor of another team. ----------------------------------------------------------


def _signed_in(username: str) -> Browser:
    browser = Browser()
    assert browser.login(username=username, password=PASSWORD)
    return browser


def test_the_new_pages_do_not_exist_for_another_organisation(
    cast: SimpleNamespace, other: SimpleNamespace
) -> None:
    invitation, _secret = invitation_create(
        session=cast.session, measures=["phq9"], channel="link", created_by=cast.clinician
    )
    ours = [
        ("care:episode_open", [cast.episode.client_id], [NOBODY]),
        ("care:care_team", [cast.episode.pk], [NOBODY]),
        ("care:episode_transfer", [cast.episode.pk], [NOBODY]),
        ("care:episode_end", [cast.episode.pk], [NOBODY]),
        ("care:episode_plan", [cast.episode.pk], [NOBODY]),
        ("care:team_plan", [cast.team_a.pk], [NOBODY]),
        ("clinic:appointment_book", [cast.episode.pk], [NOBODY]),
        ("clinic:appointment_cancel", [cast.session.pk], [NOBODY]),
        ("clinic:session_paper", [cast.session.pk], [NOBODY]),
        ("clinic:session_correct", [cast.session.pk], [NOBODY]),
        ("clinic:response_void", [cast.session.pk, cast.response.pk], [NOBODY, NOBODY]),
        ("voice:progress_summary", [cast.episode.pk], [NOBODY]),
        ("portal:link_resend", [invitation.pk], [NOBODY]),
        ("portal:link_cancel", [invitation.pk], [NOBODY]),
    ]
    for who in ("stranger", "othersupervisor", "colleague"):
        browser = _signed_in(who)
        for name, args, missing in ours:
            if who != "stranger" and name in ("care:team_plan", "care:episode_open"):
                continue  # their own organisation's team and client: a 403, said elsewhere
            post = name.startswith("portal:") or name.endswith(("_end", "_cancel"))
            send = browser.post if post else browser.get
            found = send(reverse(name, args=args), {"ending": "planned", "reason": "x"})
            nobody = send(reverse(name, args=missing), {"ending": "planned", "reason": "x"})
            assert found.status_code == nobody.status_code == 404, (who, name, found.status_code)
    cast.episode.refresh_from_db()
    invitation.refresh_from_db()
    assert cast.episode.ended_on is None and invitation.cancelled_at is None
    assert Session.objects.get(pk=cast.session.pk).status == cast.session.status
    # Nothing of ours on their day view.
    today = _signed_in("stranger").get(reverse("clinic:today")).content.decode()
    assert cast.episode.client.display_name not in today


def test_their_forms_take_none_of_our_people_or_teams(
    cast: SimpleNamespace, other: SimpleNamespace
) -> None:
    browser = _signed_in("stranger")
    mine = other.episode
    care = browser.post(reverse("care:care_team", args=[mine.pk]), {"primary": cast.clinician.pk})
    transfer = browser.post(
        reverse("care:episode_transfer", args=[mine.pk]),
        {"mode": "new_episode", "team": cast.team_a.pk, "primary": cast.clinician.pk},
    )
    book = browser.post(
        reverse("clinic:appointment_book", args=[mine.pk]),
        {
            "day": "2027-03-01",
            "time": "10:00",
            "duration_minutes": 50,
            "mode": "in_person",
            "attended_by": [cast.clinician.pk],
        },
    )
    opened = browser.post(
        reverse("care:episode_open", args=[mine.client_id]),
        {
            "team": cast.team_a.pk,
            "setting": "individual",
            "started_on": "2026-12-01",
            "primary": cast.clinician.pk,
        },
    )
    for answer in (care, transfer, book, opened):
        assert answer.status_code in (200, 400), answer.status_code
        assert cast.clinician.get_full_name() not in answer.content.decode()
        assert cast.team_a.name not in answer.content.decode()
    mine.refresh_from_db()
    assert mine.ended_on is None and mine.continues_id is None
    assert list(mine.care_team.values_list("member_id", flat=True)) == [other.stranger.pk]
    assert not Session.objects.filter(episode=mine, attended_by=cast.clinician).exists()
    assert Episode.objects.filter(client_id=mine.client_id).count() == 1


# Held: every write, allowed or refused, leaves its row in the audit log. ------------------------


def test_the_new_writes_and_their_refusals_are_audited(
    cast: SimpleNamespace, other: SimpleNamespace
) -> None:
    api = api_as(cast, "clinician")
    words = api.post(f"/api/v1/responses/{cast.response.pk}/words", {"comment": "Felt heard"})
    booked = api.post("/api/v1/appointments", {"episode": cast.episode.pk, "starts_at": SOON})
    session = booked.json()[0]["id"]
    cancel = {"action": "cancel", "cancelled_by": "client", "reason": "Ill"}
    changed = _patch(api, f"/api/v1/appointments/{session}", cancel)
    voided = api.post(f"/api/v1/responses/{cast.response.pk}/void", {"reason": "Wrong client"})
    refused = _patch(other.api, f"/api/v1/episodes/{cast.episode.pk}", {"end": {"ending": "x"}})
    assert [a.status_code for a in (words, booked, changed, voided, refused)] == [
        200,
        201,
        200,
        200,
        404,
    ]
    rows = AuditEvent.objects.filter(method__in=["POST", "PATCH"])
    seen = {(row.actor_id, row.method, row.status) for row in rows}
    clinician = cast.clinician.pk
    assert {
        (clinician, "POST", 200),
        (clinician, "POST", 201),
        (clinician, "PATCH", 200),
        (other.stranger.pk, "PATCH", 404),
    } <= seen, seen
    assert rows.filter(actor_id=clinician).count() == 4


# Hole fixed: a transfer sent again by someone else answered the new episode they do not see. ---


def test_a_repeated_transfer_does_not_show_the_new_episode_to_another_member(
    cast: SimpleNamespace,
) -> None:
    CareTeamMember.objects.create(
        episode=cast.episode, member=cast.colleague, role=CareRole.CASE_MANAGER
    )
    b_clinician = make_user(
        "bclinician", organisation=cast.org, role=Role.CLINICIAN, team=cast.team_b
    )
    url = f"/api/v1/episodes/{cast.episode.pk}"
    member = [{"member_id": b_clinician.pk, "role": "primary_therapist"}]
    body = {"transfer": {"mode": "new_episode", "team_id": cast.team_b.pk, "care_team": member}}
    made = _patch(api_as(cast, "clinician"), url, body)
    assert made.status_code == 200 and made.json()["team_id"] == cast.team_b.pk
    new_id = made.json()["id"]
    # The one who transferred may send it again and is answered the same.
    assert _patch(api_as(cast, "clinician"), url, body).json()["id"] == new_id
    # The colleague, still on the old care team, does not see the new episode ...
    assert api_as(cast, "colleague").get(f"/api/v1/episodes/{new_id}").status_code == 404
    # ... and sending the transfer again does not show it to them either.
    again = _patch(api_as(cast, "colleague"), url, body)
    assert again.status_code == 200, again.content
    assert again.json()["id"] == cast.episode.pk and again.json()["ending"] == "transferred"
    assert str(b_clinician.pk) not in str(again.json()["care_team"])
    assert Episode.objects.filter(continues=cast.episode).count() == 1


# Hole fixed: FHIR stored a member of staff's text as the client's own words. --------------------


def test_fhir_does_not_put_staff_words_in_the_clients_mouth(cast: SimpleNamespace) -> None:
    from tests.clinic.builders import ors

    def body(source: dict[str, Any] | None) -> dict[str, Any]:
        answers = [{"linkId": k, "answer": [{"valueDecimal": v}]} for k, v in ors(25).items()]
        qr: dict[str, Any] = {
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "questionnaire": "Questionnaire/ors",
            "subject": {"reference": f"Patient/{cast.episode.client_id}"},
            "encounter": {"reference": f"Encounter/{cast.session.pk}"},
            "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"},
            "item": [*answers, {"linkId": "agenda-1", "answer": [{"valueString": "Not mine"}]}],
        }
        if source is not None:
            qr["source"] = source
        return qr

    api = api_as(cast, "clinician")
    before = Response.objects.count()
    for source in (
        {"reference": f"Practitioner/{cast.clinician.pk}", "type": "Practitioner"},
        {"type": "RelatedPerson", "display": "A carer"},
    ):
        posted = api.browser.post(
            "/fhir/QuestionnaireResponse", body(source), content_type="application/fhir+json"
        )
        assert posted.status_code == 422, posted.content
        assert "item" in posted.content.decode()
    assert not AgendaItem.objects.exists() and Response.objects.count() == before
    # The client's own answers still carry their words.
    posted = api.browser.post(
        "/fhir/QuestionnaireResponse", body(None), content_type="application/fhir+json"
    )
    assert posted.status_code == 201, posted.content
    assert AgendaItem.objects.get().text == "Not mine"


# Hole fixed: an episode's series (scores, risk answers) was read with no row in the audit log. --


def test_reading_an_episodes_series_is_audited(
    cast: SimpleNamespace, other: SimpleNamespace
) -> None:
    url = f"/api/v1/episodes/{cast.episode.pk}/series"
    assert api_as(cast, "clinician").get(url).status_code == 200
    assert other.api.get(url).status_code == 404
    rows = AuditEvent.objects.filter(object_kind="episode", object_id=cast.episode.pk)
    assert {(row.actor_id, row.status) for row in rows.filter(method="GET")} == {
        (cast.clinician.pk, 200),
        (other.stranger.pk, 404),
    }
