"""Baseline at booking (issue 19, point 5): a consenting client gets the episode's outcome
measure by link when the first appointment is booked; the answer is the episode's baseline
(session 0 on the chart), never session 1's, and sent once per episode."""

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client as Browser
from django.utils import timezone

from alliance.care.appointments import appointment_book, appointment_cancel, appointment_reschedule
from alliance.care.models import Episode, Session
from alliance.clinic.progress import measure_figure
from alliance.feedback.models import Alert
from alliance.feedback.series import episode_series, loaded_episode_series, trajectory_model
from alliance.feedback.services import alerts_refresh
from alliance.measures.models import Response
from alliance.measures.services import response_record
from alliance.portal import reminders
from alliance.portal.models import Invitation, Purpose
from alliance.voice.models import Baseline
from tests.factories import make_episode
from tests.voice.conftest import answer

pytestmark = pytest.mark.django_db
LOW_ORS = {"ors_1": "3", "ors_2": "4", "ors_3": "4", "ors_4": "3"}  # 14


def _consenting(episode: Episode, *, email: bool = True, sms: bool = False) -> None:
    client = episode.client
    client.email = "anna@example.org" if email else ""
    client.phone = "+447700900123" if sms else ""
    client.consents_to_email, client.consents_to_sms = email, sms
    client.consents_to_electronic_contact = email or sms
    client.contact_consent_on = dt.date(2026, 1, 5)
    client.save()


