"""Privileged changes are in the audit log like clinical reads: who, what, before and after, when.
So are searches narrowed to one client, and failed log-ins under names nobody has."""

from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse

from alliance import access
from alliance.accounts.models import Role, User
from alliance.accounts.services import (
    membership_grant,
    organisation_two_factor_set,
    totp_device_start,
    two_factor_remove,
)
from alliance.api.models import ApiToken
from alliance.api.services import token_create
from alliance.audit.models import Action, AuditEvent, Via
from alliance.feedback.models import FitStatus, TrajectoryFit
from tests.factories import PASSWORD, reauthenticated
from tests.security.test_admin_scoping import _existing, _user_form
from tests.security.test_two_factor import _set_up


def _logged_in(user: User) -> Browser:
    browser = Browser()
    assert browser.login(username=user.username, password=PASSWORD)
    return reauthenticated(browser)


def _changes(kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_kind=kind).order_by("pk"))


def test_letting_administrators_see_clinical_data_is_recorded_with_before_and_after(
    clinic: SimpleNamespace,
) -> None:
    url = reverse("admin:accounts_organisation_change", args=[clinic.org.pk])
    form = {"name": clinic.org.name, "admin_sees_clinical_data": "on"}
    assert _logged_in(clinic.administrator).post(url, form).status_code == 302
    [event] = _changes("organisation")
    assert (event.actor_id, event.action, event.object_id) == (
        clinic.administrator.pk,
        Action.CHANGE,
        clinic.org.pk,
    )
    assert (event.detail, event.before, event.after) == ("admin_sees_clinical_data", "off", "on")
    assert event.organisation_id == clinic.org.pk
    assert event.address == "127.0.0.1"
    assert event in access.visible_audit_events(clinic.administrator)


def test_the_two_factor_requirement_is_recorded_from_its_page(clinic: SimpleNamespace) -> None:
    url = reverse("accounts:organisation_security", args=[clinic.org.pk])
    _logged_in(clinic.administrator).post(url, {"require_two_factor": "on"})
    [event] = _changes("organisation")
    assert (event.detail, event.before, event.after) == ("require_two_factor", "off", "on")
    assert event.actor_id == clinic.administrator.pk


def test_setting_the_requirement_to_what_it_is_records_nothing(clinic: SimpleNamespace) -> None:
    organisation_two_factor_set(organisation=clinic.org, required=False, by=clinic.administrator)
    assert _changes("organisation") == []


def test_a_role_given_in_the_admin_is_recorded_with_the_roles_before_and_after(
    clinic: SimpleNamespace,
) -> None:
    user = clinic.colleague
    before = _existing(user, clinic.org)
    rows = [
        *before,
        {
            "user": user.pk,
            "organisation": clinic.org.pk,
            "team": clinic.team_b.pk,
            "role": "supervisor",
        },
    ]
    url = reverse("admin:accounts_user_change", args=[user.pk])
    assert _logged_in(clinic.administrator).post(url, _user_form(user, rows, 1)).status_code == 302
    [event] = _changes("user")
    assert (event.object_id, event.detail, event.action) == (user.pk, "roles", Action.CHANGE)
    assert event.before == f"clinician in team {clinic.team_a.pk}"
    assert event.after == (
        f"clinician in team {clinic.team_a.pk}; supervisor in team {clinic.team_b.pk}"
    )


def test_a_role_taken_away_in_the_admin_is_recorded(clinic: SimpleNamespace) -> None:
    user = clinic.colleague
    rows = [row | {"DELETE": "on"} for row in _existing(user, clinic.org)]
    url = reverse("admin:accounts_user_change", args=[user.pk])
    _logged_in(clinic.administrator).post(url, _user_form(user, rows, len(rows)))
    [event] = _changes("user")
    assert (event.before, event.after) == (f"clinician in team {clinic.team_a.pk}", "")


