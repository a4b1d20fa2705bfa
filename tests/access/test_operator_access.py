"""The site's operator and who may grant a role: alliance.access decides (``is_site_operator``,
``may_grant_role``), tried as each of the seven roles."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from alliance import access
from alliance.accounts.models import Role, User
from tests.access.people import person
from tests.access.roles import ROLES


@pytest.mark.parametrize("role", ROLES)
def test_none_of_the_cast_is_the_site_s_operator(clinic: SimpleNamespace, role: str) -> None:
    assert access.is_site_operator(person(clinic, role)) is False  # type: ignore[arg-type]


def test_a_superuser_is_the_operator_while_active(db: None) -> None:
    operator = User.objects.create_superuser("operator", password="x")
    assert access.is_site_operator(operator) is True
    operator.is_active = False
    assert access.is_site_operator(operator) is False
    assert access.is_site_operator(AnonymousUser()) is False  # type: ignore[arg-type]


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_nobody_gives_themselves_a_clinical_role(clinic: SimpleNamespace, role: str) -> None:
    user = person(clinic, role)
    assert access.may_grant_role(by=user, user=user, role=Role.SUPERVISOR) is False  # type: ignore[arg-type]
    assert access.may_grant_role(by=user, user=user, role=Role.ADMINISTRATOR) is True  # type: ignore[arg-type]


def test_another_administrator_or_the_command_line_grants_it(clinic: SimpleNamespace) -> None:
    by, user = clinic.administrator, clinic.outsider
    assert access.may_grant_role(by=by, user=user, role=Role.CLINICIAN) is True
    assert access.may_grant_role(by=None, user=user, role=Role.CLINICIAN) is True


def test_a_site_with_one_administrator_may_allow_it(clinic: SimpleNamespace, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ALLIANCE = {**settings.ALLIANCE, "SINGLE_ADMINISTRATOR": True}
    user = clinic.administrator
    assert access.may_grant_role(by=user, user=user, role=Role.CLINICIAN) is True
