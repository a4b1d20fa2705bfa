"""The most dangerous changes need the password again (and a two-factor code when the person has
an app) within the last few minutes, and nobody gives themselves a clinical role: widening
administrators' access, changing roles, setting someone else's password or removing their
second factor, creating an API token, no longer requiring two-factor log-in, putting a
trajectory model in use."""

import time
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as Browser
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliance.accounts.models import Membership, Role, User
from alliance.accounts.reauth import SESSION_KEY
from alliance.accounts.services import membership_grant
from alliance.api.models import ApiToken
from alliance.audit.models import AuditEvent
from alliance.feedback.models import FitStatus, TrajectoryFit
from tests.factories import PASSWORD, reauthenticated
from tests.security.test_admin_scoping import _existing, _user_form
from tests.security.test_two_factor import _code, _set_up

CONFIRM = reverse("accounts:reauthenticate")


def _logged_in(user: User) -> Browser:
    browser = Browser()
    assert browser.login(username=user.username, password=PASSWORD)
    return browser


def _sent_to_confirm(answer: object) -> bool:
    location = getattr(answer, "headers", {}).get("Location", "")
    return bool(location.startswith(CONFIRM))


def _with_settings(alliance: dict[str, object], **changes: object) -> dict[str, object]:
    return alliance | changes


# The confirmation page -------------------------------------------------------------------------


def test_the_confirmation_takes_the_password_and_returns_to_the_page(
    clinic: SimpleNamespace,
) -> None:
    browser = _logged_in(clinic.clinician)
    answer = browser.post(CONFIRM, {"password": PASSWORD, "next": reverse("tokens:list")})
    assert answer.status_code == 302
    assert answer["Location"] == reverse("tokens:list")
    assert SESSION_KEY in browser.session


def test_it_refuses_a_wrong_password_and_confirms_nothing(clinic: SimpleNamespace) -> None:
    browser = _logged_in(clinic.clinician)
    answer = browser.post(CONFIRM, {"password": "not it"})
    assert answer.status_code == 400
    assert "That is not your password." in answer.content.decode()
    assert SESSION_KEY not in browser.session


def test_a_person_with_an_app_types_a_code_as_well(clinic: SimpleNamespace) -> None:
    browser, device, _codes = _set_up(clinic.clinician)
    answer = browser.post(CONFIRM, {"password": PASSWORD})
    assert answer.status_code == 400
    assert SESSION_KEY not in browser.session
    answer = browser.post(CONFIRM, {"password": PASSWORD, "code": _code(device, later=1)})
    assert answer.status_code == 302
    assert SESSION_KEY in browser.session


