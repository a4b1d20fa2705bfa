"""Bookings at the same moment on PostgreSQL: a double tap books one session, and two people
booking, cancelling and starting sessions of one client at once leave the numbering whole
(1..k by date, no duplicate: the unique (episode, number) rule holds, nothing fails)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from alliance.accounts.models import User
from alliance.care import appointments
from alliance.care.models import NUMBERED_STATUSES, CareRole, CareTeamMember, Episode, Session
from alliance.clinic.services import session_start
from tests.ops.concurrency.conftest import ROUNDS, at_once, postgresql_only

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]


def _book(episode: Episode, by: User, starts_at: dt.datetime):  # type: ignore[no-untyped-def]
    def book() -> list[int]:
        found = Episode.objects.get(pk=episode.pk)
        return [
            s.pk
            for s in appointments.appointment_book(
                episode=found, by=by, starts_at=starts_at, confirm_overlap=True
            )
        ]

    return book


def _numbers_are_whole(episode: Episode) -> None:
    rows = list(
        Session.objects.filter(episode=episode)
        .order_by("starts_at", "pk")
        .values_list("status", "number")
    )
    numbered = [number for status, number in rows if status in NUMBERED_STATUSES]
    assert numbered == list(range(1, len(numbered) + 1)), rows
    assert all(number is None for status, number in rows if status not in NUMBERED_STATUSES)


def test_a_double_tap_books_one_session(clinic: SimpleNamespace) -> None:
    for n in range(ROUNDS):
        starts = timezone.now() + dt.timedelta(days=2 + n)
        first, second = at_once(
            _book(clinic.episode, clinic.clinician, starts),
            _book(clinic.episode, clinic.clinician, starts),
        )
        assert first == second and isinstance(first, list), (first, second)
    assert Session.objects.filter(episode=clinic.episode).count() == ROUNDS + 1
    _numbers_are_whole(clinic.episode)


def test_booking_cancelling_and_starting_at_once_keep_the_numbers_whole(
    clinic: SimpleNamespace,
) -> None:
    CareTeamMember.objects.create(
        episode=clinic.episode, member=clinic.colleague, role=CareRole.CASE_MANAGER
    )
    for n in range(ROUNDS):
        earlier = appointments.appointment_book(
            episode=clinic.episode,
            by=clinic.clinician,
            starts_at=timezone.now() + dt.timedelta(days=1, minutes=n),
            confirm_overlap=True,
        )[0]

        def cancel(session: Session = earlier) -> Session:
            return appointments.appointment_cancel(
                session=session, by=clinic.clinician, cancelled_by="client", reason="Ill"
            )

        def start() -> Session:
            return session_start(
                episode=Episode.objects.get(pk=clinic.episode.pk),
                by=clinic.colleague,
                confirm_unbooked=True,
            )

        answers = at_once(
            cancel,
            _book(clinic.episode, clinic.colleague, timezone.now() + dt.timedelta(hours=n + 1)),
            start,
        )
        assert not any(isinstance(a, Exception) for a in answers), answers
        _numbers_are_whole(clinic.episode)
