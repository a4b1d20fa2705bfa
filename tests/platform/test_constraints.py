"""The data rules hold in the database itself, not only in forms."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, transaction

from alliance.accounts.models import Membership, Role
from alliance.care.models import CareRole, CareTeamMember, Client, Episode, Session
from alliance.measures.models import Response
from tests.factories import make_session


def _refused(create) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_it_refuses_an_episode_that_ends_before_it_starts(clinic: SimpleNamespace) -> None:
    _refused(
        lambda: Episode.objects.create(
            client=clinic.episode.client,
            team=clinic.team_a,
            started_on=dt.date(2026, 3, 1),
            ended_on=dt.date(2026, 2, 1),
            ending="planned",
        )
    )


def test_it_refuses_an_ended_episode_without_an_ending(clinic: SimpleNamespace) -> None:
    _refused(
        lambda: Episode.objects.create(
            client=clinic.episode.client,
            team=clinic.team_a,
            started_on=dt.date(2026, 1, 1),
            ended_on=dt.date(2026, 2, 1),
        )
    )


def test_it_refuses_an_unknown_setting(clinic: SimpleNamespace) -> None:
    _refused(
        lambda: Episode.objects.create(
            client=clinic.episode.client,
            team=clinic.team_a,
            started_on=dt.date(2026, 1, 1),
            setting="hypnosis",
        )
    )


def test_it_refuses_a_second_primary_therapist(clinic: SimpleNamespace) -> None:
    _refused(
        lambda: CareTeamMember.objects.create(
            episode=clinic.episode, member=clinic.colleague, role=CareRole.PRIMARY_THERAPIST
        )
    )


def test_it_refuses_two_sessions_with_the_same_number(clinic: SimpleNamespace) -> None:
    _refused(lambda: make_session(clinic.episode, 1))


def test_it_refuses_session_number_zero(clinic: SimpleNamespace) -> None:
    _refused(lambda: make_session(clinic.episode, 0))


def test_it_refuses_an_unknown_session_status(clinic: SimpleNamespace) -> None:
    _refused(lambda: Session.objects.filter(pk=clinic.session.pk).update(status="maybe"))


def test_it_refuses_a_duplicate_client_code_in_one_organisation(clinic: SimpleNamespace) -> None:
    _refused(
        lambda: Client.objects.create(
            organisation=clinic.org,
            code=clinic.episode.client.code,
            display_name="Someone",
            age_group="adult",
        )
    )


def test_it_refuses_an_implausible_birth_year(clinic: SimpleNamespace) -> None:
    _refused(
        lambda: Client.objects.create(
            organisation=clinic.org,
            code="X1",
            display_name="Someone",
            age_group="adult",
            birth_year=1850,
        )
    )


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


def test_it_refuses_a_staff_rating_that_does_not_name_the_rater(clinic: SimpleNamespace) -> None:
    _refused(
        lambda: Response.objects.create(
            session=clinic.session,
            instrument="srs",
            rater="clinician",
            method="clinician",
            items={},
            total=30,
            answered_at=clinic.session.starts_at,
            idempotency_key="00000000-0000-0000-0000-000000000001",
        )
    )
