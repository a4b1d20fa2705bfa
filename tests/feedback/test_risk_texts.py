"""A risk answer is also texted (issue 12, point 4: "and SMS where configured"): to each person of
the care team and the team's supervisors who gave a mobile number, through the site's SMS
backend, saying no more than the e-mail; the escalation texts the supervisors again."""

import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from alliance.feedback import tasks
from alliance.feedback.models import Alert
from alliance.feedback.services import alerts_refresh
from alliance.measures.services import response_record
from alliance.portal import sms
from tests.factories import PASSWORD

MOBILES = {"clinician": "+44 7700 900001", "supervisor": "+44 7700 900002"}


@pytest.fixture(autouse=True)
def empty_sms_outbox() -> Iterator[None]:
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def mobiles(clinic: SimpleNamespace) -> SimpleNamespace:
    for who, number in MOBILES.items():
        user = getattr(clinic, who)
        user.mobile, user.email = number, f"{who}@riverside.example"
        user.save(update_fields=["mobile", "email"])
    # Neither on the care team nor this team's supervisor: never told.
    clinic.other_supervisor.mobile = "+44 7700 900003"
    clinic.other_supervisor.save(update_fields=["mobile"])
    return clinic


def _risk_answer(clinic: SimpleNamespace, captured: object) -> Alert:
    values = {**{f"phq9_{n}": 2 for n in range(1, 9)}, "phq9_9": 2}
    with captured(execute=True):  # type: ignore[operator]
        response_record(session=clinic.session, instrument_code="phq9", values=values)
        alerts_refresh([clinic.episode])
    return Alert.objects.get(rule="risk_answer")


def test_a_risk_answer_texts_the_care_team_and_the_supervisor_with_no_clinical_detail(
    mobiles: SimpleNamespace, django_capture_on_commit_callbacks: object
) -> None:
    _risk_answer(mobiles, django_capture_on_commit_callbacks)
    assert sorted(message.to for message in sms.outbox) == sorted(MOBILES.values())
    link = "http://localhost:8000" + reverse("clinic:episode", args=[mobiles.episode.pk])
    client = mobiles.episode.client
    for message in sms.outbox:
        assert "a client of yours needs attention today" in message.body and link in message.body
        text = message.body.replace(link, "").lower()
        for detail in (client.display_name, client.code, "phq", "item", "risk", "score", "2"):
            assert detail.lower() not in text
    assert len(mail.outbox) == 2  # the e-mails go as before


def test_no_text_where_the_site_sends_none(
    mobiles: SimpleNamespace, django_capture_on_commit_callbacks: object, settings: object
) -> None:
    disabled = "alliance.portal.sms.DisabledBackend"
    with override_settings(ALLIANCE={**settings.ALLIANCE, "SMS_BACKEND": disabled}):  # type: ignore[attr-defined]
        _risk_answer(mobiles, django_capture_on_commit_callbacks)
    assert sms.outbox == []
    assert len(mail.outbox) == 2


def test_the_escalation_texts_the_supervisor_again(
    mobiles: SimpleNamespace, django_capture_on_commit_callbacks: object
) -> None:
    alert = _risk_answer(mobiles, django_capture_on_commit_callbacks)
    sms.outbox.clear()
    mail.outbox.clear()
    Alert.objects.filter(pk=alert.pk).update(notified_at=timezone.now() - dt.timedelta(hours=5))
    assert tasks.escalate_risk_alert.call(alert.pk) == 2  # one e-mail, one text
    assert [message.to for message in sms.outbox] == [MOBILES["supervisor"]]


@pytest.mark.parametrize("number", ["07700 9000x1", "12", "+44-7700-900001"])
def test_a_mobile_number_that_is_not_one_is_refused_naming_the_field(
    clinic: SimpleNamespace, number: str
) -> None:
    clinic.clinician.mobile = number
    with pytest.raises(ValidationError) as refused:
        clinic.clinician.full_clean()
    assert "mobile" in refused.value.message_dict
    assert "Mobile number: digits and spaces" in refused.value.message_dict["mobile"][0]


def test_an_administrator_sets_the_mobile_number_on_the_staff_page(
    clinic: SimpleNamespace,
) -> None:
    browser = Client()
    assert browser.login(username=clinic.administrator.username, password=PASSWORD)
    page = browser.get(reverse("admin:accounts_user_change", args=[clinic.clinician.pk]))
    assert page.status_code == 200
    assert 'name="mobile"' in page.content.decode()
