"""The data rules of clients, episodes, care teams and sessions hold in the database itself,
not only in forms (those of roles: tests/accounts; of responses: tests/measures)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, transaction

from alliance.care.models import CareRole, CareTeamMember, Client, Episode, Session
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