def test_a_confirmation_lasts_only_the_minutes_set(clinic: SimpleNamespace, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ALLIANCE = _with_settings(settings.ALLIANCE, REAUTHENTICATE_MINUTES=5)
    browser = reauthenticated(_logged_in(clinic.clinician))
    session = browser.session
    session[SESSION_KEY] = time.time() - 6 * 60
    session.save()
    answer = browser.post(reverse("tokens:list"), {"name": "EHR", "scope": "read"})
    assert _sent_to_confirm(answer)
    session[SESSION_KEY] = time.time() - 4 * 60
    session.save()
    assert browser.post(reverse("tokens:list"), {"name": "EHR", "scope": "read"}).status_code == 200
    assert ApiToken.objects.filter(user=clinic.clinician).count() == 1


# Each guarded change ---------------------------------------------------------------------------


def _organisation_form(clinic: SimpleNamespace, **changes: object) -> dict[str, object]:
    org = clinic.org
    form: dict[str, object] = {"name": org.name}
    if org.admin_sees_clinical_data:
        form["admin_sees_clinical_data"] = "on"
    if org.require_two_factor:
        form["require_two_factor"] = "on"
    return form | changes


def test_letting_administrators_see_clinical_data_needs_the_password_again(
    clinic: SimpleNamespace,
) -> None:
    url = reverse("admin:accounts_organisation_change", args=[clinic.org.pk])
    form = _organisation_form(clinic, admin_sees_clinical_data="on")
    browser = _logged_in(clinic.administrator)
    answer = browser.post(url, form)
    assert answer.status_code == 200
    assert "This change needs your password again." in answer.content.decode()
    clinic.org.refresh_from_db()
    assert not clinic.org.admin_sees_clinical_data
    assert reauthenticated(browser).post(url, form).status_code == 302
    clinic.org.refresh_from_db()
    assert clinic.org.admin_sees_clinical_data


def test_renaming_the_organisation_needs_no_second_password(clinic: SimpleNamespace) -> None:
    url = reverse("admin:accounts_organisation_change", args=[clinic.org.pk])
    answer = _logged_in(clinic.administrator).post(url, _organisation_form(clinic, name="Lakeside"))
    assert answer.status_code == 302
    clinic.org.refresh_from_db()
    assert clinic.org.name == "Lakeside"


@pytest.mark.parametrize("where", ["security page", "admin"])
def test_no_longer_requiring_two_factor_needs_the_password_again(
    clinic: SimpleNamespace, where: str
) -> None:
    clinic.org.require_two_factor = True
    clinic.org.save()
    browser, _device, _codes = _set_up(clinic.administrator)
    if where == "admin":
        url = reverse("admin:accounts_organisation_change", args=[clinic.org.pk])
        form = _organisation_form(clinic)
        form.pop("require_two_factor")
        answer = browser.post(url, form)
        assert "This change needs your password again." in answer.content.decode()
    else:
        url = reverse("accounts:organisation_security", args=[clinic.org.pk])
        form = {}
        assert _sent_to_confirm(browser.post(url, form))
    clinic.org.refresh_from_db()
    assert clinic.org.require_two_factor
    assert reauthenticated(browser).post(url, form).status_code == 302
    clinic.org.refresh_from_db()
    assert not clinic.org.require_two_factor


def test_requiring_two_factor_needs_no_second_password(clinic: SimpleNamespace) -> None:
    url = reverse("accounts:organisation_security", args=[clinic.org.pk])
    answer = _logged_in(clinic.administrator).post(url, {"require_two_factor": "on"})
    assert answer.status_code == 302 and not _sent_to_confirm(answer)
    clinic.org.refresh_from_db()
    assert clinic.org.require_two_factor


def test_a_role_change_in_the_admin_needs_the_password_again(clinic: SimpleNamespace) -> None:
    user = clinic.colleague
    url = reverse("admin:accounts_user_change", args=[user.pk])
    rows = [
        *_existing(user, clinic.org),
        {
            "user": user.pk,
            "organisation": clinic.org.pk,
            "team": clinic.team_b.pk,
            "role": "supervisor",
        },
    ]
    browser = _logged_in(clinic.administrator)
    answer = browser.post(url, _user_form(user, rows, initial=1))
    assert answer.status_code == 200
    assert "This change needs your password again." in answer.content.decode()
    assert not Membership.objects.filter(user=user, role=Role.SUPERVISOR).exists()
    assert reauthenticated(browser).post(url, _user_form(user, rows, initial=1)).status_code == 302
    assert Membership.objects.filter(user=user, role=Role.SUPERVISOR).exists()


def test_saving_a_person_without_changing_a_role_needs_no_second_password(
    clinic: SimpleNamespace,
) -> None:
    user = clinic.colleague
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = _user_form(user, _existing(user, clinic.org), initial=1) | {"first_name": "Sam"}
    assert _logged_in(clinic.administrator).post(url, form).status_code == 302
    assert User.objects.get(pk=user.pk).first_name == "Sam"


def test_setting_someone_elses_password_needs_the_password_again(clinic: SimpleNamespace) -> None:
    url = reverse("admin:auth_user_password_change", args=[clinic.clinician.pk])
    form = {"password1": "a brand new long password", "password2": "a brand new long password"}
    browser = _logged_in(clinic.administrator)
    before = User.objects.get(pk=clinic.clinician.pk).password
    assert _sent_to_confirm(browser.post(url, form))
    assert User.objects.get(pk=clinic.clinician.pk).password == before
    assert reauthenticated(browser).post(url, form).status_code == 302
    assert User.objects.get(pk=clinic.clinician.pk).check_password("a brand new long password")


def test_turning_off_someone_elses_two_factor_needs_the_password_again(
    clinic: SimpleNamespace,
) -> None:
    _set_up(clinic.clinician)
    form = {"action": "turn_off_two_factor", "_selected_action": [clinic.clinician.pk]}
    browser = _logged_in(clinic.administrator)
    assert _sent_to_confirm(browser.post(reverse("admin:accounts_user_changelist"), form))
    assert TOTPDevice.objects.filter(user=clinic.clinician).exists()
    reauthenticated(browser).post(reverse("admin:accounts_user_changelist"), form)
    assert not TOTPDevice.objects.filter(user=clinic.clinician).exists()


def test_creating_an_api_token_needs_the_password_again(clinic: SimpleNamespace) -> None:
    browser = _logged_in(clinic.clinician)
    form = {"name": "EHR link", "scope": "read"}
    assert _sent_to_confirm(browser.post(reverse("tokens:list"), form))
    assert not ApiToken.objects.filter(user=clinic.clinician).exists()
    assert reauthenticated(browser).post(reverse("tokens:list"), form).status_code == 200
    assert ApiToken.objects.filter(user=clinic.clinician).exists()


def _finished_fit(clinic: SimpleNamespace) -> TrajectoryFit:
    return TrajectoryFit.objects.create(
        organisation=clinic.org, measure="ors", status=FitStatus.DONE, model_json="{}"
    )


def test_putting_a_trajectory_model_in_use_needs_the_password_again(
    clinic: SimpleNamespace,
) -> None:
    fit = _finished_fit(clinic)
    url = reverse("trajectories:activate", args=[fit.pk])
    browser = _logged_in(clinic.administrator)
    assert _sent_to_confirm(browser.post(url))
    fit.refresh_from_db()
    assert not fit.is_active
    assert reauthenticated(browser).post(url).status_code == 302
    fit.refresh_from_db()
    assert fit.is_active


def test_going_back_to_the_default_model_needs_the_password_again(clinic: SimpleNamespace) -> None:
    fit = _finished_fit(clinic)
    TrajectoryFit.objects.filter(pk=fit.pk).update(is_active=True)
    url = reverse("trajectories:use_default", args=["ors"])
    browser = _logged_in(clinic.administrator)
    assert _sent_to_confirm(browser.post(url))
    assert TrajectoryFit.objects.get(pk=fit.pk).is_active
    reauthenticated(browser).post(url)
    assert not TrajectoryFit.objects.get(pk=fit.pk).is_active


# Giving oneself a clinical role ----------------------------------------------------------------


def _self_grant(clinic: SimpleNamespace, role: str) -> object:
    me = clinic.administrator
    rows = [
        *_existing(me, clinic.org),
        {"user": me.pk, "organisation": clinic.org.pk, "team": clinic.team_a.pk, "role": role},
    ]
    url = reverse("admin:accounts_user_change", args=[me.pk])
    browser = reauthenticated(_logged_in(me))
    return browser.post(url, _user_form(me, rows, initial=len(rows) - 1))


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.PRESCRIBER, Role.SUPERVISOR])
def test_an_administrator_cannot_give_themselves_a_clinical_role(
    clinic: SimpleNamespace, role: str
) -> None:
    answer = _self_grant(clinic, role)
    assert answer.status_code == 200  # type: ignore[attr-defined]
    page = answer.content.decode()  # type: ignore[attr-defined]
    assert "ask another administrator" in page
    assert not Membership.objects.filter(user=clinic.administrator, role=role).exists()


