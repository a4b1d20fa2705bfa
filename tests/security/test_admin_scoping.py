"""The admin site is scoped like the pages (issue 6 §4): an administrator manages the people and
teams of their own organisation only and cannot make themselves the site's operator; the
operator (a superuser) sets up organisations but sees no clinical record by that alone; nothing
clinical is deleted from the admin."""

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import reverse

from alliance.accounts.models import Membership, Organisation, Role, Team, User
from alliance.accounts.services import totp_device_start
from alliance.care.models import Client, Episode
from tests.factories import PASSWORD, make_episode, make_user, reauthenticated

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(clinic: SimpleNamespace) -> SimpleNamespace:
    """A second organisation on the same site, with its own administrator and clinician."""
    org = Organisation.objects.create(name="Hillside Therapy")
    team = Team.objects.create(organisation=org, name="Hillside Adults")
    clinician = make_user("hillclinician", organisation=org, role=Role.CLINICIAN, team=team)
    administrator = make_user("hilladmin", organisation=org, role=Role.ADMINISTRATOR)
    episode = make_episode(team, clinician)
    return SimpleNamespace(
        org=org, team=team, clinician=clinician, administrator=administrator, episode=episode
    )


def _logged_in(user: User) -> Browser:
    # Having just typed the password again: role changes need it (tests/security/
    # test_privileged_changes.py tries them without).
    browser = Browser()
    assert browser.login(username=user.username, password=PASSWORD)
    return reauthenticated(browser)


def _administrators_see_clinical_data(organisation: Organisation) -> None:
    organisation.admin_sees_clinical_data = True
    organisation.save(update_fields=["admin_sees_clinical_data"])


def _operator() -> User:
    return User.objects.create_superuser(username="operator", password=PASSWORD)


def _memberships(rows: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        "memberships-TOTAL_FORMS": str(len(rows)),
        "memberships-INITIAL_FORMS": str(initial),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for number, row in enumerate(rows):
        data |= {f"memberships-{number}-{field}": value for field, value in row.items()}
    return data


def _user_form(user: User, memberships: list[dict[str, Any]], initial: int) -> dict[str, Any]:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    } | _memberships(memberships, initial)


def _existing(user: User, organisation: Organisation) -> list[dict[str, Any]]:
    return [
        {
            "id": membership.pk,
            "user": user.pk,
            "organisation": membership.organisation_id,
            "team": membership.team_id or "",
            "role": membership.role,
        }
        for membership in Membership.objects.filter(user=user, organisation=organisation)
    ]


def _role(user: User, organisation: Organisation, team: Team | None, role: str) -> dict[str, Any]:
    return {
        "user": user.pk,
        "organisation": organisation.pk,
        "team": team.pk if team else "",
        "role": role,
    }


def test_the_add_form_starts_with_the_administrators_only_organisation(
    clinic: SimpleNamespace, other: SimpleNamespace
) -> None:
    page = _logged_in(clinic.administrator).get(reverse("admin:accounts_user_add"))
    body = page.content.decode()
    assert f'<option value="{clinic.org.pk}" selected>' in body
    assert other.org.name not in body


def test_an_administrator_lists_only_their_organisations_people(
    clinic: SimpleNamespace, other: SimpleNamespace
) -> None:
    page = _logged_in(clinic.administrator).get(reverse("admin:accounts_user_changelist"))
    listed = page.content.decode()
    assert clinic.clinician.username in listed
    assert other.clinician.username not in listed and other.administrator.username not in listed


def test_an_administrator_cannot_open_or_change_someone_of_another_organisation(
    clinic: SimpleNamespace, other: SimpleNamespace
) -> None:
    browser = _logged_in(clinic.administrator)
    change = reverse("admin:accounts_user_change", args=[other.clinician.pk])
    assert browser.get(change).status_code == 302  # "does not exist", back to the index
    password = reverse("admin:auth_user_password_change", args=[other.clinician.pk])
    assert browser.post(password, {"password1": "x" * 20, "password2": "x" * 20}).status_code in (
        302,
        404,
    )
    assert User.objects.get(pk=other.clinician.pk).check_password(PASSWORD)


def test_an_administrator_cannot_make_anyone_a_superuser(clinic: SimpleNamespace) -> None:
    browser = _logged_in(clinic.administrator)
    url = reverse("admin:accounts_user_change", args=[clinic.administrator.pk])
    page = browser.get(url).content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    form = _user_form(
        clinic.administrator, _existing(clinic.administrator, clinic.org), initial=1
    ) | {"is_superuser": "on", "is_staff": "on"}
    assert browser.post(url, form).status_code == 302
    assert not User.objects.get(pk=clinic.administrator.pk).is_superuser


