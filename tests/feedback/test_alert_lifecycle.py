"""An alert's life: superseded by the newer one, resolved by a later score, snoozed until the
next session with a reason, acknowledged one by one or a session at a time, by the care team."""

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from alliance.feedback.models import Alert, AlertState
from alliance.feedback.services import (
    SnoozeRefused,
    alert_acknowledge,
    alert_snooze,
    alerts_acknowledge_session,
    alerts_refresh,
)
from alliance.measures.services import response_record
from tests.factories import PASSWORD, make_session


def _srs(total: float) -> dict[str, float]:
    return {f"srs_{n}": total / 4 for n in range(1, 5)}


def _phq9(item_9: int) -> dict[str, int]:
    return {**{f"phq9_{n}": 1 for n in range(1, 9)}, "phq9_9": item_9}


def _sessions(clinic: SimpleNamespace, srs_totals: list[float]) -> None:
    for number, total in enumerate(srs_totals, start=1):
        session = clinic.session if number == 1 else make_session(clinic.episode, number)
        response_record(session=session, instrument_code="srs", values=_srs(total))
    alerts_refresh([clinic.episode])


def _browser(clinic: SimpleNamespace, who: str = "clinician") -> Client:
    browser = Client()
    assert browser.login(username=getattr(clinic, who).username, password=PASSWORD)
    return browser


def test_a_newer_alert_of_the_same_rule_supersedes_the_older_and_says_since_when(
    clinic: SimpleNamespace,
) -> None:
    _sessions(clinic, [34.0, 32.8, 32.0])
    low = Alert.objects.filter(rule="low_alliance").order_by("session__number")
    assert [(a.session.number, a.state) for a in low] == [
        (1, AlertState.SUPERSEDED),
        (2, AlertState.SUPERSEDED),
        (3, AlertState.OPEN),
    ]
    current = low.get(state=AlertState.OPEN)
    assert current.since_session == 1
    body = _browser(clinic).get(reverse("clinic:episode", args=[clinic.episode.pk])).content
    assert "since session 1 (latest: session 3)" in body.decode()


def test_an_alert_resolves_itself_when_a_later_rating_no_longer_meets_the_rule(
    clinic: SimpleNamespace,
) -> None:
    _sessions(clinic, [34.0, 32.8, 39.6])
    assert not Alert.objects.open().filter(rule="low_alliance").exists()
    resolved = Alert.objects.get(rule="low_alliance", session__number=2)
    assert (resolved.state, resolved.closed_by_session) == (AlertState.RESOLVED, 3)
    body = _browser(clinic).get(reverse("clinic:episode", args=[clinic.episode.pk])).content
    assert "Resolved by the session 3 score" in body.decode()


def test_a_risk_answer_is_never_resolved_by_itself(clinic: SimpleNamespace) -> None:
    response_record(session=clinic.session, instrument_code="phq9", values=_phq9(2))
    later = make_session(clinic.episode, 2)
    response_record(session=later, instrument_code="phq9", values=_phq9(0))
    alerts_refresh([clinic.episode])
    risk = Alert.objects.get(rule="risk_answer")
    assert risk.is_open and risk.closed_by_session is None


def test_the_caseload_count_drops_to_one_open_alert_per_rule(clinic: SimpleNamespace) -> None:
    _sessions(clinic, [34.0, 32.8, 32.0, 31.2])
    assert Alert.objects.filter(rule="low_alliance").count() == 4
    assert Alert.objects.open().filter(rule="low_alliance").count() == 1


def test_one_click_acknowledges_every_open_alert_of_a_session(clinic: SimpleNamespace) -> None:
    response_record(session=clinic.session, instrument_code="srs", values=_srs(30.0))
    response_record(session=clinic.session, instrument_code="phq9", values=_phq9(1))
    alerts_refresh([clinic.episode])
    assert Alert.objects.open().count() == 2
    url = reverse("feedback:session_alerts_acknowledge", args=[clinic.session.pk])
    answer = _browser(clinic).post(url, {"note": "Talked it through"}, follow=True)
    assert "2 alerts acknowledged." in answer.content.decode()
    assert not Alert.objects.open().exists()
    assert set(Alert.objects.values_list("acknowledgement_note", flat=True)) == {
        "Talked it through"
    }


