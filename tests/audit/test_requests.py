"""What a request leaves in the audit log: writes, refusals, failures, tokens and clients."""

import uuid
from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse

from alliance.api.services import token_create
from alliance.audit.models import Action, AuditEvent, Via
from alliance.audit.services import _record_id
from alliance.portal import visits
from alliance.portal.services import invitation_create
from tests.audit.conftest import request_events


def test_a_post_that_changes_a_session_is_a_change(clinic: SimpleNamespace, browser_as) -> None:  # type: ignore[no-untyped-def]
    url = reverse("clinic:session_attendance", args=[clinic.session.pk])
    response = browser_as("clinician").post(url, {"status": "attended"})
    [event] = request_events()
    assert (event.action, event.method, event.status) == (
        Action.CHANGE,
        "POST",
        response.status_code,
    )
    assert (event.object_kind, event.object_id) == ("session", clinic.session.pk)


def test_a_post_that_adds_a_goal_is_a_create_even_when_refused(
    clinic: SimpleNamespace, browser_as
) -> None:  # type: ignore[no-untyped-def]
    url = reverse("care:goal_add", args=[clinic.episode.pk])
    response = browser_as("clinician").post(url, {})
    [event] = request_events()
    assert (event.action, event.status) == (Action.CREATE, response.status_code)
    assert (event.object_kind, event.object_id) == ("episode", clinic.episode.pk)


def test_a_refused_look_is_recorded_with_its_answer(clinic: SimpleNamespace, browser_as) -> None:  # type: ignore[no-untyped-def]
    browser_as("colleague").get(reverse("clinic:episode", args=[clinic.episode.pk]))
    [event] = request_events()
    assert (event.actor, event.status, event.object_id) == (
        clinic.colleague,
        404,
        clinic.episode.pk,
    )
    # The attempt belongs to the organisation whose client it was.
    assert event.organisation_id == clinic.org.pk


def test_an_anonymous_attempt_is_recorded(clinic: SimpleNamespace) -> None:
    Browser().get(reverse("clinic:episode", args=[clinic.episode.pk]))
    [event] = request_events()
    assert (event.actor, event.via, event.status) == (None, Via.ANONYMOUS, 302)
    assert event.organisation_id == clinic.org.pk


def test_an_id_too_large_for_any_table_is_kept_as_no_id(
    clinic: SimpleNamespace, browser_as
) -> None:  # type: ignore[no-untyped-def]
    browser_as("clinician").get(f"/episodes/{'9' * 30}/")
    [event] = request_events()
    assert (event.object_kind, event.object_id, event.status) == ("episode", None, 404)


