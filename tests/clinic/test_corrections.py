"""Corrections (issue 11, point 6): a response entered by mistake is voided with a reason and
leaves the chart and the alerts while staying in the history; the client's answers are entered
again from paper; a session's date and attendance are corrected with history and audit."""

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from alliance.audit.models import AuditEvent
from alliance.care import plans
from alliance.care.models import Session, SessionStatus
from alliance.clinic import corrections
from alliance.feedback.models import Alert, AlertState
from alliance.measures.models import Method, Rater, Response
from alliance.measures.services import SubmissionKeyConflict, response_record
from tests.factories import PASSWORD, make_session

pytestmark = pytest.mark.django_db

PHQ9_RISK = {**{f"phq9_{n}": 1 for n in range(1, 9)}, "phq9_9": 2}
ORS = {"ors_1": 4.5, "ors_2": 6, "ors_3": 5.2, "ors_4": 3.3}
PLAN = [
    {"instrument": "ors", "repeat": "sessions", "interval": 1},
    {"instrument": "srs", "repeat": "sessions", "interval": 1},
    {"instrument": "phq9", "at_intake": True, "repeat": "sessions", "interval": 4},
]


def _browser(who: str = "clinician") -> Browser:
    browser = Browser()
    assert browser.login(username=who, password=PASSWORD)
    return browser


@pytest.fixture
def planned(clinic: SimpleNamespace) -> SimpleNamespace:
    plans.plan_set(episode=clinic.episode, items=plans.check_items(PLAN), by=clinic.clinician)
    clinic.risk = response_record(session=clinic.session, instrument_code="phq9", values=PHQ9_RISK)
    from alliance.feedback.services import alerts_refresh

    alerts_refresh([clinic.episode], notify=False)
    return clinic


def _void_url(clinic: SimpleNamespace, response: Response) -> str:
    return reverse("clinic:response_void", args=[clinic.session.pk, response.pk])


def test_a_void_needs_a_reason_and_stores_nothing_without_one(planned: SimpleNamespace) -> None:
    answer = _browser().post(_void_url(planned, planned.risk), {"reason": "  "})
    assert answer.status_code == 400
    assert "Reason: say why (required)." in answer.content.decode()
    assert Response.objects.filter(pk=planned.risk.pk).exists()


def test_a_voided_response_leaves_the_alerts_and_its_measure_is_due_again(
    planned: SimpleNamespace,
) -> None:
    assert Alert.objects.filter(rule="risk_answer", state=AlertState.OPEN).exists()
    answer = _browser().post(_void_url(planned, planned.risk), {"reason": "Wrong client's form"})
    assert answer.status_code == 302
    assert not Response.objects.filter(pk=planned.risk.pk).exists()
    voided = Response.everything.get(pk=planned.risk.pk)
    assert voided.voided_by == planned.clinician and voided.void_reason == "Wrong client's form"
    assert voided.voided_at is not None and voided.versions.count() == 1
    assert not Alert.objects.filter(rule="risk_answer", state=AlertState.OPEN).exists()
    assert "phq9" in plans.missed_measures(Session.objects.get(pk=planned.session.pk))
    event = AuditEvent.objects.get(detail__startswith="voided")
    assert event.object_kind == "response" and event.object_id == voided.pk
    assert event.client_id == planned.episode.client_id and event.actor == planned.clinician
    page = _browser().get(reverse("clinic:session", args=[planned.session.pk])).content.decode()
    assert "due and not given" in page and "Wrong client&#x27;s form" in page
    assert f"{reverse('clinic:session_paper', args=[planned.session.pk])}?measure=phq9" in page


def test_voiding_twice_changes_nothing(planned: SimpleNamespace) -> None:
    first = corrections.response_void(response=planned.risk, by=planned.clinician, reason="Slip")
    again = corrections.response_void(response=planned.risk, by=planned.colleague, reason="Other")
    assert again.voided_at == first.voided_at and again.voided_by == planned.clinician
    assert AuditEvent.objects.filter(detail__startswith="voided").count() == 1


@pytest.mark.parametrize(
    ("who", "status"), [("colleague", 404), ("supervisor", 403), ("outsider", 404)]
)
def test_only_the_care_team_voids(planned: SimpleNamespace, who: str, status: int) -> None:
    answer = _browser(who).post(_void_url(planned, planned.risk), {"reason": "Slip"})
    assert answer.status_code == status
    assert Response.objects.filter(pk=planned.risk.pk).exists()


