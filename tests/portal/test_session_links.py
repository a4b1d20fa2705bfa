"""The session page's links outstanding (issue 11, point 5): their states, and "Send again" and
"Cancel" for the care team (the partial portal/_session_links.html, views link_resend and
link_cancel)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client as Browser
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliance.audit.models import AuditEvent
from alliance.care.models import Session, SessionStatus
from alliance.portal.models import Invitation
from alliance.portal.reminders import (
    invitation_cancel,
    invitation_resend,
    schedule_for_session,
    send_due,
)
from alliance.portal.services import invitation_send_link
from tests.access.pages_portal import planned_link
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
LINK = reverse("portal:link", args=["T"]).removesuffix("T/")


def _page(session: Session, user: object) -> str:
    request = RequestFactory().get("/")
    request.user = user  # type: ignore[assignment]
    return render_to_string("portal/_session_links.html", {"session": session, "request": request})


def _logged_in(clinic: SimpleNamespace, role: str = "clinician") -> Browser:
    browser = Browser()
    assert browser.login(username=getattr(clinic, role).username, password=PASSWORD)
    return browser


def _token_path(message: mail.EmailMessage) -> str:
    url = next(word for word in message.body.split() if LINK in word)
    return url[url.index(LINK) :]


def test_it_shows_a_planned_reminder_with_its_buttons_to_the_care_team(
    clinic: SimpleNamespace,
) -> None:
    planned = planned_link(clinic)
    html = _page(planned.session, clinic.clinician)
    assert "Reminder before the session" in html and "to be sent" in html
    assert reverse("portal:link_resend", args=[planned.pk]) in html
    assert reverse("portal:link_cancel", args=[planned.pk]) in html
    assert "Send now" in html


def test_a_supervisor_sees_the_links_but_no_buttons(clinic: SimpleNamespace) -> None:
    planned = planned_link(clinic)
    html = _page(planned.session, clinic.supervisor)
    assert "to be sent" in html and "link_resend" not in html
    assert reverse("portal:link_cancel", args=[planned.pk]) not in html
    assert reverse("portal:link_cancel", args=[planned.pk]) not in _page(
        planned.session, AnonymousUser()
    )


def test_each_state_is_named(clinic: SimpleNamespace) -> None:
    planned = planned_link(clinic)
    session = planned.session
    send_due(now=planned.send_at)
    assert "sent, not opened yet" in _page(session, clinic.clinician)
    Browser().get(_token_path(mail.outbox[0]))
    assert "opened, not answered yet" in _page(session, clinic.clinician)
    Invitation.objects.filter(pk=planned.pk).update(expires_at=timezone.now())
    assert "expired unanswered" in _page(session, clinic.clinician)
    Invitation.objects.filter(pk=planned.pk).update(used_at=timezone.now())
    html = _page(session, clinic.clinician)
    assert "answered" in html and "Send again" not in html


def test_resending_sends_a_new_link_and_the_old_one_stops_working(
    clinic: SimpleNamespace,
) -> None:
    planned = planned_link(clinic)
    send_due(now=planned.send_at)
    old_path = _token_path(mail.outbox[0])
    answer = _logged_in(clinic).post(reverse("portal:link_resend", args=[planned.pk]))
    assert answer.status_code == 302
    assert answer["Location"] == reverse("clinic:session", args=[planned.session_id])
    assert len(mail.outbox) == 2
    assert Browser().get(old_path).status_code == 410
    assert Browser().get(_token_path(mail.outbox[1])).status_code == 200
    old = Invitation.objects.get(pk=planned.pk)
    assert old.cancelled_by == clinic.clinician and old.state() == "cancelled"
    fresh = Invitation.objects.exclude(pk=planned.pk).get(session=planned.session)
    assert fresh.state() == "opened" and fresh.created_by == clinic.clinician
    assert fresh.purpose == "reminder" and fresh.measures == old.measures
    assert AuditEvent.objects.filter(
        route="portal:link_resend", object_id=planned.pk, actor=clinic.clinician
    ).exists()


def test_send_now_sends_a_planned_reminder_once(clinic: SimpleNamespace) -> None:
    planned = planned_link(clinic)
    invitation_resend(invitation=planned, by=clinic.clinician)
    assert len(mail.outbox) == 1
    # The worker's task for the planned time finds it cancelled: nothing more goes.
    assert send_due(now=planned.send_at) == 0 and len(mail.outbox) == 1


def test_an_answered_link_is_not_resent(clinic: SimpleNamespace) -> None:
    planned = planned_link(clinic)
    Invitation.objects.filter(pk=planned.pk).update(used_at=timezone.now())
    answer = _logged_in(clinic).post(reverse("portal:link_resend", args=[planned.pk]), follow=True)
    assert "already answered" in answer.content.decode()
    assert mail.outbox == [] and Invitation.objects.filter(session=planned.session).count() == 1


def test_resending_to_a_client_who_withdrew_consent_is_refused(clinic: SimpleNamespace) -> None:
    planned = planned_link(clinic)
    client = clinic.episode.client
    client.consents_to_email = False
    client.save()
    answer = _logged_in(clinic).post(reverse("portal:link_resend", args=[planned.pk]), follow=True)
    assert "has not agreed" in answer.content.decode()
    assert Invitation.objects.get(pk=planned.pk).state() == "planned"


def test_a_link_sent_by_hand_is_sent_again_as_one(clinic: SimpleNamespace) -> None:
    client = clinic.episode.client
    client.email, client.consents_to_electronic_contact = "anna@example.org", True
    client.save()
    first = invitation_send_link(
        session=clinic.session,
        measures=["ors"],
        created_by=clinic.clinician,
        link_for=lambda token: f"https://clinic.example{LINK}{token}/",
    )
    fresh = invitation_resend(invitation=first, by=clinic.clinician)
    assert fresh.purpose == "" and fresh.sent_at is not None
    assert "short form" in mail.outbox[1].body and "reminder" not in mail.outbox[1].body
    assert Invitation.objects.get(pk=first.pk).state() == "cancelled"


def test_cancelling_stops_a_planned_reminder_and_a_second_tap_changes_nothing(
    clinic: SimpleNamespace,
) -> None:
    planned = planned_link(clinic)
    browser = _logged_in(clinic)
    url = reverse("portal:link_cancel", args=[planned.pk])
    assert browser.post(url).status_code == 302
    cancelled_at = Invitation.objects.get(pk=planned.pk).cancelled_at
    assert browser.post(url).status_code == 302
    assert Invitation.objects.get(pk=planned.pk).cancelled_at == cancelled_at
    assert send_due(now=planned.send_at) == 0 and mail.outbox == []
    # The booking services calling again do not bring back what a clinician cancelled.
    schedule_for_session(planned.session)
    assert Invitation.objects.filter(session=planned.session).count() == 1


def test_a_colleague_off_the_care_team_cannot_cancel(clinic: SimpleNamespace) -> None:
    planned = planned_link(clinic)
    answer = _logged_in(clinic, "colleague").post(reverse("portal:link_cancel", args=[planned.pk]))
    assert answer.status_code == 404
    assert invitation_cancel(invitation=planned, by=clinic.clinician) is True


def test_the_partial_asks_the_same_queries_for_one_link_or_many(clinic: SimpleNamespace) -> None:
    planned = planned_link(clinic)
    session = planned.session
    with CaptureQueriesContext(connection) as one:
        _page(Session.objects.get(pk=session.pk), clinic.clinician)
    for days in range(1, 6):
        Invitation.objects.create(
            session=session,
            measures=["ors"],
            channel="link",
            secret_hash=f"{days:064d}",
            created_by=clinic.clinician,
            created_at=timezone.now() - dt.timedelta(days=days),
            expires_at=timezone.now() + dt.timedelta(days=1),
            sent_at=timezone.now() - dt.timedelta(days=days),
            delivery="email",
        )
    with CaptureQueriesContext(connection) as many:
        _page(Session.objects.get(pk=session.pk), clinic.clinician)
    assert len(many) == len(one)


def test_no_link_says_so(clinic: SimpleNamespace) -> None:
    clinic.session.status = SessionStatus.ATTENDED
    assert "No link or reminder" in _page(clinic.session, clinic.clinician)