def test_an_administrator_never_manages_the_sites_operator(clinic: SimpleNamespace) -> None:
    operator = _operator()
    Membership.objects.create(user=operator, organisation=clinic.org, role=Role.ADMINISTRATOR)
    listed = _logged_in(clinic.administrator).get(reverse("admin:accounts_user_changelist"))
    assert f"/{operator.pk}/change/" not in listed.content.decode()


def test_roles_in_another_organisation_are_neither_shown_nor_touched(
    clinic: SimpleNamespace, other: SimpleNamespace
) -> None:
    shared = clinic.colleague
    elsewhere = Membership.objects.create(
        user=shared, organisation=other.org, team=other.team, role=Role.CLINICIAN
    )
    browser = _logged_in(clinic.administrator)
    url = reverse("admin:accounts_user_change", args=[shared.pk])
    assert other.team.name not in browser.get(url).content.decode()
    # Saving the person with their roles here (and one more) leaves the other role alone.
    rows = [
        *_existing(shared, clinic.org),
        {
            "user": shared.pk,
            "organisation": clinic.org.pk,
            "team": clinic.team_b.pk,
            "role": "supervisor",
        },
    ]
    answer = browser.post(url, _user_form(shared, rows, initial=1))
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert Membership.objects.filter(pk=elsewhere.pk).exists()
    assert Membership.objects.filter(user=shared, team=clinic.team_b, role="supervisor").exists()


def test_a_role_in_another_organisation_cannot_be_given(
    clinic: SimpleNamespace, other: SimpleNamespace
) -> None:
    browser = _logged_in(clinic.administrator)
    user = clinic.colleague
    url = reverse("admin:accounts_user_change", args=[user.pk])
    rows = [
        *_existing(user, clinic.org),
        {"user": user.pk, "organisation": other.org.pk, "team": other.team.pk, "role": "clinician"},
    ]
    answer = browser.post(url, _user_form(user, rows, initial=1))
    assert answer.status_code == 200
    assert "Select a valid choice" in answer.content.decode()
    assert not Membership.objects.filter(user=user, organisation=other.org).exists()


def test_a_person_added_by_an_administrator_needs_a_role_in_their_organisation(
    clinic: SimpleNamespace,
) -> None:
    browser = _logged_in(clinic.administrator)
    add = reverse("admin:accounts_user_add")
    account = {
        "username": "newcomer",
        "usable_password": "true",
        "password1": "a long new password 42",
        "password2": "a long new password 42",
    }
    refused = browser.post(add, account | _memberships([]))
    assert refused.status_code == 200
    assert "Give this person a role" in refused.content.decode()
    assert not User.objects.filter(username="newcomer").exists()
    role = {"organisation": clinic.org.pk, "team": clinic.team_a.pk, "role": "clinician"}
    answer = browser.post(add, account | _memberships([role]))
    assert answer.status_code == 302
    newcomer = User.objects.get(username="newcomer")
    assert browser.get(answer["Location"]).status_code == 200  # their page, not "not found"
    assert Membership.objects.filter(user=newcomer, team=clinic.team_a).exists()
    assert not newcomer.is_staff


def test_the_administrator_role_given_in_the_admin_opens_the_admin_and_taking_it_closes_it(
    clinic: SimpleNamespace,
) -> None:
    browser = _logged_in(clinic.administrator)
    user = clinic.colleague
    url = reverse("admin:accounts_user_change", args=[user.pk])
    rows = _existing(user, clinic.org)
    given = [
        *rows,
        {"user": user.pk, "organisation": clinic.org.pk, "team": "", "role": "administrator"},
    ]
    assert browser.post(url, _user_form(user, given, initial=1)).status_code == 302
    assert User.objects.get(pk=user.pk).is_staff
    assert _logged_in(user).get(reverse("admin:index")).status_code == 200
    rows = _existing(user, clinic.org)
    taken = [row | ({"DELETE": "on"} if row["role"] == "administrator" else {}) for row in rows]
    assert browser.post(url, _user_form(user, taken, initial=len(rows))).status_code == 302
    assert not User.objects.get(pk=user.pk).is_staff


def test_actions_reach_only_the_administrators_own_people(
    clinic: SimpleNamespace, other: SimpleNamespace
) -> None:
    device = totp_device_start(user=other.clinician)
    device.confirmed = True
    device.save()
    browser = _logged_in(clinic.administrator)
    browser.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "turn_off_two_factor", "_selected_action": [other.clinician.pk]},
    )
    device.refresh_from_db()
    assert device.confirmed


def test_an_administrator_sees_and_changes_only_their_own_organisation(
    clinic: SimpleNamespace, other: SimpleNamespace
) -> None:
    browser = _logged_in(clinic.administrator)
    listed = browser.get(reverse("admin:accounts_organisation_changelist")).content.decode()
    assert clinic.org.name in listed and other.org.name not in listed
    assert browser.get(reverse("admin:accounts_organisation_add")).status_code == 403
    delete = reverse("admin:accounts_organisation_delete", args=[clinic.org.pk])
    assert browser.post(delete, {"post": "yes"}).status_code == 403
    assert Organisation.objects.filter(pk=clinic.org.pk).exists()