def test_a_session_acknowledged_twice_is_acknowledged_once(clinic: SimpleNamespace) -> None:
    response_record(session=clinic.session, instrument_code="srs", values=_srs(30.0))
    alerts_refresh([clinic.episode])
    first = alerts_acknowledge_session(session=clinic.session, by=clinic.clinician, note="First")
    again = alerts_acknowledge_session(session=clinic.session, by=clinic.clinician, note="Again")
    assert (first, again) == (1, 0)
    assert Alert.objects.get().acknowledgement_note == "First"


def test_a_snooze_without_a_reason_is_refused_naming_the_reason(clinic: SimpleNamespace) -> None:
    _sessions(clinic, [30.0])
    alert = Alert.objects.get()
    with pytest.raises(SnoozeRefused) as refused:
        alert_snooze(alert=alert, by=clinic.clinician, reason="  ")
    assert "reason" in refused.value.message_dict
    url = reverse("feedback:alert_snooze", args=[alert.pk])
    answer = _browser(clinic).post(url, {"reason": ""}, follow=True)
    assert "Reason: say why this can wait until the next session." in answer.content.decode()
    alert.refresh_from_db()
    assert alert.is_open


def test_a_snoozed_alert_waits_for_the_next_session_then_the_rules_decide_again(
    clinic: SimpleNamespace,
) -> None:
    _sessions(clinic, [30.0])
    alert = Alert.objects.get()
    url = reverse("feedback:alert_snooze", args=[alert.pk])
    _browser(clinic).post(url, {"reason": "Client asked to talk about it next week"})
    alerts_refresh([clinic.episode])  # nothing new: it stays snoozed
    alert.refresh_from_db()
    assert (alert.state, alert.snooze_reason) == (
        AlertState.SNOOZED,
        "Client asked to talk about it next week",
    )
    assert not Alert.objects.open().exists()
    second = make_session(clinic.episode, 2)
    response_record(session=second, instrument_code="srs", values=_srs(31.2))
    alerts_refresh([clinic.episode])
    alert.refresh_from_db()
    assert alert.state == AlertState.SUPERSEDED
    assert Alert.objects.open().get().session == second


def test_a_snoozed_alert_wakes_when_a_later_session_does_not_judge_it(
    clinic: SimpleNamespace,
) -> None:
    _sessions(clinic, [30.0])
    alert = Alert.objects.get()
    alert_snooze(alert=alert, by=clinic.clinician, reason="Next week")
    make_session(clinic.episode, 2)  # attended, but no alliance rating
    alerts_refresh([clinic.episode])
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN


def test_a_risk_answer_cannot_be_snoozed(clinic: SimpleNamespace) -> None:
    response_record(session=clinic.session, instrument_code="phq9", values=_phq9(1))
    alerts_refresh([clinic.episode])
    risk = Alert.objects.get(rule="risk_answer")
    with pytest.raises(SnoozeRefused):
        alert_snooze(alert=risk, by=clinic.clinician, reason="Busy")
    risk.refresh_from_db()
    assert risk.is_open


def test_acknowledging_the_newest_leaves_nothing_open_behind_it(clinic: SimpleNamespace) -> None:
    _sessions(clinic, [34.0, 32.8])
    newest = Alert.objects.open().get(rule="low_alliance")
    alert_acknowledge(alert=newest, by=clinic.clinician, note="Discussed the goals")
    # The session 1 alert was superseded, so it no longer flags the client on the caseload.
    assert not Alert.objects.open().filter(rule="low_alliance").exists()
    assert Alert.objects.get(rule="low_alliance", session__number=1).state == "superseded"


@pytest.mark.parametrize("who", ["supervisor", "colleague", "administrator"])
def test_only_the_care_team_closes_alerts(clinic: SimpleNamespace, who: str) -> None:
    _sessions(clinic, [30.0])
    alert = Alert.objects.get()
    browser = _browser(clinic, who)
    urls = [
        reverse("feedback:alert_acknowledge", args=[alert.pk]),
        reverse("feedback:alert_snooze", args=[alert.pk]),
        reverse("feedback:session_alerts_acknowledge", args=[clinic.session.pk]),
    ]
    # The supervisor sees the alert but may not close it; the others do not see it at all.
    expected = 403 if who == "supervisor" else 404
    for url in urls:
        assert browser.post(url, {"note": "x", "reason": "x"}).status_code == expected
    alert.refresh_from_db()
    assert alert.is_open