def _in_days(days: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


@pytest.fixture
def fresh(clinic: SimpleNamespace) -> Episode:
    """A new episode of a client who agreed to e-mail, with no session yet."""
    episode = make_episode(clinic.team_a, clinic.clinician)
    _consenting(episode)
    return episode


def _book(clinic: SimpleNamespace, episode: Episode, capture: Any, days: int = 7) -> Session:
    with capture(execute=True):
        [session] = appointment_book(episode=episode, by=clinic.clinician, starts_at=_in_days(days))
    return session


def _baselines(episode: Episode) -> list[Invitation]:
    return list(
        Invitation.objects.filter(session__episode=episode, purpose=Purpose.BASELINE).order_by("pk")
    )


def _link_in(message: str) -> str:
    found = re.search(r"/rate/l/[^/\s]+/", message)
    assert found, message
    return found.group(0)


def test_booking_the_first_session_sends_the_outcome_measure_at_once(
    clinic: SimpleNamespace, fresh: Episode, django_capture_on_commit_callbacks: Any
) -> None:
    session = _book(clinic, fresh, django_capture_on_commit_callbacks)
    [baseline] = _baselines(fresh)
    assert baseline.session == session and baseline.measures == ["ors"]
    assert baseline.sent_at is not None and baseline.delivery == "email"
    # It closes when the first session starts: after that it is no longer before treatment.
    assert baseline.expires_at <= session.starts_at
    [message] = mail.outbox
    assert "first appointment" in message.subject and "ORS" not in message.body
    # The reminder before the session is still planned for its own time.
    reminder = Invitation.objects.get(session=session, purpose=Purpose.REMINDER)
    assert reminder.sent_at is None


def test_the_answer_is_the_episode_s_baseline_not_session_1_s(
    clinic: SimpleNamespace, fresh: Episode, django_capture_on_commit_callbacks: Any
) -> None:
    session = _book(clinic, fresh, django_capture_on_commit_callbacks)
    url = _link_in(mail.outbox[0].body)
    browser = Browser()
    page = browser.get(url)
    assert page.status_code == 200
    # No agenda topics before treatment: there is no session yet to bring them to.
    assert b"voice_agenda_1" not in page.content
    key = "6a1f1c2e-0000-4000-8000-000000000001"
    assert answer(browser, url, "ors", key=key, answers=LOW_ORS).status_code == 302
    assert answer(browser, url, "ors", key=key, answers=LOW_ORS).status_code in (200, 302)
    [stored] = Baseline.objects.filter(episode=fresh)
    assert (stored.instrument, stored.total, stored.method) == ("ors", 14.0, "link")
    assert not Response.everything.filter(session__episode=fresh).exists()
    assert Invitation.objects.get(pk=stored.invitation_id).used_at is not None
    # The session can still be cancelled: a baseline is no answer of the session.
    appointment_cancel(session=session, by=clinic.clinician, cancelled_by="client", reason="ill")


def test_moving_or_cancelling_the_first_appointment_sends_no_second_baseline(
    clinic: SimpleNamespace, fresh: Episode, django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    first = _book(clinic, fresh, capture)
    with capture(execute=True):
        appointment_reschedule(session=first, by=clinic.clinician, starts_at=_in_days(9))
    with capture(execute=True):
        appointment_cancel(session=first, by=clinic.clinician, cancelled_by="client", reason="x")
    second = _book(clinic, fresh, capture, days=10)
    assert second.number == 1
    assert [b.sent_at is not None for b in _baselines(fresh)] == [True]
    assert len(mail.outbox) == 1


def test_a_baseline_planned_but_not_sent_moves_to_the_new_first_session(
    clinic: SimpleNamespace, fresh: Episode
) -> None:
    # Without the commit hooks nothing is sent: the baseline stays planned.
    first = appointment_book(episode=fresh, by=clinic.clinician, starts_at=_in_days(7))[0]
    reminders.schedule_for_session(first)
    [planned] = _baselines(fresh)
    assert planned.sent_at is None
    reminders.schedule_for_session(first)  # a second call keeps it as it is
    assert _baselines(fresh) == [planned]
    appointment_cancel(session=first, by=clinic.clinician, cancelled_by="clinic", reason="x")
    reminders.schedule_for_session(first)
    later = appointment_book(episode=fresh, by=clinic.clinician, starts_at=_in_days(8))[0]
    reminders.schedule_for_session(later)
    states = [(b.session_id, b.cancelled_at is not None) for b in _baselines(fresh)]
    assert states == [(first.pk, True), (later.pk, False)]


def test_an_answered_baseline_is_not_resent(
    clinic: SimpleNamespace, fresh: Episode, django_capture_on_commit_callbacks: Any
) -> None:
    _book(clinic, fresh, django_capture_on_commit_callbacks)
    url = _link_in(mail.outbox[0].body)
    answer(Browser(), url, "ors", answers=LOW_ORS)
    [sent] = _baselines(fresh)
    with pytest.raises(ValidationError):
        reminders.invitation_resend(invitation=sent, by=clinic.clinician)
    # A clinician resending an older, unanswered copy is refused too once one is answered.
    sent.used_at = None
    sent.save(update_fields=["used_at"])
    with pytest.raises(ValidationError, match="already answered"):
        reminders.invitation_resend(invitation=sent, by=clinic.clinician)
    assert len(mail.outbox) == 1 and Baseline.objects.filter(episode=fresh).count() == 1


def test_no_consent_no_baseline(
    clinic: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    episode = make_episode(clinic.team_a, clinic.clinician)  # consents to nothing
    _book(clinic, episode, django_capture_on_commit_callbacks)
    assert _baselines(episode) == [] and mail.outbox == []


def test_text_message_consent_sends_it_by_text(
    clinic: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    from alliance.portal import sms

    episode = make_episode(clinic.team_a, clinic.clinician)
    _consenting(episode, email=False, sms=True)
    _book(clinic, episode, django_capture_on_commit_callbacks)
    [baseline] = _baselines(episode)
    assert baseline.delivery == "sms" and "first appointment" in sms.outbox[-1].body


def test_a_measure_with_a_risk_item_gets_no_baseline(
    clinic: SimpleNamespace, fresh: Episode, django_capture_on_commit_callbacks: Any
) -> None:
    fresh.outcome_measure = "phq9"
    fresh.save()
    _book(clinic, fresh, django_capture_on_commit_callbacks)
    assert _baselines(fresh) == []


def test_only_the_first_session_brings_a_baseline(
    clinic: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    _consenting(clinic.episode)  # its session 1 took place in January
    _book(clinic, clinic.episode, django_capture_on_commit_callbacks)
    assert _baselines(clinic.episode) == []


def test_a_baseline_link_closes_once_the_first_session_has_begun(
    clinic: SimpleNamespace, fresh: Episode, django_capture_on_commit_callbacks: Any
) -> None:
    session = _book(clinic, fresh, django_capture_on_commit_callbacks)
    url = _link_in(mail.outbox[0].body)
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1))
    assert answer(Browser(), url, "ors", answers=LOW_ORS).status_code == 410
    assert not Baseline.objects.filter(episode=fresh).exists()


def _answered_series(clinic: SimpleNamespace, fresh: Episode, capture: Any) -> Session:
    session = _book(clinic, fresh, capture)
    answer(Browser(), _link_in(mail.outbox[0].body), "ors", answers=LOW_ORS)
    Session.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1), status="attended"
    )
    response_record(
        session=session,
        instrument_code="ors",
        values={"ors_1": 5, "ors_2": 5, "ors_3": 5, "ors_4": 5},  # 20
    )
    return session


def test_the_series_holds_the_baseline_apart_from_the_sessions(
    clinic: SimpleNamespace, fresh: Episode, django_capture_on_commit_callbacks: Any
) -> None:
    _answered_series(clinic, fresh, django_capture_on_commit_callbacks)
    episode = Episode.objects.get(pk=fresh.pk)
    series = loaded_episode_series(episode)
    assert series.baseline == 14.0 and series.baseline_date == timezone.localdate()
    assert [(p.number, p.outcome) for p in series.sessions] == [(1, 20.0)]
    # The expected band starts from the first session's 20, exactly as without a baseline.
    sessions = list(episode.sessions.all())
    responses = {s.pk: list(s.responses.all()) for s in sessions}
    without = episode_series(episode, sessions, responses)
    assert [p.expected_boundary for p in series.sessions] == [
        p.expected_boundary for p in without.sessions
    ]
    assert without.baseline is None


def test_the_alert_rules_read_the_first_session_as_the_intake(
    clinic: SimpleNamespace, fresh: Episode, django_capture_on_commit_callbacks: Any
) -> None:
    session = _answered_series(clinic, fresh, django_capture_on_commit_callbacks)
    alerts_refresh([fresh])
    with_baseline = sorted(Alert.objects.filter(episode=fresh).values_list("rule", "evidence"))
    Baseline.objects.filter(episode=fresh).delete()
    Alert.objects.filter(episode=fresh).delete()
    alerts_refresh([fresh])
    without = sorted(Alert.objects.filter(episode=fresh).values_list("rule", "evidence"))
    assert with_baseline == without
    assert session.pk  # the alerts name session 1, never a session 0


def test_the_chart_shows_the_baseline_as_session_0_and_the_band_from_session_1(
    clinic: SimpleNamespace, fresh: Episode, django_capture_on_commit_callbacks: Any
) -> None:
    _answered_series(clinic, fresh, django_capture_on_commit_callbacks)
    from alliance.clinic.selectors import episode_detail

    episode = episode_detail(clinic.clinician, fresh.pk)
    model = trajectory_model("ors")
    figure = measure_figure(episode, "ors", model=model)
    layers = {layer.get("name"): layer for layer in _layers(figure.spec)}
    assert layers["baseline"]["data"]["values"][0]["session"] == 0
    assert layers["baseline"]["data"]["values"][0]["value"] == 14.0
    assert [v["session"] for v in layers["scores"]["data"]["values"]] == [1]
    assert figure.table.rows[0][0].startswith("0") and figure.table.rows[1][0] == "1"
    assert "Before treatment (session 0): 14" in figure.summary
    Baseline.objects.filter(episode=fresh).delete()
    plain = measure_figure(episode_detail(clinic.clinician, fresh.pk), "ors", model=model)
    band = [layer["data"] for layer in _layers(plain.spec) if layer.get("name") == "band"]
    assert band and band == [
        layer["data"] for layer in _layers(figure.spec) if layer.get("name") == "band"
    ]


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    found, stack = [], [spec]
    while stack:
        item = stack.pop()
        found.append(item)
        stack.extend(item.get("layer", []))
    return found


def test_the_report_shows_the_change_before_treatment(
    clinic: SimpleNamespace, fresh: Episode, django_capture_on_commit_callbacks: Any
) -> None:
    from alliance.reports.outcomes import outcome_figures
    from alliance.reports.selectors import _day_bounds, report_scope
    from alliance.reports.stored import episode_rows

    _answered_series(clinic, fresh, django_capture_on_commit_callbacks)  # 14 before, 20 at 1
    Episode.objects.filter(pk=fresh.pk).update(ended_on=timezone.localdate(), ending="planned")
    today = timezone.localdate()
    scope = report_scope(viewer=None, organisation=clinic.org.name, start=today, end=today)
    # Twice: read afresh (and stored) the first time, from the stored figures the second.
    for _time in range(2):
        episodes = episode_rows(scope, *_day_bounds(scope))
        figures = {f.key: f for f in outcome_figures(scope, episodes, talking_therapies=False)}
        change, improved = figures["pre_treatment_change"], figures["pre_treatment_improved_rate"]
        assert (change.value, change.n, change.measure) == (6.0, 1, "ors")
        assert (improved.value, improved.n) == (1.0, 1)  # 6 points: reliable on the ORS (5)


def test_the_api_series_carries_the_baseline(
    clinic: SimpleNamespace, fresh: Episode, django_capture_on_commit_callbacks: Any
) -> None:
    from alliance.api.series import _as_record

    _answered_series(clinic, fresh, django_capture_on_commit_callbacks)
    record = _as_record(loaded_episode_series(Episode.objects.get(pk=fresh.pk)))
    assert (record["baseline"], record["sessions"][0]["number"]) == (14.0, 1)


def test_the_client_s_own_summary_names_the_baseline_apart_from_the_usual_path(
    clinic: SimpleNamespace, fresh: Episode, django_capture_on_commit_callbacks: Any
) -> None:
    from alliance.voice.progress import client_summary

    _answered_series(clinic, fresh, django_capture_on_commit_callbacks)
    summary = client_summary(Episode.objects.get(pk=fresh.pk), "Anna")
    assert summary.baseline is not None and summary.baseline.score == 14.0
    # The usual path starts from the first session's 20, not from the baseline.
    assert [p.session for p in summary.points] == [1] and summary.band[0].expected == 20.0
