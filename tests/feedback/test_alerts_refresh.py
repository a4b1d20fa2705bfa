"""Alerts raised from stored responses: the science core's rules, stored once, explained."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance.care.models import Episode
from alliance.feedback.models import Alert
from alliance.feedback.services import alert_acknowledge, alerts_refresh
from alliance.measures.services import response_record
from tests.factories import make_episode, make_session


def _ors(total_per_line: float) -> dict[str, float]:
    return {f"ors_{n}": total_per_line for n in range(1, 5)}


def _srs(*lines: float) -> dict[str, float]:
    return {f"srs_{n}": value for n, value in enumerate(lines, start=1)}


def _rate(session, code: str, values: dict[str, float], **kwargs) -> None:  # type: ignore[no-untyped-def]
    response_record(session=session, instrument_code=code, values=values, **kwargs)


def test_a_phq9_item_9_answer_raises_a_critical_alert_first_on_the_caseload(
    clinic: SimpleNamespace,
) -> None:
    _rate(clinic.session, "phq9", {**{f"phq9_{n}": 1 for n in range(1, 9)}, "phq9_9": 2})
    alerts_refresh([clinic.episode])
    alert = Alert.objects.get(rule="risk_answer")
    assert alert.severity == "critical"
    assert alert.priority == 0
    assert alert.evidence["phq9_9"] == 2
    assert "risk" in alert.advice.lower()


def test_a_low_goals_line_suggests_revisiting_goals(clinic: SimpleNamespace) -> None:
    _rate(clinic.session, "ors", _ors(5))
    _rate(clinic.session, "srs", _srs(9.5, 6.0, 9.4, 9.0))
    alerts_refresh([clinic.episode])
    alert = Alert.objects.get(rule="low_alliance")
    assert alert.pathway == "immediate_repair"
    assert alert.advice_code == "renegotiate_goals"


def test_the_clinician_rating_far_above_the_client_raises_the_discrepancy_alert(
    clinic: SimpleNamespace,
) -> None:
    _rate(clinic.session, "srs", _srs(8, 8, 8, 8))
    _rate(
        clinic.session,
        "srs",
        _srs(10, 10, 10, 10),
        rater="clinician",
        rater_user=clinic.clinician,
        method="clinician",
    )
    alerts_refresh([clinic.episode])
    assert Alert.objects.filter(rule="rating_discrepancy").exists()


def test_a_client_falling_below_the_expected_path_is_not_on_track(clinic: SimpleNamespace) -> None:
    _rate(clinic.session, "ors", _ors(5))  # intake 20
    for number in range(2, 7):
        _rate(make_session(clinic.episode, number), "ors", _ors(3))  # falls to 12
    alerts_refresh([clinic.episode])
    off_track = Alert.objects.filter(rule="not_on_track")
    assert off_track.exists()
    assert off_track.first().evidence["score"] == pytest.approx(12)


def test_refreshing_twice_stores_each_alert_once_and_keeps_the_acknowledgement(
    clinic: SimpleNamespace,
) -> None:
    _rate(clinic.session, "srs", _srs(8, 8, 8, 8))
    alerts_refresh([clinic.episode])
    alert = Alert.objects.get(rule="low_alliance")
    alert_acknowledge(alert=alert, by=clinic.clinician, note="Discussed with the client")
    assert alerts_refresh([clinic.episode]) == 0
    alert.refresh_from_db()
    assert alert.acknowledgement_note == "Discussed with the client"
    assert Alert.objects.count() == 1


def test_refresh_takes_the_same_number_of_queries_for_1_and_12_episodes(
    clinic: SimpleNamespace,
) -> None:
    def episodes(n: int) -> list[Episode]:
        made = []
        for _ in range(n):
            episode = make_episode(clinic.team_a, clinic.clinician)
            _rate(make_session(episode, 1), "srs", _srs(8, 8, 8, 8))
            made.append(episode)
        return made

    few, many = episodes(1), episodes(12)
    # Loaded plainly, as a caller might: nothing related is cached on them.
    few = list(Episode.objects.filter(pk__in=[e.pk for e in few]))
    many = list(Episode.objects.filter(pk__in=[e.pk for e in many]))
    with CaptureQueriesContext(connection) as one:
        alerts_refresh(few)
    with CaptureQueriesContext(connection) as twelve:
        alerts_refresh(many)
    assert len(one) == len(twelve)


def test_an_alliance_drop_after_a_new_task_suggests_renegotiating_the_task(
    clinic: SimpleNamespace,
) -> None:
    from alliance.care.services import task_agree

    _rate(clinic.session, "srs", _srs(10, 10, 10, 10))
    task_agree(
        session=clinic.session, what="Keep a sleep diary", client_agreed=True, by=clinic.clinician
    )
    second = make_session(clinic.episode, 2)
    _rate(second, "srs", _srs(9.5, 9.5, 8.0, 9.5))
    alerts_refresh([clinic.episode])
    drop = Alert.objects.get(rule="alliance_drop")
    assert drop.advice_code == "renegotiate_task"
    assert drop.pathway == "immediate_repair"


def test_an_open_alert_that_no_longer_fires_is_withdrawn_but_an_acknowledged_one_stays(
    clinic: SimpleNamespace,
) -> None:
    from alliance.measures.models import Response
    from alliance.measures.services import response_correct

    _rate(clinic.session, "srs", _srs(8, 8, 8, 8))
    second = make_session(clinic.episode, 2)
    _rate(second, "srs", _srs(8, 8, 8, 8))
    alerts_refresh([clinic.episode])
    first_alert = Alert.objects.get(rule="low_alliance", session=clinic.session)
    alert_acknowledge(alert=first_alert, by=clinic.clinician, note="Talked it through")
    for session in (clinic.session, second):  # both were typed wrongly from paper
        response = Response.objects.get(session=session)
        response_correct(
            response=response,
            values=_srs(10, 10, 10, 10),
            corrected_by=clinic.clinician,
            reason="Typed from the wrong sheet",
        )
    alerts_refresh([clinic.episode])
    assert list(Alert.objects.values_list("session__number", flat=True)) == [1]


def test_a_stray_alliance_rating_on_a_missed_session_does_not_stop_the_alerts(
    clinic: SimpleNamespace,
) -> None:
    missed = make_session(clinic.episode, 2)
    _rate(missed, "srs", _srs(8, 8, 8, 8))
    missed.status = "no_show"
    missed.save(update_fields=["status"])
    _rate(clinic.session, "phq9", {**{f"phq9_{n}": 1 for n in range(1, 9)}, "phq9_9": 1})
    alerts_refresh([clinic.episode])
    assert Alert.objects.filter(rule="risk_answer").exists()


def test_the_site_can_set_the_alliance_cutoff(clinic: SimpleNamespace, settings: object) -> None:
    settings.ALLIANCE = {  # type: ignore[attr-defined]
        **settings.ALLIANCE,  # type: ignore[attr-defined]
        "ALERTS": {**settings.ALLIANCE["ALERTS"], "alliance_cutoff": 30.0},  # type: ignore[attr-defined]
    }
    _rate(clinic.session, "srs", _srs(9, 9, 9, 8.5))  # 35.5: a concern at 36, not at 30
    alerts_refresh([clinic.episode])
    assert not Alert.objects.filter(rule="low_alliance", severity="medium").exists()
