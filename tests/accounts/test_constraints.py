"""The data rules of roles (memberships) hold in the database itself, not only in forms."""

from types import SimpleNamespace

import pytest
from django.db import IntegrityError, transaction

from alliance.accounts.models import Membership, Role


def _refused(create) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_it_refuses_a_team_role_without_a_team(clinic: SimpleNamespace) -> None:
    _refused(
        lambda: Membership.objects.create(
            user=clinic.outsider, organisation=clinic.org, role=Role.CLINICIAN
        )
    )


def test_it_refuses_an_administrator_bound_to_a_team(clinic: SimpleNamespace) -> None:
    _refused(
        lambda: Membership.objects.create(
            user=clinic.outsider,
            organisation=clinic.org,
            team=clinic.team_a,
            role=Role.ADMINISTRATOR,
        )
    )


def test_a_user_may_belong_to_several_teams(clinic: SimpleNamespace) -> None:
    Membership.objects.create(
        user=clinic.clinician, organisation=clinic.org, team=clinic.team_b, role=Role.CLINICIAN
    )
    assert clinic.clinician.memberships.count() == 2
