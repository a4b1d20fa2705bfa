"""API tokens: stored hashed, shown once, revocable, issued by administrators in the admin."""

import hashlib
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance.api.models import ApiToken, Scope
from alliance.api.services import token_authenticate, token_create, token_revoke
from tests.access.roles import ROLES
from tests.factories import PASSWORD, reauthenticated


def test_only_the_hash_and_a_prefix_are_stored(clinic: SimpleNamespace) -> None:
    issued = token_create(user=clinic.clinician, name="EHR bridge", scope=Scope.READ_WRITE)
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert stored.digest == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret.startswith(stored.prefix)
    assert issued.secret not in str(ApiToken.objects.values().get(pk=stored.pk))
    assert len(issued.secret) >= 43


def test_a_token_is_recognised_until_it_is_revoked(clinic: SimpleNamespace) -> None:
    issued = token_create(user=clinic.clinician, name="laptop")
    found = token_authenticate(issued.secret)
    assert found is not None and found.user == clinic.clinician
    assert found.last_used_at is not None
    token_revoke(token=issued.token)
    assert token_authenticate(issued.secret) is None


def test_a_token_with_the_right_prefix_but_wrong_rest_is_refused(clinic: SimpleNamespace) -> None:
    issued = token_create(user=clinic.clinician, name="laptop")
    assert token_authenticate(issued.secret[:8] + "x" * 35) is None


def test_a_deactivated_users_token_stops_working(clinic: SimpleNamespace) -> None:
    issued = token_create(user=clinic.clinician, name="laptop")
    clinic.clinician.is_active = False
    clinic.clinician.save(update_fields=["is_active"])
    assert token_authenticate(issued.secret) is None


@pytest.mark.parametrize(("name", "scope", "field"), [("", "read", "name"), ("x", "all", "scope")])
def test_a_bad_token_request_names_the_field(
    clinic: SimpleNamespace, name: str, scope: str, field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        token_create(user=clinic.clinician, name=name, scope=scope)
    assert field in refused.value.message_dict


def test_an_administrator_lists_and_revokes_but_never_issues_tokens(
    clinic: SimpleNamespace,
) -> None:
    issued = token_create(user=clinic.clinician, name="EHR bridge")
    browser = Browser()
    browser.login(username=clinic.administrator.username, password=PASSWORD)
    assert browser.get("/admin/api/apitoken/add/").status_code == 403
    changelist = browser.get("/admin/api/apitoken/").content.decode()
    assert issued.token.prefix in changelist and issued.secret not in changelist
    browser.post(
        "/admin/api/apitoken/", {"action": "revoke", "_selected_action": [issued.token.pk]}
    )
    assert token_authenticate(issued.secret) is None


def test_only_administrators_reach_the_token_admin(clinic: SimpleNamespace) -> None:
    browser = Browser()
    browser.login(username=clinic.clinician.username, password=PASSWORD)
    assert browser.get("/admin/api/apitoken/").status_code == 302


def _signed_in(user: object) -> Browser:
    browser = Browser()
    browser.login(username=user.username, password=PASSWORD)  # type: ignore[attr-defined]
    # A token is issued only just after the password is typed again (test_privileged_changes).
    return reauthenticated(browser)


def test_a_user_creates_a_token_and_sees_it_once(clinic: SimpleNamespace) -> None:
    browser = _signed_in(clinic.clinician)
    answer = browser.post(reverse("tokens:list"), {"name": "My scripts", "scope": "read_write"})
    token = ApiToken.objects.get(user=clinic.clinician)
    secret = answer.context["secret"]
    assert token_authenticate(secret) == token and token.scope == Scope.READ_WRITE
    assert secret in answer.content.decode()
    assert secret not in browser.get(reverse("tokens:list")).content.decode()


def test_a_bad_token_form_names_the_field(clinic: SimpleNamespace) -> None:
    answer = _signed_in(clinic.clinician).post(reverse("tokens:list"), {"name": "", "scope": "x"})
    body = answer.content.decode()
    assert "What it is for: say what" in body and "What it may do: choose" in body
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_revokes_a_token(clinic: SimpleNamespace, role: str) -> None:
    issued = token_create(user=clinic.clinician, name="laptop")
    browser = _signed_in(getattr(clinic, role)) if role != "anonymous" else Browser()
    answer = browser.post(reverse("tokens:revoke", args=[issued.token.pk]))
    expected = {"anonymous": 302, "clinician": 302}.get(role, 404)
    assert answer.status_code == expected
    assert (token_authenticate(issued.secret) is None) == (role == "clinician")


def test_the_token_page_takes_the_same_queries_for_few_and_many_tokens(
    clinic: SimpleNamespace,
) -> None:
    browser = _signed_in(clinic.clinician)
    token_create(user=clinic.clinician, name="one")
    with CaptureQueriesContext(connection) as few:
        browser.get(reverse("tokens:list"))
    for n in range(10):
        token_create(user=clinic.clinician, name=f"token {n}")
    with CaptureQueriesContext(connection) as many:
        browser.get(reverse("tokens:list"))
    assert len(few) == len(many)