def test_teams_of_other_organisations_are_not_listed_named_or_chosen(
    clinic: SimpleNamespace, other: SimpleNamespace
) -> None:
    browser = _logged_in(clinic.administrator)
    listed = browser.get(reverse("admin:accounts_team_changelist")).content.decode()
    assert clinic.team_a.name in listed
    assert other.team.name not in listed and other.org.name not in listed
    answer = browser.post(
        reverse("admin:accounts_team_add"), {"name": "Smuggled", "organisation": other.org.pk}
    )
    assert answer.status_code == 200
    assert not Team.objects.filter(name="Smuggled").exists()
    search = browser.get(
        reverse("admin:autocomplete"),
        {"term": "Hill", "app_label": "accounts", "model_name": "membership", "field_name": "team"},
    )
    assert other.team.name not in search.content.decode()


def test_the_episode_list_names_no_team_of_another_organisation(
    clinic: SimpleNamespace, other: SimpleNamespace
) -> None:
    _administrators_see_clinical_data(clinic.org)
    page = _logged_in(clinic.administrator).get(reverse("admin:care_episode_changelist"))
    assert page.status_code == 200
    assert clinic.team_a.name in page.content.decode()
    assert other.team.name not in page.content.decode()


def test_an_episode_cannot_be_moved_to_another_organisations_client_or_team(
    clinic: SimpleNamespace, other: SimpleNamespace
) -> None:
    _administrators_see_clinical_data(clinic.org)
    episode = clinic.episode
    url = reverse("admin:care_episode_change", args=[episode.pk])
    form = {
        "client": other.episode.client_id,
        "team": other.team.pk,
        "setting": episode.setting,
        "started_on": episode.started_on.isoformat(),
        "care_team-TOTAL_FORMS": "0",
        "care_team-INITIAL_FORMS": "0",
        "care_team-MIN_NUM_FORMS": "0",
        "care_team-MAX_NUM_FORMS": "1000",
    }
    answer = _logged_in(clinic.administrator).post(url, form)
    assert answer.status_code == 200
    body = answer.content.decode()
    assert body.count("Select a valid choice") >= 2
    assert Episode.objects.get(pk=episode.pk).team_id == clinic.team_a.pk


@pytest.mark.parametrize("model", ["client", "episode", "session"])
def test_nothing_clinical_is_deleted_from_the_admin(clinic: SimpleNamespace, model: str) -> None:
    _administrators_see_clinical_data(clinic.org)
    record = {"client": clinic.episode.client, "episode": clinic.episode, "session": clinic.session}
    url = reverse(f"admin:care_{model}_delete", args=[record[model].pk])
    assert _logged_in(clinic.administrator).post(url, {"post": "yes"}).status_code == 403
    assert type(record[model]).objects.filter(pk=record[model].pk).exists()


def test_the_operator_sets_up_an_organisation_and_its_first_administrator(
    clinic: SimpleNamespace,
) -> None:
    """A new site: ``createsuperuser``, then the admin site (docs/deployment.md)."""
    operator = _logged_in(_operator())
    assert operator.get(reverse("admin:index")).status_code == 200
    answer = operator.post(
        reverse("admin:accounts_organisation_add"),
        {"name": "Lakeside Clinic", "require_two_factor": "on"},
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    lakeside = Organisation.objects.get(name="Lakeside Clinic")
    account = {
        "username": "lakeadmin",
        "usable_password": "true",
        "password1": "a long new password 42",
        "password2": "a long new password 42",
    }
    role = {"organisation": lakeside.pk, "team": "", "role": "administrator"}
    assert (
        operator.post(
            reverse("admin:accounts_user_add"), account | _memberships([role])
        ).status_code
        == 302
    )
    first = Browser()
    assert first.login(username="lakeadmin", password="a long new password 42")
    # Lakeside requires two-factor log-in: the new administrator sets it up first.
    assert first.get(reverse("admin:index"))["Location"].startswith(reverse("accounts:two_factor"))


def test_the_operator_sees_no_clinical_record_by_being_the_operator(
    clinic: SimpleNamespace,
) -> None:
    operator = _logged_in(_operator())
    page = operator.get(reverse("admin:care_client_changelist"))
    assert page.status_code == 200
    assert clinic.episode.client.code not in page.content.decode()
    change = reverse("admin:care_client_change", args=[clinic.episode.client_id])
    assert operator.get(change).status_code == 302
    assert Client.objects.filter(pk=clinic.episode.client_id).exists()
