"""Reminders and links ahead of the session (issue 11, point 5): planned by
``schedule_for_session``, sent once by the worker, nothing clinical in them."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from alliance.care.models import Session, SessionMode, SessionStatus
from alliance.portal import reminders, sms
from alliance.portal.models import Invitation, Purpose
from alliance.portal.reminders import reminder_time, schedule_for_session, send_due, send_planned
from tests.portal.conftest import alliance_settings

pytestmark = pytest.mark.django_db
LINK = reverse("portal:link", args=["T"]).removesuffix("T/")


def _consenting(clinic: SimpleNamespace, *, email: bool = True, sms_: bool = False) -> None:
    client = clinic.episode.client
    client.email = "anna@example.org" if email else ""
    client.phone = "+447700900123" if sms_ else ""
    client.consents_to_email = email
    client.consents_to_sms = sms_
    client.consents_to_electronic_contact = email or sms_
    client.contact_consent_on = dt.date(2026, 1, 5)
    client.save()


def _booked(
    clinic: SimpleNamespace, *, days: int = 3, mode: str = SessionMode.IN_PERSON, number: int = 2
) -> Session:
    day = timezone.localdate() + dt.timedelta(days=days)
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    return Session.objects.create(
        episode=clinic.episode,
        number=number,
        starts_at=starts,
        status=SessionStatus.SCHEDULED,
        mode=mode,
    )


def _planned(session: Session) -> list[Invitation]:
    return list(Invitation.objects.filter(session=session).exclude(purpose="").order_by("pk"))


def test_it_plans_the_reminder_for_the_evening_before(clinic: SimpleNamespace) -> None:
    _consenting(clinic)
    session = _booked(clinic)
    schedule_for_session(session)
    [planned] = _planned(session)
    evening = timezone.localtime(planned.send_at)
    assert (evening.date(), evening.hour) == (
        timezone.localtime(session.starts_at).date() - dt.timedelta(days=1),
        18,
    )
    assert planned.purpose == Purpose.REMINDER and planned.sent_at is None
    # The outcome measure is due at the start; the alliance measure is for the end, not ahead.
    assert planned.measures == ["ors"]
    assert mail.outbox == []


@alliance_settings(REMINDER_BEFORE=2)
def test_a_site_may_remind_a_number_of_hours_before(clinic: SimpleNamespace) -> None:
    _consenting(clinic)
    session = _booked(clinic)
    schedule_for_session(session)
    assert _planned(session)[0].send_at == session.starts_at - dt.timedelta(hours=2)


def test_the_worker_sends_it_once_at_its_time_by_email(clinic: SimpleNamespace) -> None:
    _consenting(clinic)
    session = _booked(clinic)
    schedule_for_session(session)
    at = reminder_time(session.starts_at)
    assert send_due(now=at - dt.timedelta(minutes=1)) == 0
    assert send_due(now=at) == 1
    # A re-run, the deferred task arriving late, and another booking call send nothing more.
    assert send_due(now=at + dt.timedelta(minutes=5)) == 0
    assert send_planned(_planned(session)[0].pk, now=at + dt.timedelta(hours=1)) is False
    schedule_for_session(session)
    assert send_due(now=at + dt.timedelta(hours=2)) == 0
    [message] = mail.outbox
    assert message.to == ["anna@example.org"]
    assert message.from_email.startswith("Riverside Counselling <")
    starts = timezone.localtime(session.starts_at)
    assert f"{starts:%B} {starts.year}" in message.body and "10:00" in message.body
    assert "http://localhost:8000" + LINK in message.body
    [sent] = _planned(session)
    assert sent.sent_at == at and sent.delivery == "email" and sent.state(at) == "sent"


def test_the_message_says_nothing_clinical(clinic: SimpleNamespace) -> None:
    _consenting(clinic)
    session = _booked(clinic)
    schedule_for_session(session)
    send_due(now=reminder_time(session.starts_at))
    [message] = mail.outbox
    words = (message.subject + message.body + message.from_email).lower()
    client = clinic.episode.client
    for clinical in ("ors", "outcome", "rating", clinic.team_a.name, client.code, "clinician"):
        assert clinical.lower() not in words, clinical
    assert client.display_name.lower() not in words


def test_it_sends_a_text_message_to_a_client_who_agreed_only_to_those(
    clinic: SimpleNamespace,
) -> None:
    _consenting(clinic, email=False, sms_=True)
    session = _booked(clinic)
    schedule_for_session(session)
    send_due(now=reminder_time(session.starts_at))
    assert mail.outbox == []
    [text] = sms.outbox
    assert text.to == "+447700900123" and text.sender == "Riverside Counselling"
    assert text.body.startswith("Riverside Counselling:") and LINK in text.body
    assert "10:00" in text.body


def test_an_address_without_consent_for_its_channel_is_not_used(clinic: SimpleNamespace) -> None:
    _consenting(clinic, email=False, sms_=True)
    client = clinic.episode.client
    client.email = "anna@example.org"  # known, but no consent to e-mail
    client.phone = ""
    client.save()
    session = _booked(clinic)
    assert schedule_for_session(session) == []
    assert _planned(session) == []


def test_it_writes_in_the_clients_preferred_language(clinic: SimpleNamespace) -> None:
    _consenting(clinic)
    client = clinic.episode.client
    client.preferred_language = "nl"
    client.save()
    session = _booked(clinic)
    schedule_for_session(session)
    send_due(now=reminder_time(session.starts_at))
    months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus"]
    months += ["september", "oktober", "november", "december"]
    month = months[timezone.localtime(session.starts_at).month - 1]
    [message] = mail.outbox
    assert month in message.body
    assert "Een herinnering aan uw afspraak met Riverside Counselling op" in message.body
    assert message.subject.startswith("Uw afspraak met Riverside Counselling op")


def test_a_regional_preferred_language_writes_as_the_portal_page_speaks(
    clinic: SimpleNamespace,
) -> None:
    # Stored as "nl-BE" (the field is free text: an import, the admin): the link's pages speak
    # Dutch (accounts.language.offered), so the message that brings the client there does too.
    _consenting(clinic)
    client = clinic.episode.client
    client.preferred_language = "nl-BE"
    client.save()
    session = _booked(clinic)
    schedule_for_session(session)
    send_due(now=reminder_time(session.starts_at))
    [message] = mail.outbox
    assert message.subject.startswith("Uw afspraak met Riverside Counselling op")


def test_rescheduling_moves_the_reminder_and_cancelling_cancels_it(
    clinic: SimpleNamespace,
) -> None:
    _consenting(clinic)
    session = _booked(clinic)
    for _ in range(3):
        schedule_for_session(session)
    [first] = _planned(session)
    session.starts_at += dt.timedelta(days=2)
    session.save()
    schedule_for_session(session)
    [moved] = _planned(session)
    assert moved.pk == first.pk and moved.send_at == reminder_time(session.starts_at)
    session.status = SessionStatus.CANCELLED
    session.number = None
    session.cancelled_by = "client"
    session.save()
    schedule_for_session(session)
    assert _planned(session)[0].state() == "cancelled"
    assert send_due(now=session.starts_at) == 0 and mail.outbox == []


def test_a_new_time_after_the_reminder_was_sent_gets_a_new_reminder(
    clinic: SimpleNamespace,
) -> None:
    _consenting(clinic)
    session = _booked(clinic)
    schedule_for_session(session)
    send_due(now=reminder_time(session.starts_at))
    session.starts_at += dt.timedelta(days=1)
    session.save()
    schedule_for_session(session)
    assert send_due(now=reminder_time(session.starts_at)) == 1
    assert len(mail.outbox) == 2


def test_the_alliance_link_goes_right_after_a_video_session(clinic: SimpleNamespace) -> None:
    _consenting(clinic)
    session = _booked(clinic, mode=SessionMode.VIDEO)
    schedule_for_session(session)
    _before, after = _planned(session)
    end = session.starts_at + dt.timedelta(minutes=session.duration_minutes)
    assert (after.purpose, after.send_at, after.measures) == (Purpose.AFTER_VIDEO, end, ["srs"])
    send_due(now=reminder_time(session.starts_at))
    Session.objects.filter(pk=session.pk).update(status=SessionStatus.ATTENDED)
    assert send_due(now=end - dt.timedelta(minutes=1)) == 0
    assert send_due(now=end) == 1
    assert send_due(now=end + dt.timedelta(minutes=1)) == 0
    assert len(mail.outbox) == 2
    assert "video appointment" in mail.outbox[1].body and LINK in mail.outbox[1].body


def test_no_alliance_link_after_a_session_in_person_or_a_no_show(clinic: SimpleNamespace) -> None:
    _consenting(clinic)
    in_person = _booked(clinic)
    schedule_for_session(in_person)
    assert [i.purpose for i in _planned(in_person)] == [Purpose.REMINDER]
    video = _booked(clinic, days=10, mode=SessionMode.VIDEO, number=3)
    schedule_for_session(video)
    Session.objects.filter(pk=video.pk).update(status=SessionStatus.NO_SHOW)
    assert send_due(now=video.starts_at + dt.timedelta(hours=2)) == 0
    assert {i.state() for i in _planned(video)} == {"not_sent"}


def test_opening_the_link_sets_opened_at_once(clinic: SimpleNamespace) -> None:
    _consenting(clinic)
    session = _booked(clinic)
    schedule_for_session(session)
    send_due(now=timezone.now())  # due "now" for the test: the link must still be open
    Invitation.objects.filter(session=session).update(send_at=timezone.now())
    send_due()
    url = next(w for w in mail.outbox[0].body.split() if LINK in w)
    path = url.removeprefix("http://localhost:8000")
    assert Browser().get(path).status_code == 200
    opened = _planned(session)[0]
    assert opened.opened_at is not None and opened.state() == "opened"
    Browser().get(path)
    opened.refresh_from_db()
    assert opened.opened_at == _planned(session)[0].opened_at


def test_a_booking_made_late_sends_the_reminder_through_the_task_at_once(
    clinic: SimpleNamespace, django_capture_on_commit_callbacks: object
) -> None:
    _consenting(clinic)
    session = Session.objects.create(
        episode=clinic.episode,
        number=2,
        starts_at=timezone.now() + dt.timedelta(hours=2),
        status=SessionStatus.SCHEDULED,
    )
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        schedule_for_session(session)
    assert len(mail.outbox) == 1 and _planned(session)[0].sent_at is not None


def test_the_task_sends_nothing_before_its_time(
    clinic: SimpleNamespace, django_capture_on_commit_callbacks: object
) -> None:
    _consenting(clinic)
    session = _booked(clinic)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        schedule_for_session(session)
    # The tests' task backend cannot defer, so the task ran now and found nothing due.
    assert mail.outbox == [] and _planned(session)[0].sent_at is None


@alliance_settings(SMS_BACKEND="alliance.portal.sms.DisabledBackend")
def test_a_message_the_provider_refuses_is_marked_not_sent(clinic: SimpleNamespace) -> None:
    _consenting(clinic, email=False, sms_=True)
    session = _booked(clinic)
    schedule_for_session(session)
    at = reminder_time(session.starts_at)
    assert send_due(now=at) == 0
    [planned] = _planned(session)
    assert planned.state() == "not_sent" and "not set up" in planned.not_sent_reason
    # Not tried again on every run, and not planned again by another booking call.
    schedule_for_session(session)
    assert send_due(now=at + dt.timedelta(minutes=1)) == 0
    assert len(_planned(session)) == 1


def test_consent_withdrawn_after_planning_stops_the_message(clinic: SimpleNamespace) -> None:
    _consenting(clinic)
    session = _booked(clinic)
    schedule_for_session(session)
    client = clinic.episode.client
    client.consents_to_email = False
    client.save()
    assert send_due(now=reminder_time(session.starts_at)) == 0
    assert mail.outbox == [] and "not agreed" in _planned(session)[0].not_sent_reason


def test_the_command_sends_what_is_due(clinic: SimpleNamespace) -> None:
    _consenting(clinic)
    session = Session.objects.create(
        episode=clinic.episode,
        number=2,
        starts_at=timezone.now() + dt.timedelta(hours=2),
        status=SessionStatus.SCHEDULED,
    )
    schedule_for_session(session)  # its task never ran (no commit in a test)
    call_command("send_reminders")
    assert len(mail.outbox) == 1


def test_the_first_session_has_its_reminder_and_the_baseline_at_booking(
    clinic: SimpleNamespace,
) -> None:
    _consenting(clinic)
    first = clinic.session
    first.starts_at = timezone.now() + dt.timedelta(days=2)
    first.status = SessionStatus.SCHEDULED
    first.save()
    schedule_for_session(first)
    # The reminder before session 1 is a reminder like any other; the baseline (issue 19) is
    # the outcome measure sent at booking (tests/voice/test_baseline.py).
    assert {p.purpose for p in _planned(first)} == {Purpose.REMINDER, Purpose.BASELINE}


def test_a_planned_link_opens_nothing_before_it_is_sent(clinic: SimpleNamespace) -> None:
    _consenting(clinic)
    session = _booked(clinic)
    [planned] = schedule_for_session(session)
    assert not planned.is_open() and planned.state() == "planned"
    assert reminders.channel_for(clinic.episode.client) == "email"