def test_a_role_granted_by_the_service_is_recorded(clinic: SimpleNamespace) -> None:
    membership_grant(
        user=clinic.colleague,
        organisation=clinic.org,
        role=Role.PRESCRIBER,
        team=clinic.team_a,
        by=clinic.administrator,
    )
    [event] = _changes("user")
    assert (event.action, event.actor_id, event.after) == (
        Action.CREATE,
        clinic.administrator.pk,
        f"prescriber in team {clinic.team_a.pk}",
    )


def test_a_password_set_for_someone_else_is_recorded_without_the_password(
    clinic: SimpleNamespace,
) -> None:
    url = reverse("admin:auth_user_password_change", args=[clinic.clinician.pk])
    new = "a brand new long password"
    _logged_in(clinic.administrator).post(url, {"password1": new, "password2": new})
    [event] = _changes("user")
    assert (event.actor_id, event.object_id) == (clinic.administrator.pk, clinic.clinician.pk)
    assert (event.detail, event.before, event.after) == (
        "password set for them",
        "a password",
        "a password",
    )
    hashed = User.objects.get(pk=clinic.clinician.pk).password
    text = " ".join(str(value) for value in vars(event).values())
    assert new not in text and hashed not in text


def test_changing_ones_own_password_is_recorded(clinic: SimpleNamespace) -> None:
    new = "another long new password"
    answer = _logged_in(clinic.clinician).post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert answer.status_code == 302
    [event] = _changes("user")
    assert (event.actor_id, event.object_id, event.detail) == (
        clinic.clinician.pk,
        clinic.clinician.pk,
        "own password changed",
    )


def test_two_factor_set_up_and_removal_are_recorded(clinic: SimpleNamespace) -> None:
    _set_up(clinic.clinician)
    two_factor_remove(user=clinic.clinician, by=clinic.administrator)
    on, off = _changes("user")
    assert (on.actor_id, on.detail, on.before, on.after) == (
        clinic.clinician.pk,
        "two-factor app",
        "off",
        "on",
    )
    assert (off.actor_id, off.detail, off.before, off.after) == (
        clinic.administrator.pk,
        "two-factor app, for them",
        "on",
        "off",
    )
    assert off.organisation_id == clinic.org.pk


def test_removing_an_app_that_was_never_confirmed_records_nothing(clinic: SimpleNamespace) -> None:
    totp_device_start(user=clinic.clinician)
    two_factor_remove(user=clinic.clinician)
    assert _changes("user") == []


def test_an_api_token_issued_and_revoked_is_recorded_by_its_prefix(
    clinic: SimpleNamespace,
) -> None:
    browser = _logged_in(clinic.clinician)
    page = browser.post(reverse("tokens:list"), {"name": "EHR", "scope": "read_write"})
    token = ApiToken.objects.get(user=clinic.clinician)
    browser.post(reverse("tokens:revoke", args=[token.pk]))
    issued, revoked = _changes("api_token")
    assert (issued.action, issued.object_id, issued.after) == (
        Action.CREATE,
        token.pk,
        "read_write",
    )
    assert token.prefix in issued.detail
    assert (revoked.action, revoked.before, revoked.after) == (Action.DELETE, "live", "revoked")
    secret = page.context["secret"]
    assert secret and secret not in issued.detail


def test_a_token_revoked_by_an_administrator_in_the_admin_is_recorded(
    clinic: SimpleNamespace,
) -> None:
    token = token_create(user=clinic.clinician, name="EHR").token
    _logged_in(clinic.administrator).post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    [event] = _changes("api_token")
    assert (event.actor_id, event.object_id, event.after) == (
        clinic.administrator.pk,
        token.pk,
        "revoked",
    )


def test_the_trajectory_model_put_in_use_is_recorded(clinic: SimpleNamespace) -> None:
    fit = TrajectoryFit.objects.create(
        organisation=clinic.org, measure="ors", status=FitStatus.DONE, model_json="{}"
    )
    browser = _logged_in(clinic.administrator)
    browser.post(reverse("trajectories:activate", args=[fit.pk]))
    browser.post(reverse("trajectories:use_default", args=["ors"]))
    used, default = _changes("trajectory")
    assert (used.before, used.after) == ("provisional default", f"fit {fit.pk}")
    assert (default.before, default.after) == (f"fit {fit.pk}", "provisional default")
    assert used.organisation_id == clinic.org.pk
    assert "ors" in used.detail