def test_the_service_refuses_a_self_grant_too(clinic: SimpleNamespace) -> None:
    me = clinic.administrator
    with pytest.raises(ValidationError, match="ask another administrator"):
        membership_grant(
            user=me, organisation=clinic.org, role=Role.SUPERVISOR, team=clinic.team_a, by=me
        )
    assert not Membership.objects.filter(user=me, role=Role.SUPERVISOR).exists()


def test_another_administrator_may_grant_the_clinical_role(clinic: SimpleNamespace) -> None:
    second = User.objects.create_user(username="second", password=PASSWORD)
    membership_grant(user=second, organisation=clinic.org, role=Role.ADMINISTRATOR)
    membership_grant(
        user=clinic.administrator,
        organisation=clinic.org,
        role=Role.SUPERVISOR,
        team=clinic.team_a,
        by=second,
    )
    assert Membership.objects.filter(user=clinic.administrator, role=Role.SUPERVISOR).exists()


def test_single_administrator_mode_allows_the_self_grant_and_audits_it(
    clinic: SimpleNamespace,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.ALLIANCE = _with_settings(settings.ALLIANCE, SINGLE_ADMINISTRATOR=True)
    assert _self_grant(clinic, Role.SUPERVISOR).status_code == 302  # type: ignore[attr-defined]
    assert Membership.objects.filter(user=clinic.administrator, role=Role.SUPERVISOR).exists()
    event = AuditEvent.objects.get(object_kind="user", object_id=clinic.administrator.pk)
    assert event.actor_id == clinic.administrator.pk
    assert f"supervisor in team {clinic.team_a.pk}" in event.after
    assert "supervisor" not in event.before
