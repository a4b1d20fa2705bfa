"""Alerts in plain words: every rule has a short name and a reason built from its own evidence,
and the translated advice says what the science core's advice says."""

import datetime as dt

import pytest
from django.utils import translation

from alliance.clinic import explain
from alliance.feedback.models import Alert
from alliance.science import signals
from alliance.science.repair import ADVICE
from alliance.science.series import EpisodeSeries, RiskAnswer, SessionPoint


def _day(n: int) -> dt.date:
    return dt.date(2026, 1, 5) + dt.timedelta(weeks=n - 1)


def _series_firing_every_rule() -> EpisodeSeries:
    """One made-up episode in which each of the nine rules fires at least once."""
    items = {
        "relationship": 8.0,
        "goals_and_topics": 7.0,
        "approach_or_method": 9.5,
        "overall": 9.0,
    }
    points = [
        SessionPoint(1, _day(1), outcome=20.0, alliance=38.0, new_task=True),
        SessionPoint(
            2,
            _day(2),
            outcome=12.0,
            alliance=33.5,
            alliance_items=items,
            clinician_alliance=39.0,
            expected_boundary=18.0,
            risk_answers=(RiskAnswer("phq9_9", 2.0),),
        ),
        SessionPoint(3, _day(3), status="no_show"),
        SessionPoint(4, _day(4), alliance=40.0),
        SessionPoint(5, _day(5), alliance=40.0),
        SessionPoint(6, _day(6), alliance=40.0),
    ]
    return EpisodeSeries("e1", "ors", True, 25.0, 5.0, tuple(points))


def _stored(found: signals.Alert) -> Alert:
    record = found.as_record()
    return Alert(
        rule=found.rule,
        severity=found.severity,
        evidence=record["evidence"],
        advice_code=found.advice.code,
        advice=found.advice.text,
        pathway=found.pathway or "",
    )


FIRED = [_stored(alert) for alert in signals.evaluate(_series_firing_every_rule())]


def test_the_made_up_episode_fires_every_rule() -> None:
    assert {alert.rule for alert in FIRED} == {rule.__name__ for rule in signals.RULES}


def test_every_rule_has_a_short_name() -> None:
    assert set(explain.RULE_NAMES) == {rule.__name__ for rule in signals.RULES}


def test_the_translated_advice_says_what_the_science_core_says_in_english() -> None:
    assert set(explain.ADVICE_TEXTS) == set(ADVICE)
    with translation.override("en"):
        for code, advice in ADVICE.items():
            assert str(explain.ADVICE_TEXTS[code]) == advice.text, code


@pytest.mark.parametrize("alert", FIRED, ids=lambda a: f"{a.rule}-{a.evidence['session']}")
def test_every_reason_is_a_sentence_with_the_numbers_that_triggered_the_alert(alert: Alert) -> None:
    with translation.override("en"):
        reason = explain.alert_reason(alert)
    assert reason.endswith(".")
    assert "_" not in reason  # no evidence keys leak into the sentence
    assert any(character.isdigit() for character in reason)


def test_reasons_name_the_items_and_their_values() -> None:
    low = next(a for a in FIRED if a.rule == "low_alliance" and a.evidence["session"] == 2)
    risk = next(a for a in FIRED if a.rule == "risk_answer")
    with translation.override("en"):
        assert "Goals and topics 7.0" in explain.alert_reason(low)
        assert "Relationship 8.0" in explain.alert_reason(low)
        assert "“Thoughts of death or self-harm” answered 2" in explain.alert_reason(risk)


def test_the_not_on_track_reason_gives_the_score_and_the_edge_of_the_band() -> None:
    off = next(a for a in FIRED if a.rule == "not_on_track")
    with translation.override("en"):
        assert explain.alert_reason(off).startswith(
            "Score 12.0 is below the expected range (its lower edge is 18.0)."
        )


def test_scores_are_written_the_way_the_users_language_writes_them() -> None:
    with translation.override("nl"):
        assert explain.number(18.5) == "18,5"
    with translation.override("en"):
        assert explain.number(18.5) == "18.5"


def test_an_unknown_advice_code_falls_back_to_the_stored_text() -> None:
    alert = Alert(rule="low_alliance", advice_code="new_advice", advice="Stored text.")
    assert explain.advice_text(alert) == "Stored text."