# Searches narrowed to one client.


def _bearer(user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='EHR').secret}"}


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/api/v1/sessions?episode={episode}", "episode"),
        ("/api/v1/responses?episode={episode}", "episode"),
        ("/api/v1/responses?session={session}", "session"),
        ("/api/v1/episodes?client={client}", "client"),
        ("/api/v1/alerts?episode={episode}", "episode"),
        ("/fhir/Encounter?patient={client}", "client"),
        ("/fhir/Observation?subject=Patient/{client}", "client"),
        ("/fhir/QuestionnaireResponse?patient=Patient/{client}", "client"),
        ("/fhir/Observation?encounter=Encounter/{session}", "session"),
        ("/fhir/Patient?_id={client}", "client"),
    ],
)
def test_a_search_narrowed_to_one_client_records_that_client(
    clinic: SimpleNamespace, path: str, kind: str
) -> None:
    ids = {
        "episode": clinic.episode.pk,
        "session": clinic.session.pk,
        "client": clinic.episode.client_id,
    }
    answer = Browser().get(path.format(**ids), **_bearer(clinic.clinician))
    assert answer.status_code == 200
    [event] = [e for e in AuditEvent.objects.all() if e.via == Via.API]
    assert (event.object_kind, event.object_id) == (kind, ids[kind])
    assert event.client_id == clinic.episode.client_id


def test_an_unfiltered_search_still_names_no_client(clinic: SimpleNamespace) -> None:
    Browser().get("/fhir/Encounter", **_bearer(clinic.clinician))
    [event] = [e for e in AuditEvent.objects.all() if e.via == Via.API]
    assert (event.object_kind, event.object_id, event.client_id) == ("session", None, None)


# Failed log-ins under unknown names.


def test_a_failed_log_in_under_an_unknown_name_is_shown_to_administrators(
    clinic: SimpleNamespace,
) -> None:
    answer = Browser().post(
        reverse("login"),
        {"username": "nobody-here", "password": "guessed password"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert answer.status_code == 200
    event = AuditEvent.objects.get(action=Action.LOG_IN_FAILED)
    assert (event.actor_name, event.address, event.organisation_id) == (
        "nobody-here",
        "203.0.113.9",
        None,
    )
    assert "guessed password" not in " ".join(str(value) for value in vars(event).values())
    assert event in access.visible_audit_events(clinic.administrator)
    assert event not in access.visible_audit_events(clinic.clinician)
    page = _logged_in(clinic.administrator).get(
        reverse("audit:events"), {"username": "nobody-here"}
    )
    assert "nobody-here" in page.content.decode()
    assert "203.0.113.9" in page.content.decode()


def test_on_a_site_of_several_organisations_only_the_operator_reads_unknown_names(
    clinic: SimpleNamespace,
) -> None:
    # The name typed may be another organisation's person's, or a password in the wrong box.
    from alliance.accounts.models import Membership, Organisation

    other = Organisation.objects.create(name="Hillside Therapy")
    theirs = User.objects.create_user(username="hillside-admin", password=PASSWORD)
    Membership.objects.create(user=theirs, organisation=other, role=Role.ADMINISTRATOR)
    operator = User.objects.create_superuser(username="operator", password=PASSWORD)
    Browser().post(reverse("login"), {"username": "typed-a-secret", "password": "x"})
    event = AuditEvent.objects.get(action=Action.LOG_IN_FAILED, actor_name="typed-a-secret")
    assert event not in access.visible_audit_events(clinic.administrator)
    assert event not in access.visible_audit_events(theirs)
    assert event in access.visible_audit_events(operator)
    page = _logged_in(operator).get(reverse("audit:events"), {"username": "typed-a-secret"})
    assert page.status_code == 200 and "typed-a-secret" in page.content.decode()