def test_a_page_that_fails_is_recorded_as_a_server_error(
    clinic: SimpleNamespace, browser_as, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    browser = browser_as("clinician")
    browser.raise_request_exception = False

    def broken(*args: object) -> None:
        raise RuntimeError("the page broke")

    monkeypatch.setattr("alliance.clinic.selectors.episode_detail", broken)
    assert browser.get(reverse("clinic:episode", args=[clinic.episode.pk])).status_code == 500
    [event] = request_events()
    assert (event.status, event.object_id) == (500, clinic.episode.pk)


def test_a_page_is_not_shown_when_its_record_cannot_be_written(
    clinic: SimpleNamespace, browser_as, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    browser = browser_as("clinician")
    browser.raise_request_exception = False

    def refuse(**fields: object) -> None:
        raise RuntimeError("the audit log is unreachable")

    monkeypatch.setattr(AuditEvent.objects, "create", refuse)
    response = browser.get(reverse("clinic:episode", args=[clinic.episode.pk]))
    assert response.status_code == 500
    assert clinic.episode.client.display_name not in response.content.decode()


def test_a_page_without_clinical_data_is_not_recorded(clinic: SimpleNamespace, browser_as) -> None:  # type: ignore[no-untyped-def]
    browser_as("clinician").get(reverse("tokens:list"))
    assert request_events() == []


# The API and FHIR, by token.


def _bearer(user: object, scope: str = "read") -> dict[str, str]:
    issued = token_create(user=user, name="EHR", scope=scope)  # type: ignore[arg-type]
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}


def test_an_api_read_is_recorded_as_the_tokens_user(clinic: SimpleNamespace) -> None:
    client = clinic.episode.client
    response = Browser().get(f"/api/v1/clients/{client.pk}", **_bearer(clinic.clinician))
    assert response.status_code == 200
    [event] = request_events()
    assert (event.actor, event.via, event.action) == (clinic.clinician, Via.API, Action.VIEW)
    assert (event.route, event.object_kind, event.object_id) == (
        "api:client_detail",
        "client",
        client.pk,
    )
    assert (event.client_id, event.organisation_id) == (client.pk, clinic.org.pk)


def test_an_api_list_is_recorded_without_an_id(clinic: SimpleNamespace) -> None:
    Browser().get("/api/v1/episodes", **_bearer(clinic.clinician))
    [event] = request_events()
    assert (event.object_kind, event.object_id, event.organisation_id) == (
        "episode",
        None,
        clinic.org.pk,
    )


def test_an_api_create_records_the_new_records_id(clinic: SimpleNamespace) -> None:
    body = {"episode": clinic.episode.pk, "text": "Sleep through the night"}
    response = Browser().post(
        "/api/v1/goals",
        body,
        content_type="application/json",
        **_bearer(clinic.clinician, "read_write"),
    )
    assert response.status_code == 201, response.content
    [event] = request_events()
    assert (event.action, event.object_kind) == (Action.CREATE, "goal")
    assert event.object_id == response.json()["id"]
    assert event.client_id == clinic.episode.client_id


def test_a_fhir_read_is_recorded_as_the_tokens_user(clinic: SimpleNamespace) -> None:
    session = clinic.session
    Browser().get(f"/fhir/Encounter/{session.pk}", **_bearer(clinic.supervisor))
    [event] = request_events()
    assert (event.actor, event.via, event.route) == (clinic.supervisor, Via.API, "fhir:read")
    assert (event.object_kind, event.object_id) == ("session", session.pk)


def test_a_fhir_request_without_a_token_is_recorded_as_anonymous(clinic: SimpleNamespace) -> None:
    response = Browser().get(f"/fhir/Patient/{clinic.episode.client_id}")
    assert response.status_code == 401
    [event] = request_events()
    assert (event.actor, event.via, event.status) == (None, Via.ANONYMOUS, 401)
    assert (event.object_kind, event.client_id) == ("client", clinic.episode.client_id)


# Clients answering.


def _invitation(clinic: SimpleNamespace, channel: str):  # type: ignore[no-untyped-def]
    return invitation_create(
        session=clinic.session, measures=["ors"], channel=channel, created_by=clinic.clinician
    )


def test_a_link_is_recorded_by_its_invitation_never_its_token(clinic: SimpleNamespace) -> None:
    invitation, token = _invitation(clinic, "link")
    response = Browser().get(reverse("portal:link", args=[token]))
    assert response.status_code == 200
    [event] = request_events()
    assert (event.actor, event.via, event.action) == (None, Via.LINK, Action.VIEW)
    assert (event.object_kind, event.object_id) == ("invitation", invitation.pk)
    assert (event.client_id, event.organisation_id) == (clinic.episode.client_id, clinic.org.pk)
    assert token not in " ".join(str(value) for value in vars(event).values())


def test_a_made_up_link_is_recorded_as_an_attempt(clinic: SimpleNamespace) -> None:
    Browser().get(reverse("portal:link", args=["made-up"]))
    [event] = request_events()
    assert (event.via, event.status, event.object_id) == (Via.LINK, 404, None)


def test_the_kiosk_records_the_code_that_opened_a_form_and_the_form(
    clinic: SimpleNamespace,
) -> None:
    invitation, code = _invitation(clinic, "kiosk")
    kiosk = Browser()
    kiosk.get(reverse("portal:kiosk"))
    assert request_events() == []  # the code form shows nobody's data
    kiosk.post(reverse("portal:kiosk"), {"code": code})
    assert kiosk.get(reverse("portal:kiosk")).status_code == 200
    events = request_events()
    assert [(e.via, e.method, e.object_id) for e in events] == [
        (Via.KIOSK, "POST", invitation.pk),
        (Via.KIOSK, "GET", invitation.pk),
    ]


def test_the_tablet_records_the_client_answering_with_the_clinician_accountable(
    clinic: SimpleNamespace, browser_as
) -> None:  # type: ignore[no-untyped-def]
    invitation, _ = _invitation(clinic, "tablet")
    browser = browser_as("clinician")
    session = browser.session
    visits.handoff_start(session, invitation.pk)
    session.save()
    assert browser.get(reverse("portal:tablet")).status_code == 200
    [event] = request_events()
    assert (event.actor, event.via, event.object_id) == (
        clinic.clinician,
        Via.TABLET,
        invitation.pk,
    )


# From where.


def _address_seen(browser: Browser, clinic: SimpleNamespace, **headers: str) -> str | None:
    browser.get(reverse("clinic:episode", args=[clinic.episode.pk]), **headers)
    return request_events()[-1].address


def test_a_forwarded_address_is_ignored_unless_the_site_is_behind_a_proxy(
    clinic: SimpleNamespace, browser_as
) -> None:  # type: ignore[no-untyped-def]
    headers = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    assert _address_seen(browser_as("clinician"), clinic, **headers) == "10.0.0.2"


def test_behind_a_proxy_the_address_the_proxy_saw_is_kept(
    clinic: SimpleNamespace, browser_as, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.ALLIANCE_BEHIND_PROXY = True
    # The client may send its own X-Forwarded-For; the proxy appends the address it saw.
    headers = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.5"}
    assert _address_seen(browser_as("clinician"), clinic, **headers) == "203.0.113.5"


def test_a_client_sending_answers_by_link_is_a_create(clinic: SimpleNamespace) -> None:
    invitation, token = _invitation(clinic, "link")
    answers = {"measure": "ors", "form_key": str(uuid.uuid4())}
    answers |= {"ors_1": "4.5", "ors_2": "6", "ors_3": "5.2", "ors_4": "3.3"}
    Browser().post(reverse("portal:link", args=[token]), answers)
    [event] = request_events()
    assert (event.action, event.via, event.object_id) == (Action.CREATE, Via.LINK, invitation.pk)


@pytest.mark.parametrize("resource_id", ["²", "1" * 30, "-1", "Patient"])
def test_a_fhir_id_that_is_no_number_is_kept_as_no_id(
    clinic: SimpleNamespace, resource_id: str
) -> None:
    Browser().get(f"/fhir/Patient/{resource_id}", **_bearer(clinic.clinician))
    [event] = request_events()
    assert (event.object_kind, event.object_id, event.status) == ("client", None, 404)


def test_a_number_too_long_to_convert_quickly_is_no_id() -> None:
    assert _record_id("1" * 5000) is None
    assert _record_id(str(2**63 - 1)) == 2**63 - 1
    assert _record_id(str(2**63)) is None
