"""A risk answer reaches a person: the care team and the team's supervisor are e-mailed at once,
with nothing clinical in the message, and the supervisor again if nobody acknowledges it."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from alliance.feedback import notify, tasks
from alliance.feedback.models import Alert
from alliance.feedback.services import alert_acknowledge, alerts_refresh
from alliance.measures.services import response_record
from tests.factories import make_session


def _phq9(item_9: int) -> dict[str, int]:
    return {**{f"phq9_{n}": 2 for n in range(1, 9)}, "phq9_9": item_9}


@pytest.fixture
def addresses(clinic: SimpleNamespace) -> SimpleNamespace:
    for who in ("clinician", "colleague", "supervisor", "other_supervisor"):
        user = getattr(clinic, who)
        user.email = f"{who}@riverside.example"
        user.save(update_fields=["email"])
    return clinic


def _risk_answer(clinic: SimpleNamespace, captured: object, item_9: int = 2) -> None:
    with captured(execute=True):  # type: ignore[operator]
        response_record(session=clinic.session, instrument_code="phq9", values=_phq9(item_9))
        alerts_refresh([clinic.episode])


def test_a_risk_answer_emails_the_care_team_and_the_supervisor_at_once(
    addresses: SimpleNamespace, django_capture_on_commit_callbacks: object
) -> None:
    _risk_answer(addresses, django_capture_on_commit_callbacks)
    assert sorted(to for message in mail.outbox for to in message.to) == [
        "clinician@riverside.example",
        "supervisor@riverside.example",
    ]
    message = mail.outbox[0]
    assert message.subject == "A client of yours needs attention today"
    link = "http://localhost:8000" + reverse("clinic:episode", args=[addresses.episode.pk])
    assert "A client of yours needs attention today." in message.body and link in message.body
    assert Alert.objects.get(rule="risk_answer").notified_at is not None


def test_the_message_carries_no_clinical_detail(
    addresses: SimpleNamespace, django_capture_on_commit_callbacks: object
) -> None:
    _risk_answer(addresses, django_capture_on_commit_callbacks)
    client = addresses.episode.client
    link = "http://localhost:8000" + reverse("clinic:episode", args=[addresses.episode.pk])
    for message in mail.outbox:
        # The link's episode number says nothing clinical; nothing else may.
        text = f"{message.subject} {message.body}".replace(link, "").lower()
        for detail in (client.display_name, client.code, "phq", "item", "risk", "score", "2"):
            assert detail.lower() not in text


def test_no_risk_answer_no_message(
    addresses: SimpleNamespace, django_capture_on_commit_callbacks: object
) -> None:
    _risk_answer(addresses, django_capture_on_commit_callbacks, item_9=0)
    assert mail.outbox == []


def test_a_refresh_again_sends_nothing_more(
    addresses: SimpleNamespace, django_capture_on_commit_callbacks: object
) -> None:
    _risk_answer(addresses, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        alerts_refresh([addresses.episode])
    assert notify.notify_risk(Alert.objects.get().pk) == 0
    assert len(mail.outbox) == 2


def test_an_unacknowledged_risk_answer_escalates_to_the_supervisor_after_four_hours(
    addresses: SimpleNamespace, django_capture_on_commit_callbacks: object
) -> None:
    _risk_answer(addresses, django_capture_on_commit_callbacks)
    alert = Alert.objects.get()
    mail.outbox.clear()
    assert tasks.escalate_risk_alert.call(alert.pk) == 0  # not yet due
    Alert.objects.filter(pk=alert.pk).update(
        notified_at=timezone.now() - dt.timedelta(hours=4, minutes=1)
    )
    assert tasks.escalate_risk_alert.call(alert.pk) == 1
    assert [message.to for message in mail.outbox] == [["supervisor@riverside.example"]]
    assert "attention today" in mail.outbox[0].body
    assert tasks.escalate_risk_alert.call(alert.pk) == 0  # once only


def test_the_escalation_time_is_a_setting(
    addresses: SimpleNamespace, django_capture_on_commit_callbacks: object, settings: object
) -> None:
    settings.ALLIANCE = {**settings.ALLIANCE, "RISK_ESCALATE_AFTER_HOURS": 1}  # type: ignore[attr-defined]
    _risk_answer(addresses, django_capture_on_commit_callbacks)
    alert = Alert.objects.get()
    Alert.objects.filter(pk=alert.pk).update(notified_at=timezone.now() - dt.timedelta(minutes=61))
    assert tasks.escalate_risk_alert.call(alert.pk) == 1


def test_an_acknowledged_risk_answer_does_not_escalate(
    addresses: SimpleNamespace, django_capture_on_commit_callbacks: object
) -> None:
    _risk_answer(addresses, django_capture_on_commit_callbacks)
    alert = Alert.objects.get()
    alert_acknowledge(alert=alert, by=addresses.clinician, note="Assessed; safety plan agreed")
    Alert.objects.filter(pk=alert.pk).update(notified_at=timezone.now() - dt.timedelta(hours=5))
    assert tasks.escalate_risk_alert.call(alert.pk) == 0


def test_the_demo_history_emails_nobody(
    addresses: SimpleNamespace, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response_record(session=addresses.session, instrument_code="phq9", values=_phq9(3))
        alerts_refresh([addresses.episode], notify=False)
    assert mail.outbox == []


def test_a_later_risk_answer_is_its_own_alert_and_its_own_message(
    addresses: SimpleNamespace, django_capture_on_commit_callbacks: object
) -> None:
    _risk_answer(addresses, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        later = make_session(addresses.episode, 2)
        response_record(session=later, instrument_code="phq9", values=_phq9(1))
        alerts_refresh([addresses.episode])
    assert Alert.objects.open().filter(rule="risk_answer").count() == 2
    assert len(mail.outbox) == 4