def test_a_voided_response_key_is_never_reused(planned: SimpleNamespace) -> None:
    key = planned.risk.idempotency_key
    corrections.response_void(response=planned.risk, by=planned.clinician, reason="Slip")
    again = response_record(
        session=planned.session, instrument_code="phq9", values=PHQ9_RISK, idempotency_key=key
    )
    assert again.pk == planned.risk.pk and again.voided_at is not None
    assert Response.everything.count() == 1
    with pytest.raises(SubmissionKeyConflict):
        response_record(
            session=planned.session, instrument_code="ors", values=ORS, idempotency_key=key
        )


def test_the_client_s_answers_are_entered_again_from_paper(planned: SimpleNamespace) -> None:
    corrections.response_void(response=planned.risk, by=planned.clinician, reason="Slip")
    url = reverse("clinic:session_paper", args=[planned.session.pk])
    browser = _browser()
    assert 'name="phq9_9"' in browser.get(url, {"measure": "phq9"}).content.decode()
    answers = {f"phq9_{n}": "1" for n in range(1, 10)}
    key = str(uuid.uuid4())
    for _tap in range(2):
        answer = browser.post(url, {"measure": "phq9", "idempotency_key": key, **answers})
        assert answer.status_code == 302, answer.content.decode()
    [paper] = Response.objects.filter(instrument="phq9")
    assert paper.method == Method.PAPER and paper.rater == Rater.CLIENT
    assert paper.versions.get().recorded_by == planned.clinician
    assert "phq9" not in plans.missed_measures(Session.objects.get(pk=planned.session.pk))


def test_paper_entry_is_only_for_a_measure_due_and_not_answered(planned: SimpleNamespace) -> None:
    url = reverse("clinic:session_paper", args=[planned.session.pk])
    answers = {f"phq9_{n}": "1" for n in range(1, 10)}
    answer = _browser().post(
        url, {"measure": "phq9", "idempotency_key": str(uuid.uuid4()), **answers}
    )
    assert answer.status_code == 400  # answered already (not voided)
    with pytest.raises(ValidationError, match="gad7 cannot be entered from paper"):
        corrections.response_enter_from_paper(
            session=planned.session,
            instrument_code="gad7",
            values={},
            by=planned.clinician,
            idempotency_key=uuid.uuid4(),
        )
    assert Response.objects.count() == 1


def test_a_session_s_date_and_attendance_are_corrected_with_history(
    clinic: SimpleNamespace,
) -> None:
    second = make_session(clinic.episode, 2, status=SessionStatus.NO_SHOW)
    earlier = clinic.session.starts_at
    moved = timezone.localtime(second.starts_at) + dt.timedelta(days=1)
    answer = _browser().post(
        reverse("clinic:session_correct", args=[clinic.session.pk]),
        {
            "starts_at": moved.strftime("%Y-%m-%dT%H:%M"),
            "status": SessionStatus.ATTENDED,
            "reason": "Typed the wrong week",
        },
    )
    assert answer.status_code == 302
    clinic.session.refresh_from_db()
    second.refresh_from_db()
    assert (second.number, clinic.session.number) == (1, 2)  # numbered again in date order
    [entry] = clinic.session.history
    assert entry["starts_at"] == earlier.isoformat() and entry["status"] == "attended"
    assert entry["by"] == clinic.clinician.pk and entry["reason"] == "Typed the wrong week"
    event = AuditEvent.objects.get(detail__startswith="session date")
    assert event.object_id == clinic.session.pk and event.client_id == clinic.episode.client_id


def test_a_session_with_answers_cannot_be_corrected_to_missed(planned: SimpleNamespace) -> None:
    with pytest.raises(ValidationError, match="Void them first"):
        corrections.session_correct(
            session=planned.session,
            starts_at=planned.session.starts_at,
            status=SessionStatus.NO_SHOW,
            reason="Did not come",
            by=planned.clinician,
        )
    planned.session.refresh_from_db()
    assert planned.session.status == SessionStatus.ATTENDED and planned.session.history == []


def test_a_correction_refuses_a_future_date_a_date_outside_the_episode_and_no_reason(
    clinic: SimpleNamespace,
) -> None:
    url = reverse("clinic:session_correct", args=[clinic.session.pk])
    future = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    cases = [
        ({"starts_at": future, "status": "attended", "reason": "x"}, "is in the past"),
        ({"starts_at": "2020-01-01T10:00", "status": "attended", "reason": "x"}, "choose a day"),
        ({"starts_at": "2026-01-06T10:00", "status": "attended", "reason": ""}, "Reason: say why"),
        ({"starts_at": "2026-01-06T10:00", "status": "withdrawn", "reason": "x"}, "Attendance:"),
    ]
    for data, words in cases:
        answer = _browser().post(url, data)
        assert answer.status_code == 400 and words in answer.content.decode(), words
    clinic.session.refresh_from_db()
    assert clinic.session.history == []
