"""Two workers reach the same planned reminder at the same moment: one message goes."""

import datetime as dt
from functools import partial
from types import SimpleNamespace

import pytest
from django.core import mail
from django.utils import timezone

from alliance.care.models import Session, SessionStatus
from alliance.portal.models import Invitation
from alliance.portal.reminders import reminder_time, schedule_for_session, send_due, send_planned
from tests.ops.concurrency.conftest import ROUNDS, at_once, postgresql_only

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]


def test_two_workers_send_a_reminder_once(clinic: SimpleNamespace) -> None:
    client = clinic.episode.client
    client.email, client.consents_to_email = "anna@example.org", True
    client.contact_consent_on = dt.date(2026, 1, 5)
    client.save()
    for round_ in range(ROUNDS // 4):
        mail.outbox.clear()
        day = timezone.localdate() + dt.timedelta(days=3 + round_)
        session = Session.objects.create(
            episode=clinic.episode,
            number=2 + round_,
            starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10))),
            status=SessionStatus.SCHEDULED,
        )
        [planned] = schedule_for_session(session)
        at = reminder_time(session.starts_at)
        results = at_once(
            partial(send_planned, planned.pk, now=at),
            partial(send_due, now=at),
            partial(send_planned, planned.pk, now=at),
        )
        assert sorted(int(r) for r in results) == [0, 0, 1], results
        assert len(mail.outbox) == 1
        assert Invitation.objects.get(pk=planned.pk).sent_at == at
