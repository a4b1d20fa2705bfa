"""The alert rules (alliance.science.signals), their input model (series) and repair advice.

Thresholds come from the sources named in the module: SRS cutoffs 36 / 9 and the one-point drop
(Miller & Duncan; OpenFIT), PHQ-9 item 9 above 0 (Simon et al. 2013; Louzon et al. 2016), ORS
reliable change 5 and PHQ-9 6 (Jacobson & Truax 1991; NHS Talking Therapies).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alliance.science.repair import ADVICE, aspect_of, lowest_item, repair_for
from alliance.science.signals import (
    RULES,
    SEVERITIES,
    Alert,
    EpisodeSeries,
    RiskAnswer,
    SessionPoint,
    SignalSettings,
    alliance_drop,
    evaluate,
    evaluate_many,
    ghosting_risk,
    low_alliance,
    no_outcome_measure,
    not_on_track,
    perfect_alliance_streak,
    rating_discrepancy,
    reliable_deterioration,
    risk_answer,
)

START = date(2025, 1, 6)


def visit(number: int, **fields: Any) -> SessionPoint:
    return SessionPoint(number, START + timedelta(weeks=number - 1), **fields)


def ors(*sessions: SessionPoint) -> EpisodeSeries:
    return EpisodeSeries("ors-episode", "ors", True, 25.0, 5.0, sessions)


def phq9(*sessions: SessionPoint) -> EpisodeSeries:
    return EpisodeSeries("phq9-episode", "phq9", False, 10.0, 6.0, sessions)


def srs(relationship: float, goals: float, approach: float, overall: float) -> dict[str, Any]:
    items = {"relationship": relationship, "goals": goals, "approach": approach, "overall": overall}
    return {"alliance": sum(items.values()), "alliance_items": items}


def sessions_of(alerts: list[Alert]) -> list[int]:
    return [alert.session for alert in alerts]


# --- not_on_track (Finch, Lambert & Schaalje 2001) ---------------------------------------------


def test_not_on_track_fires_when_an_ors_score_is_just_below_the_expected_boundary() -> None:
    [alert] = not_on_track(ors(visit(1, outcome=17.4, expected_boundary=17.5)))
    assert (alert.rule, alert.severity, alert.session) == ("not_on_track", "high", 1)
    assert alert.evidence["score"] == 17.4
    assert alert.evidence["expected_boundary"] == 17.5
    assert alert.advice.code == "review_progress"


def test_not_on_track_stays_quiet_on_the_boundary_itself() -> None:
    assert not_on_track(ors(visit(1, outcome=17.5, expected_boundary=17.5))) == []


def test_not_on_track_reads_a_higher_phq9_score_as_worse() -> None:
    worse = phq9(visit(1, outcome=15.0, expected_boundary=14.0))
    better = phq9(visit(1, outcome=13.0, expected_boundary=14.0))
    assert sessions_of(not_on_track(worse)) == [1]
    assert not_on_track(better) == []


def test_not_on_track_counts_the_consecutive_sessions_off_track() -> None:
    series = ors(
        visit(1, outcome=15.0, expected_boundary=16.0),
        visit(2, outcome=20.0, expected_boundary=17.0),
        visit(3, outcome=16.0, expected_boundary=18.0),
        visit(4, outcome=30.0),  # no boundary: neither counts nor breaks the run
        visit(5, outcome=17.0, expected_boundary=19.0),
    )
    counts = [(a.session, a.evidence["sessions_off_track"]) for a in not_on_track(series)]
    assert counts == [(1, 1), (3, 1), (5, 2)]


def test_not_on_track_needs_an_expected_boundary() -> None:
    assert not_on_track(ors(visit(1, outcome=2.0))) == []


# --- reliable_deterioration (Jacobson & Truax 1991) ---------------------------------------------


def test_reliable_deterioration_fires_at_exactly_the_reliable_change_value() -> None:
    [alert] = reliable_deterioration(ors(visit(1, outcome=20.3), visit(2, outcome=15.3)))
    assert alert.session == 2
    assert alert.evidence["worsening"] == pytest.approx(5.0)
    assert alert.evidence["first_score"] == 20.3
    assert alert.evidence["reliable_change"] == 5.0
    assert alert.evidence["in_clinical_range"] is True


def test_reliable_deterioration_stays_quiet_just_short_of_reliable_change() -> None:
    assert reliable_deterioration(ors(visit(1, outcome=20.0), visit(2, outcome=15.1))) == []


def test_reliable_deterioration_reads_a_rise_in_phq9_as_worse() -> None:
    worse = phq9(visit(1, outcome=4.0), visit(2, outcome=10.0))
    better = phq9(visit(1, outcome=16.0), visit(2, outcome=4.0))
    [alert] = reliable_deterioration(worse)
    assert alert.evidence["worsening"] == 6.0
    assert alert.evidence["in_clinical_range"] is True  # PHQ-9 caseness is 10 or above
    assert reliable_deterioration(better) == []


def test_reliable_deterioration_compares_with_the_first_measured_session() -> None:
    series = ors(visit(1), visit(2, outcome=30.0), visit(3, outcome=26.0), visit(4, outcome=24.0))
    [alert] = reliable_deterioration(series)
    assert (alert.session, alert.evidence["first_session"]) == (4, 2)
    assert alert.evidence["in_clinical_range"] is True


def test_reliable_deterioration_is_off_without_a_reliable_change_value() -> None:
    series = EpisodeSeries(
        "e", "ors", True, None, None, (visit(1, outcome=30.0), visit(2, outcome=5.0))
    )
    assert reliable_deterioration(series) == []


# --- low_alliance (SRS cutoffs 36 and 9) --------------------------------------------------------


def test_low_alliance_fires_at_a_total_of_exactly_36() -> None:
    [alert] = low_alliance(ors(visit(1, **srs(9.0, 9.0, 9.0, 9.0))))
    assert (alert.severity, alert.evidence["alliance"]) == ("medium", 36.0)
    assert alert.evidence["items_below_cutoff"] == ""


def test_low_alliance_counts_a_total_of_36_summed_in_floating_point_as_36() -> None:
    total = 8.8 + 9.9 + 9.6 + 7.7  # 36.00000000000001 when a scorer adds left to right
    [alert] = low_alliance(ors(visit(1, alliance=total, alliance_items={"goals": 7.7})))
    assert alert.severity == "medium"


def test_low_alliance_stays_quiet_just_above_36_with_every_item_at_9_or_more() -> None:
    assert low_alliance(ors(visit(1, **srs(9.1, 9.1, 9.1, 9.1)))) == []


def test_low_alliance_fires_for_an_item_just_below_9_even_with_a_high_total() -> None:
    [alert] = low_alliance(ors(visit(1, **srs(10.0, 10.0, 8.9, 10.0))))
    assert alert.severity == "low"
    assert alert.evidence["items_below_cutoff"] == "approach"
    assert alert.evidence["item_approach"] == 8.9


def test_low_alliance_works_from_the_total_alone() -> None:
    [alert] = low_alliance(ors(visit(1, alliance=30.0)))
    assert (alert.advice.code, alert.pathway) == ("invite_feedback", "alliance_building")


@pytest.mark.parametrize(
    ("items", "new_task", "advice", "pathway"),
    [
        ((7.0, 9.5, 9.5, 9.5), False, "metacommunicate", "expressive_repair"),
        ((9.5, 7.0, 9.5, 9.5), False, "renegotiate_goals", "immediate_repair"),
        ((9.5, 9.5, 7.0, 9.5), True, "renegotiate_task", "immediate_repair"),
        ((9.5, 9.5, 7.0, 9.5), False, "give_rationale", "alliance_building"),
        ((9.5, 9.5, 9.5, 7.0), False, "invite_feedback", "alliance_building"),
    ],
)
def test_low_alliance_picks_the_repair_pathway_from_the_lowest_item(
    items: tuple[float, float, float, float], new_task: bool, advice: str, pathway: str
) -> None:
    [alert] = low_alliance(ors(visit(1, new_task=new_task, **srs(*items))))
    assert (alert.advice.code, alert.pathway) == (advice, pathway)


def test_low_alliance_gives_a_tie_to_the_relationship() -> None:
    [alert] = low_alliance(ors(visit(1, **srs(8.0, 8.0, 8.0, 8.0))))
    assert alert.evidence["lowest_item"] == "relationship"
    assert alert.pathway == "expressive_repair"


def test_low_alliance_reads_child_srs_item_codes() -> None:
    items = {"csrs_listened": 9.5, "csrs_how_important": 6.0, "csrs_what_we_did": 9.0}
    [alert] = low_alliance(ors(visit(1, alliance=24.5, alliance_items=items)))
    assert alert.advice.code == "renegotiate_goals"


# --- alliance_drop (OpenFIT: down a point or more from last session) -----------------------------


def test_alliance_drop_fires_at_exactly_one_point_despite_rounding_error() -> None:
    # 16.4 - 15.4 is 0.99999999999999 in floating point: a one-point drop all the same.
    [alert] = alliance_drop(ors(visit(1, alliance=16.4), visit(2, alliance=15.4)))
    assert alert.session == 2
    assert alert.evidence["drop"] == pytest.approx(1.0)
    assert alert.evidence["previous_session"] == 1


def test_alliance_drop_stays_quiet_for_a_fall_under_one_point() -> None:
    assert alliance_drop(ors(visit(1, alliance=38.0), visit(2, alliance=37.1))) == []


def test_alliance_drop_stays_quiet_when_the_alliance_rises() -> None:
    assert alliance_drop(ors(visit(1, alliance=30.0), visit(2, alliance=39.0))) == []


def test_alliance_drop_after_a_new_task_advises_renegotiating_the_task() -> None:
    series = ors(visit(1, alliance=39.0, new_task=True), visit(2, alliance=37.0))
    [alert] = alliance_drop(series)
    assert (alert.advice.code, alert.pathway) == ("renegotiate_task", "immediate_repair")
    assert alert.evidence["new_task_previous_session"] is True


def test_alliance_drop_without_a_task_follows_the_item_that_fell_most() -> None:
    series = ors(visit(1, **srs(10.0, 10.0, 10.0, 10.0)), visit(2, **srs(8.5, 9.8, 10.0, 9.9)))
    [alert] = alliance_drop(series)
    assert alert.evidence["largest_item_fall"] == "relationship"
    assert alert.pathway == "expressive_repair"


def test_alliance_drop_compares_with_the_previous_rated_session() -> None:
    series = ors(
        visit(1, alliance=39.0), visit(2, status="no_show"), visit(3), visit(4, alliance=38.0)
    )
    [alert] = alliance_drop(series)
    assert (alert.session, alert.evidence["previous_session"]) == (4, 1)


# --- rating_discrepancy (pseudo-alliance / misempathy) ------------------------------------------


def test_rating_discrepancy_fires_when_the_clinician_rates_four_points_higher() -> None:
    [alert] = rating_discrepancy(ors(visit(1, alliance=35.5, clinician_alliance=39.5)))
    assert alert.evidence["gap"] == 4.0
    assert (alert.advice.code, alert.pathway) == ("check_pseudo_alliance", "expressive_repair")


def test_rating_discrepancy_stays_quiet_for_a_smaller_gap() -> None:
    assert rating_discrepancy(ors(visit(1, alliance=35.6, clinician_alliance=39.5))) == []


def test_rating_discrepancy_stays_quiet_when_the_client_rates_higher() -> None:
    assert rating_discrepancy(ors(visit(1, alliance=40.0, clinician_alliance=30.0))) == []


# --- perfect_alliance_streak --------------------------------------------------------------------


def test_perfect_alliance_streak_fires_at_the_third_perfect_score_in_a_row() -> None:
    series = ors(*(visit(n, alliance=40.0) for n in (1, 2, 3, 4)))
    alerts = perfect_alliance_streak(series)
    assert [(a.session, a.evidence["streak"]) for a in alerts] == [(3, 3), (4, 4)]
    assert alerts[0].severity == "low"
    assert alerts[0].advice.code == "invite_honest_feedback"


def test_perfect_alliance_streak_stays_quiet_after_two() -> None:
    assert perfect_alliance_streak(ors(visit(1, alliance=40.0), visit(2, alliance=40.0))) == []


def test_perfect_alliance_streak_is_broken_by_a_score_below_forty() -> None:
    scores = (40.0, 40.0, 39.9, 40.0, 40.0)
    assert (
        perfect_alliance_streak(ors(*(visit(n, alliance=s) for n, s in enumerate(scores, 1)))) == []
    )


def test_perfect_alliance_streak_is_not_broken_by_a_missed_session() -> None:
    series = ors(
        visit(1, alliance=40.0),
        visit(2, status="no_show"),
        visit(3, alliance=40.0),
        visit(4, alliance=40.0),
    )
    [alert] = perfect_alliance_streak(series)
    assert (alert.session, alert.evidence["streak_start"]) == (4, 1)


# --- risk_answer (Simon et al. 2013; Louzon et al. 2016) ----------------------------------------


def test_risk_answer_fires_critically_for_phq9_item_9_answered_1() -> None:
    point = visit(2, outcome=14.0, risk_answers=(RiskAnswer("phq9_9", 1.0),))
    [alert] = risk_answer(phq9(point))
    assert (alert.severity, alert.session) == ("critical", 2)
    assert alert.evidence["phq9_9"] == 1.0
    assert alert.evidence["date"] == point.date.isoformat()
    assert alert.advice.code == "assess_risk_today"


def test_risk_answer_raises_no_alert_for_an_answer_of_0() -> None:
    # No alert is not the same as safe: the docstring and docs say so; nothing here returns "safe".
    assert risk_answer(phq9(visit(1, risk_answers=(RiskAnswer("phq9_9", 0.0),)))) == []


def test_risk_answer_respects_each_items_own_threshold() -> None:
    answers = (RiskAnswer("a", 1.0, threshold=1.0), RiskAnswer("b", 2.0, threshold=1.0))
    [alert] = risk_answer(phq9(visit(1, risk_answers=answers)))
    assert "a" not in alert.evidence
    assert (alert.evidence["b"], alert.evidence["b_threshold"]) == (2.0, 1.0)


def test_risk_answer_is_first_in_the_evaluation() -> None:
    series = phq9(
        visit(1, outcome=20.0, alliance=20.0, risk_answers=(RiskAnswer("phq9_9", 3.0),)),
        visit(2, outcome=27.0, alliance=30.0),
    )
    assert evaluate(series)[0].rule == "risk_answer"


# --- ghosting_risk ------------------------------------------------------------------------------


def test_ghosting_risk_fires_for_a_no_show_after_an_alliance_of_36() -> None:
    [alert] = ghosting_risk(ors(visit(1, alliance=36.0), visit(2, status="no_show")))
    assert alert.session == 2
    assert alert.evidence["last_alliance"] == 36.0
    assert (alert.advice.code, alert.pathway) == ("reach_out", "alliance_building")


def test_ghosting_risk_stays_quiet_after_a_steady_alliance_above_the_cutoff() -> None:
    series = ors(visit(1, alliance=36.1), visit(2, alliance=36.1), visit(3, status="no_show"))
    assert ghosting_risk(series) == []


def test_ghosting_risk_fires_for_a_cancellation_after_a_falling_alliance() -> None:
    series = ors(visit(1, alliance=39.5), visit(2, alliance=38.5), visit(3, status="cancelled"))
    [alert] = ghosting_risk(series)
    assert alert.evidence["drop"] == 1.0
    quiet = SignalSettings(count_cancellations=False)
    assert ghosting_risk(series, quiet) == []


def test_ghosting_risk_needs_an_alliance_score_before_the_missed_session() -> None:
    assert ghosting_risk(ors(visit(1), visit(2, status="no_show"))) == []


# --- no_outcome_measure -------------------------------------------------------------------------


def test_no_outcome_measure_fires_at_the_third_attended_session_without_one() -> None:
    series = ors(visit(1), visit(2, status="no_show"), visit(3), visit(4))
    [alert] = no_outcome_measure(series)
    assert (alert.session, alert.evidence["sessions_without_outcome"]) == (4, 3)
    assert alert.evidence["first_session_without_outcome"] == 1


def test_no_outcome_measure_stays_quiet_after_two() -> None:
    assert no_outcome_measure(ors(visit(1, outcome=20.0), visit(2), visit(3))) == []


# --- evaluate and alerts ------------------------------------------------------------------------


def test_evaluate_orders_by_severity_then_latest_session() -> None:
    series = ors(
        visit(1, outcome=20.0, alliance=35.0),
        visit(2, outcome=14.0, alliance=30.0, expected_boundary=18.0),
    )
    alerts = evaluate(series)
    assert [(a.rule, a.session) for a in alerts] == [
        ("not_on_track", 2),
        ("reliable_deterioration", 2),
        ("low_alliance", 2),
        ("alliance_drop", 2),
        ("low_alliance", 1),
    ]


def test_evaluate_many_keys_alerts_by_episode() -> None:
    result = evaluate_many([ors(visit(1, alliance=30.0)), phq9(visit(1, outcome=5.0))])
    assert {k: sessions_of(v) for k, v in result.items()} == {
        "ors-episode": [1],
        "phq9-episode": [],
    }


def test_an_alert_is_frozen_and_its_record_is_plain_json() -> None:
    [alert] = low_alliance(ors(visit(1, **srs(9.0, 8.0, 9.0, 9.0))))
    with pytest.raises(dataclasses.FrozenInstanceError):
        alert.session = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        alert.evidence["alliance"] = 40.0  # type: ignore[index]
    record = json.loads(json.dumps(alert.as_record()))
    assert record["evidence"]["item_goals"] == 8.0
    assert record["advice_code"] == "renegotiate_goals"


def test_every_rule_has_advice_in_the_catalogue_and_runs_in_evaluate() -> None:
    assert len({rule.__name__ for rule in RULES}) == 9
    assert all(advice.code == code and advice.text for code, advice in ADVICE.items())


def test_repair_helpers_map_codes_and_break_ties_by_the_bond() -> None:
    assert aspect_of("SRS_Approach_Method") == "approach"
    assert lowest_item({}) is None
    assert repair_for(None)[0].code == "invite_feedback"


# --- refusing bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: ors(visit(2), visit(2)), "sessions[1].number"),
        (lambda: ors(visit(3), visit(2)), "sessions[1].number"),
        (lambda: ors(visit(1), SessionPoint(2, START - timedelta(days=1))), "sessions[1].date"),
        (lambda: ors(visit(1, alliance=40.1)), "sessions[0].alliance"),
        (lambda: ors(visit(1, clinician_alliance=41.0)), "sessions[0].clinician_alliance"),
        (lambda: ors(visit(1, alliance_items={"goals": 10.5})), "alliance_items['goals']"),
        (lambda: visit(1, alliance=-0.1), "alliance"),
        (lambda: visit(1, outcome=float("nan")), "outcome"),
        (lambda: visit(1, status="late"), "status"),
        (lambda: visit(0), "number"),
        (lambda: SessionPoint(True, START), "number"),
        (lambda: visit(1, status="no_show", alliance=30.0), "alliance"),
        (lambda: visit(1, status="cancelled", new_task=True), "new_task"),
        (lambda: RiskAnswer("phq9_9", float("inf")), "value"),
        (lambda: EpisodeSeries("e", "ors", True, 25.0, 0.0, ()), "reliable_change"),
        (lambda: EpisodeSeries("e", "ors", "yes", 25.0, 5.0, ()), "higher_is_better"),  # type: ignore[arg-type]
        (lambda: SignalSettings(alliance_drop=0.0), "alliance_drop"),
        (lambda: SignalSettings(perfect_streak=0), "perfect_streak"),
        (lambda: SignalSettings(alliance_cutoff=-1.0), "alliance_cutoff"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(build: Any, field: str) -> None:
    with pytest.raises(ValueError, match=field.replace("[", r"\[").replace("]", r"\]")):
        build()


def test_it_refuses_an_alliance_total_above_forty_with_the_allowed_range() -> None:
    with pytest.raises(ValueError, match="between 0 and 40"):
        ors(visit(1, alliance=41.0))


# --- properties (hypothesis) --------------------------------------------------------------------

tenths = st.integers(0, 100).map(lambda n: n / 10)


@st.composite
def attended_fields(draw: st.DrawFn) -> dict[str, Any]:
    fields: dict[str, Any] = {"new_task": draw(st.booleans())}
    if draw(st.booleans()):
        fields.update(srs(*(draw(tenths) for _ in range(4))))
    elif draw(st.booleans()):
        fields["alliance"] = draw(st.integers(0, 400)) / 10
    if "alliance" in fields and draw(st.booleans()):
        fields["clinician_alliance"] = draw(st.integers(0, 400)) / 10
    return fields


@st.composite
def session_points(draw: st.DrawFn, number: int) -> SessionPoint:
    status = draw(st.sampled_from(["attended", "attended", "attended", "cancelled", "no_show"]))
    fields = draw(attended_fields()) if status == "attended" else {}
    if draw(st.booleans()):
        fields["outcome"] = draw(st.integers(0, 400)) / 10
        if draw(st.booleans()):
            fields["expected_boundary"] = draw(st.integers(0, 400)) / 10
    if draw(st.booleans()):
        fields["risk_answers"] = (RiskAnswer("phq9_9", draw(st.integers(0, 3))),)
    return visit(number, status=status, **fields)


@st.composite
def episodes(draw: st.DrawFn) -> EpisodeSeries:
    numbers = sorted(draw(st.sets(st.integers(1, 40), max_size=14)))
    points = tuple(draw(session_points(n)) for n in numbers)
    higher_is_better = draw(st.booleans())
    return EpisodeSeries(
        "e", "ors" if higher_is_better else "phq9", higher_is_better, 20.0, 5.0, points
    )


@given(episodes())
def test_no_alert_refers_to_a_session_not_in_the_series(series: EpisodeSeries) -> None:
    numbers = {point.number for point in series.sessions}
    assert {alert.session for alert in evaluate(series)} <= numbers


@given(episodes(), st.data())
def test_no_rule_looks_ahead_at_later_sessions(series: EpisodeSeries, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(series.sessions)))
    prefix = dataclasses.replace(series, sessions=series.sessions[:cut])
    last = prefix.sessions[-1].number if prefix.sessions else 0
    assert evaluate(prefix) == [alert for alert in evaluate(series) if alert.session <= last]


@given(episodes(), st.booleans())
def test_a_perfectly_rated_new_session_never_gets_a_low_alliance_alert(
    series: EpisodeSeries, with_items: bool
) -> None:
    after = series.sessions[-1].number + 1 if series.sessions else 1
    rating = srs(10.0, 10.0, 10.0, 10.0) if with_items else {"alliance": 40.0}
    longer = dataclasses.replace(series, sessions=(*series.sessions, visit(after, **rating)))
    assert after not in sessions_of(low_alliance(longer))


@given(episodes())
def test_evaluate_is_ordered_by_severity(series: EpisodeSeries) -> None:
    ranks = [SEVERITIES.index(alert.severity) for alert in evaluate(series)]
    assert ranks == sorted(ranks)


@given(episodes())
def test_every_alert_explains_itself_in_plain_json(series: EpisodeSeries) -> None:
    for alert in evaluate(series):
        assert alert.evidence["session"] == alert.session
        assert alert.advice == ADVICE[alert.advice.code]
        json.dumps(alert.as_record())


@given(episodes())
def test_outcome_rules_mirror_when_the_direction_flips(series: EpisodeSeries) -> None:
    def mirrored(point: SessionPoint) -> SessionPoint:
        flip = {
            f: -getattr(point, f)
            for f in ("outcome", "expected_boundary")
            if getattr(point, f) is not None
        }
        return dataclasses.replace(point, **flip)

    mirror = dataclasses.replace(
        series,
        higher_is_better=not series.higher_is_better,
        sessions=tuple(mirrored(point) for point in series.sessions),
    )
    for rule in (not_on_track, reliable_deterioration):
        assert sessions_of(rule(mirror)) == sessions_of(rule(series))


@given(episodes())
def test_every_risk_answer_above_zero_gets_a_critical_alert(series: EpisodeSeries) -> None:
    raised = {p.number for p in series.sessions if any(r.value > 0 for r in p.risk_answers)}
    critical = {a.session for a in evaluate(series) if a.severity == "critical"}
    assert critical == raised


@pytest.mark.parametrize(
    ("subscale", "pathway"),
    [("bond", "expressive_repair"), ("goal", "immediate_repair"), ("task", "alliance_building")],
)
def test_low_alliance_fires_for_a_subscale_below_its_cutoff_and_follows_its_aspect(
    subscale: str, pathway: str
) -> None:
    scores = {"bond": 16.0, "goal": 16.0, "task": 16.0, subscale: 9.0}
    point = SessionPoint(1, date(2025, 1, 6), alliance=41.0, alliance_subscales=scores)
    series = EpisodeSeries(
        "e1",
        "ors",
        True,
        25.0,
        5.0,
        (point,),
        alliance_max=60.0,
        alliance_item_max=5.0,
        alliance_measure="wai_sr",
        alliance_subscale_cutoffs={subscale: 10.0},
    )
    [alert] = low_alliance(series)
    assert (alert.severity, alert.evidence["subscales_below_cutoff"]) == ("low", subscale)
    assert alert.pathway == pathway
    at_cutoff = dataclasses.replace(point, alliance_subscales={**scores, subscale: 10.0})
    assert low_alliance(dataclasses.replace(series, sessions=(at_cutoff,))) == []
