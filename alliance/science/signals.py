"""Alert rules: small pure functions over one episode's series of sessions.

Each rule reads an :class:`EpisodeSeries` and returns zero or more :class:`Alert`. Rules judge every
session in turn using only that session and the ones before it, never later ones: the alerts for
session *k* are exactly those that would have been raised the day session *k* was recorded. So the
shell can store alerts keyed by ``(episode, rule, session)``, re-run :func:`evaluate` after any
change or import, and get the same answer as live entry.

Sources of every default are given in :class:`SignalSettings` and in each rule's docstring; the
clinical background is in ``DOMAIN.md`` ("Ruptures and their repair"). The settings and the alert
live in :mod:`alliance.science.signal_base`, the alliance rules in
:mod:`alliance.science.alliance_signals`; every public name is exported here too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Literal

from alliance.science.alliance_signals import (
    alliance_drop,
    ghosting_risk,
    low_alliance,
    perfect_alliance_streak,
    rating_discrepancy,
)
from alliance.science.repair import ADVICE
from alliance.science.series import EpisodeSeries, RiskAnswer, SessionPoint
from alliance.science.signal_base import (
    _TOLERANCE,
    DEFAULT_SETTINGS,
    SEVERITIES,
    Alert,
    EvidenceValue,
    SignalSettings,
    _alert,
    _measured,
    _rated,
    _worsening,
)

__all__ = [
    "CASELOAD_ORDER",
    "DEFAULT_SETTINGS",
    "RULES",
    "SEVERITIES",
    "Alert",
    "AlertState",
    "EpisodeSeries",
    "RiskAnswer",
    "SessionPoint",
    "SignalSettings",
    "alert_states",
    "alliance_drop",
    "caseload_priority",
    "evaluate",
    "evaluate_many",
    "ghosting_risk",
    "judged_sessions",
    "low_alliance",
    "no_outcome_measure",
    "not_on_track",
    "perfect_alliance_streak",
    "rating_discrepancy",
    "reliable_deterioration",
    "risk_answer",
]


def not_on_track(series: EpisodeSeries, settings: SignalSettings = DEFAULT_SETTINGS) -> list[Alert]:
    """Outcome worse than the expected band at a session: the client is not on track.

    Fires at each session whose outcome is strictly on the worse side of ``expected_boundary``:
    ``score < boundary`` when higher is better (ORS), ``score > boundary`` when lower is better
    (PHQ-9). Evidence counts the consecutive measured sessions off track so far; sessions without
    an outcome or a boundary neither count nor break the run. Severity high. Each other outcome
    measure with its own expected band (:attr:`MeasureSeries.boundaries`: a PHQ-9 or GAD-7
    beside the ORS) is judged the same way; those alerts carry its code in ``measure``.

    Source: Finch AE, Lambert MJ, Schaalje BG (2001). Psychotherapy quality control: the
    statistical generation of expected recovery curves for integration into an early warning
    system. Clinical Psychology & Psychotherapy, 8(4), 231-242 (falling outside the tolerance
    interval triggers the warning); OpenFIT colours: below the boundary is red [secondary].

    Examples
    --------
    >>> from datetime import date
    >>> s = SessionPoint(2, date(2025, 1, 8), outcome=14.0, expected_boundary=17.5)
    >>> series = EpisodeSeries("e1", "ors", True, 25.0, 5.0, (s,))
    >>> [(a.rule, a.evidence["sessions_off_track"]) for a in not_on_track(series)]
    [('not_on_track', 1)]
    """
    alerts, run = [], 0
    for point, score in _measured(series):
        if point.expected_boundary is None:
            continue
        below = _worsening(series, point.expected_boundary, score) > _TOLERANCE
        run = run + 1 if below else 0
        if below:
            evidence = {
                "score": score,
                "expected_boundary": point.expected_boundary,
                "higher_is_better": series.higher_is_better,
                "sessions_off_track": run,
            }
            advice = ADVICE["review_progress"]
            alerts.append(_alert("not_on_track", "high", point, evidence, advice))
    return alerts + _other_measures_off_track(series)


def _other_measures_off_track(series: EpisodeSeries) -> list[Alert]:
    """:func:`not_on_track` for each other outcome measure with its own expected band (a PHQ-9
    or GAD-7 beside the ORS); those alerts carry its code in ``measure``."""
    alerts = []
    points = {point.number: point for point in series.sessions}
    for other in series.measures:
        run = 0
        for session, score in other.scores:
            edge, point = other.boundaries.get(session), points.get(session)
            if edge is None or point is None:
                continue
            worse = (edge - score) if other.higher_is_better else (score - edge)
            run = run + 1 if worse > _TOLERANCE else 0
            if worse > _TOLERANCE:
                evidence: dict[str, EvidenceValue] = {
                    "measure": other.measure,
                    "score": score,
                    "expected_boundary": edge,
                    "higher_is_better": other.higher_is_better,
                    "sessions_off_track": run,
                }
                alert = _alert("not_on_track", "high", point, evidence, ADVICE["review_progress"])
                alerts.append(replace(alert, measure=other.measure))
    return alerts


def _in_clinical_range(series: EpisodeSeries, score: float) -> bool | None:
    # The measures' own conventions: ORS clinical below 25; PHQ-9 caseness at 10 or above.
    if series.cutoff is None:
        return None
    return score < series.cutoff if series.higher_is_better else score >= series.cutoff


def reliable_deterioration(
    series: EpisodeSeries, settings: SignalSettings = DEFAULT_SETTINGS
) -> list[Alert]:
    """Outcome worse than at the first measured session by at least the reliable change value.

    ``worsening = first - score`` when higher is better, ``score - first`` when lower is better;
    fires when ``worsening >= reliable_change``. Evidence also says whether the score is now in the
    clinical range (below the cutoff when higher is better; at or above it when lower is better).
    Severity high. Off when the series has no ``reliable_change``. Each of the episode's other
    outcome measures (:attr:`EpisodeSeries.measures`: a PHQ-9 or GAD-7 beside the ORS) is
    judged the same way with its own reliable-change value; those alerts carry its code in
    ``measure``.

    Source: Jacobson NS, Truax P (1991). Clinical significance: a statistical approach to defining
    meaningful change in psychotherapy research. Journal of Consulting and Clinical Psychology,
    59(1), 12-19. The value comes from the instrument file (ORS 5; PHQ-9 6 in NHS Talking
    Therapies).

    Examples
    --------
    >>> from datetime import date
    >>> first = SessionPoint(1, date(2025, 1, 1), outcome=8.0)
    >>> later = SessionPoint(2, date(2025, 1, 8), outcome=14.0)
    >>> series = EpisodeSeries("e1", "phq9", False, 10.0, 6.0, (first, later))
    >>> [(a.session, a.evidence["worsening"]) for a in reliable_deterioration(series)]
    [(2, 6.0)]
    """
    measured = _measured(series)
    if series.reliable_change is None or len(measured) < 2:
        return _other_measures_deterioration(series)
    (first, first_score), alerts = measured[0], []
    for point, score in measured[1:]:
        worsening = _worsening(series, first_score, score)
        if worsening >= series.reliable_change - _TOLERANCE:
            evidence = {
                "first_score": first_score,
                "first_session": first.number,
                "score": score,
                "worsening": worsening,
                "reliable_change": series.reliable_change,
                "cutoff": series.cutoff,
                "in_clinical_range": _in_clinical_range(series, score),
            }
            advice = ADVICE["review_deterioration"]
            alerts.append(_alert("reliable_deterioration", "high", point, evidence, advice))
    return alerts + _other_measures_deterioration(series)


def _other_measures_deterioration(series: EpisodeSeries) -> list[Alert]:
    """:func:`reliable_deterioration` for each of the episode's other outcome measures (PHQ-9,
    GAD-7 beside the ORS), from each measure's own reliable-change value."""
    alerts = []
    dates = {point.number: point for point in series.sessions}
    for other in series.measures:
        if other.reliable_change is None or len(other.scores) < 2:
            continue
        (first_session, first_score) = other.scores[0]
        for session, score in other.scores[1:]:
            point = dates.get(session)
            worsening = first_score - score if other.higher_is_better else score - first_score
            if point is None or worsening < other.reliable_change - _TOLERANCE:
                continue
            evidence: dict[str, EvidenceValue] = {
                "measure": other.measure,
                "first_score": first_score,
                "first_session": first_session,
                "score": score,
                "worsening": worsening,
                "reliable_change": other.reliable_change,
                "cutoff": other.cutoff,
                "in_clinical_range": None
                if other.cutoff is None
                else (score < other.cutoff if other.higher_is_better else score >= other.cutoff),
            }
            advice = ADVICE["review_deterioration"]
            alert = _alert("reliable_deterioration", "high", point, evidence, advice)
            alerts.append(replace(alert, measure=other.measure))
    return alerts


def risk_answer(series: EpisodeSeries, settings: SignalSettings = DEFAULT_SETTINGS) -> list[Alert]:
    """A risk item answered above its threshold (PHQ-9 item 9 above 0): critical, same day.

    One alert per session, with every raised item's value and threshold in the evidence. An answer
    of 0 raises no alert but never means the client is safe: most people who die by suicide
    answered 0 (71.6% of suicides in Louzon et al. 2016), so nothing may treat a 0 as "safe".

    Sources: Simon GE, Rutter CM, Peterson D, Oliver M, Whiteside U, Operskalski B, Ludman EJ
    (2013). Does response on the PHQ-9 Depression Questionnaire predict subsequent suicide attempt
    or suicide death? Psychiatric Services, 64(12), 1195-1202 (one-year attempt risk .4% after
    "not at all", 4% after "nearly every day"). Louzon SA, Bossarte R, McCarthy JF, Katz IR (2016).
    Does suicidal ideation as measured by the PHQ-9 predict suicide among VA patients? Psychiatric
    Services, 67(5), 517-522.

    Examples
    --------
    >>> from datetime import date
    >>> item9 = RiskAnswer("phq9_9", 1.0)
    >>> s = SessionPoint(1, date(2025, 1, 1), outcome=12.0, risk_answers=(item9,))
    >>> [alert] = risk_answer(EpisodeSeries("e1", "phq9", False, 10.0, 6.0, (s,)))
    >>> alert.severity, alert.evidence["phq9_9"], alert.advice.code
    ('critical', 1.0, 'assess_risk_today')
    """
    alerts = []
    for point in series.sessions:
        raised = [answer for answer in point.risk_answers if answer.value > answer.threshold]
        if not raised:
            continue
        evidence: dict[str, EvidenceValue] = {"date": point.date.isoformat()}
        for answer in raised:
            evidence[answer.item] = answer.value
            evidence[f"{answer.item}_threshold"] = answer.threshold
        advice = ADVICE["assess_risk_today"]
        alerts.append(_alert("risk_answer", "critical", point, evidence, advice))
    return alerts


def no_outcome_measure(
    series: EpisodeSeries, settings: SignalSettings = DEFAULT_SETTINGS
) -> list[Alert]:
    """No outcome measure in ``missing_outcome_streak`` attended sessions in a row (default 3).

    Fires at each attended session that completes such a run; missed sessions neither count nor
    break it. Without the outcome measure the chart cannot show whether the client is on track.
    Severity low; no repair pathway.

    Source: feedback-informed treatment takes the outcome measure at the start of every session
    (Miller SD, Duncan BL, Brown J, Sorrell R, Chalk MB (2006). Using formal client feedback to
    improve retention and outcome: making ongoing, real-time assessment feasible. Journal of Brief
    Therapy, 5(1), 5-22); the default 3 is our choice.

    Examples
    --------
    >>> from datetime import date
    >>> sessions = [SessionPoint(n, date(2025, 1, n)) for n in (1, 2, 3)]
    >>> series = EpisodeSeries("e1", "ors", True, 25.0, 5.0, sessions)
    >>> [a.session for a in no_outcome_measure(series)]
    [3]
    """
    alerts, run, start = [], 0, 0
    for point in series.sessions:
        if point.status != "attended":
            continue
        run, start = (run + 1, start if run else point.number) if point.outcome is None else (0, 0)
        if run >= settings.missing_outcome_streak:
            evidence = {"sessions_without_outcome": run, "first_session_without_outcome": start}
            advice = ADVICE["record_outcome"]
            alerts.append(_alert("no_outcome_measure", "low", point, evidence, advice))
    return alerts


Rule = Callable[[EpisodeSeries, SignalSettings], list[Alert]]

# Caseload order (DESIGN.md): risk first, then not on track, then alliance alerts, then ghosting.
RULES: tuple[Rule, ...] = (
    risk_answer,
    not_on_track,
    reliable_deterioration,
    low_alliance,
    alliance_drop,
    rating_discrepancy,
    ghosting_risk,
    perfect_alliance_streak,
    no_outcome_measure,
)
_RULE_RANK = {rule.__name__: rank for rank, rule in enumerate(RULES)}

CASELOAD_ORDER: tuple[str, ...] = (
    "risk_answer",
    "reliable_deterioration",
    "not_on_track",
    "low_alliance",
    "alliance_drop",
    "rating_discrepancy",
    "perfect_alliance_streak",
    "ghosting_risk",
    "no_outcome_measure",
)
"""Need on the caseload, most first: a risk answer, a reliable deterioration (a measured
worsening larger than the measure's error), not on track (a comparison with other clients'
expected path), the alliance alerts, then missed sessions and missing measures."""
_CASELOAD_RANK = {rule: rank for rank, rule in enumerate(CASELOAD_ORDER)}


def caseload_priority(rule: str) -> int:
    """Where an open alert of this rule puts a client on the caseload: lower comes first.

    The order of :data:`CASELOAD_ORDER`: risk answers first, then reliable deterioration, then
    not on track, then alliance alerts, then ghosting risk and a missing outcome measure
    (DESIGN.md, "Caseload"; docs/clinic.md). Within one rank the caseload puts the most recent
    session first.

    Examples
    --------
    >>> caseload_priority("risk_answer") < caseload_priority("not_on_track")
    True
    """
    try:
        return _CASELOAD_RANK[rule]
    except KeyError:
        raise ValueError(f"rule: must be one of {', '.join(_RULE_RANK)}, got {rule!r}") from None


def _priority(alert: Alert) -> tuple[int, int, int]:
    return (SEVERITIES.index(alert.severity), -alert.session, _RULE_RANK[alert.rule])


def evaluate(series: EpisodeSeries, settings: SignalSettings = DEFAULT_SETTINGS) -> list[Alert]:
    """Run every rule in :data:`RULES` over one episode and order the alerts.

    Order: severity (critical, high, medium, low), then the most recent session first, then the
    order of :data:`RULES` (risk, not on track, deterioration, alliance, ghosting, streaks).

    Examples
    --------
    >>> from datetime import date
    >>> a = SessionPoint(1, date(2025, 1, 1), outcome=20.0, alliance=35.0)
    >>> b = SessionPoint(2, date(2025, 1, 8), status="no_show")
    >>> [x.rule for x in evaluate(EpisodeSeries("e1", "ors", True, 25.0, 5.0, (a, b)))]
    ['ghosting_risk', 'low_alliance']
    """
    return sorted((alert for rule in RULES for alert in rule(series, settings)), key=_priority)


def evaluate_many(
    episodes: Iterable[EpisodeSeries], settings: SignalSettings = DEFAULT_SETTINGS
) -> dict[str, list[Alert]]:
    """:func:`evaluate` for many episodes at once (batch jobs, imports, the research CLI).

    Examples
    --------
    >>> from datetime import date
    >>> s = SessionPoint(1, date(2025, 1, 1), alliance=40.0)
    >>> evaluate_many([EpisodeSeries("e1", "ors", True, 25.0, 5.0, (s,))])
    {'e1': []}
    """
    return {series.episode: evaluate(series, settings) for series in episodes}


# The life of an alert --------------------------------------------------------------------

Fate = Literal["open", "superseded", "resolved"]


@dataclass(frozen=True)
class AlertState:
    """What became of one alert by the episode's latest ratings.

    Attributes
    ----------
    alert : Alert
    since : int
        First session of the run of sessions in a row (among those the rule judges) at which
        the rule fired: the open card says "since session 2".
    fate : {"open", "superseded", "resolved"}
        ``superseded``: the rule fired again at the next session it judged (that alert carries
        the run on); ``resolved``: the next session it judged no longer met the rule; ``open``:
        the latest session it judged still meets it. A risk answer is always ``open``: only a
        person closes it.
    by_session : int or None
        The session that superseded or resolved it.
    """

    alert: Alert
    since: int
    fate: Fate
    by_session: int | None = None


_ALLIANCE_RULES = frozenset(
    {"low_alliance", "alliance_drop", "rating_discrepancy", "perfect_alliance_streak"}
)


def judged_sessions(series: EpisodeSeries, rule: str, measure: str = "") -> list[int]:
    """The sessions at which ``rule`` looks at the data it reads: a later one of these decides
    whether an earlier alert still holds.

    Outcome rules judge the sessions with that measure's score (not on track: with a score and
    an expected boundary); alliance rules those with a client alliance rating; a missed-session
    alert every later session; a missing outcome measure every attended session.

    Examples
    --------
    >>> from datetime import date
    >>> a = SessionPoint(1, date(2025, 1, 1), alliance=30.0)
    >>> b = SessionPoint(2, date(2025, 1, 8), outcome=20.0)
    >>> judged_sessions(EpisodeSeries("e1", "ors", True, 25.0, 5.0, (a, b)), "low_alliance")
    [1]
    """
    if measure:
        other = next((m for m in series.measures if m.measure == measure), None)
        if other is None:
            return []
        if rule == "not_on_track":
            return [session for session, _ in other.scores if session in other.boundaries]
        return [session for session, _ in other.scores]
    if rule == "not_on_track":
        return [p.number for p, _ in _measured(series) if p.expected_boundary is not None]
    if rule == "reliable_deterioration":
        return [p.number for p, _ in _measured(series)]
    if rule in _ALLIANCE_RULES:
        return [p.number for p, _ in _rated(series)]
    if rule == "no_outcome_measure":
        return [p.number for p in series.sessions if p.status == "attended"]
    return [p.number for p in series.sessions]


def alert_states(
    series: EpisodeSeries, settings: SignalSettings = DEFAULT_SETTINGS
) -> list[AlertState]:
    """Every alert of :func:`evaluate` with what became of it by the latest ratings.

    Alerts of one rule (and measure) on one episode form runs over the sessions the rule judges
    (:func:`judged_sessions`): within a run each alert is superseded by the next, and the last
    one stays open while the rule still holds at the latest judged session; a judged session
    where the rule no longer holds resolves it ("resolved by session 5"). Risk answers are
    never superseded nor resolved: each stays open until a person acknowledges it. So at most
    one alert per rule and measure is open, and every open one is true of the latest ratings.
    One concern makes one card: an alliance drop to a low alliance at the same session is
    superseded by the low-alliance alert, and a low alliance followed by a missed session by
    the missed-session alert (``ghosting_risk``, which names that alliance score).

    Examples
    --------
    >>> from datetime import date
    >>> days = [date(2025, 1, d) for d in (1, 8, 15, 22)]
    >>> points = [SessionPoint(n, days[n - 1], alliance=a)
    ...           for n, a in ((1, 39.0), (2, 34.0), (3, 33.0), (4, 39.5))]
    >>> states = alert_states(EpisodeSeries("e1", "ors", True, 25.0, 5.0, points))
    >>> sorted((s.alert.session, s.since, s.fate, s.by_session)
    ...        for s in states if s.alert.rule == "low_alliance")
    [(2, 2, 'superseded', 3), (3, 2, 'resolved', 4)]
    """
    found = evaluate(series, settings)
    grouped: dict[tuple[str, str], list[Alert]] = {}
    for alert in found:
        grouped.setdefault((alert.rule, alert.measure), []).append(alert)
    states: list[AlertState] = []
    for (rule, measure), alerts in grouped.items():
        if rule == "risk_answer":
            states.extend(AlertState(alert, alert.session, "open") for alert in alerts)
            continue
        fired = {alert.session for alert in alerts}
        judged = sorted(set(judged_sessions(series, rule, measure)) | fired)
        since: int | None = None
        position = {number: index for index, number in enumerate(judged)}
        previous_fired = False
        starts: dict[int, int] = {}
        for number in judged:
            if number in fired:
                since = since if previous_fired and since is not None else number
                starts[number] = since
            previous_fired = number in fired
        for alert in sorted(alerts, key=lambda a: a.session):
            index = position[alert.session]
            after = judged[index + 1] if index + 1 < len(judged) else None
            if after is None:
                states.append(AlertState(alert, starts[alert.session], "open"))
            elif after in fired:
                states.append(AlertState(alert, starts[alert.session], "superseded", after))
            else:
                states.append(AlertState(alert, starts[alert.session], "resolved", after))
    order = {id(alert): rank for rank, alert in enumerate(found)}
    return sorted(_one_card_per_concern(states), key=lambda state: order[id(state.alert)])


def _one_card_per_concern(states: list[AlertState]) -> list[AlertState]:
    """Two open alerts about the same rating become one: a fall to a low alliance shows as the
    low-alliance alert (the drop is superseded by it, at the same session), and a session
    missed after a low alliance as the missed-session alert (which names that alliance)."""
    open_at = {
        (state.alert.rule, state.alert.session): state
        for state in states
        if state.fate == "open" and not state.alert.measure
    }
    ghosting = next((st for (rule, _), st in open_at.items() if rule == "ghosting_risk"), None)
    merged = []
    for state in states:
        alert, is_open = state.alert, state.fate == "open"
        if is_open and alert.rule == "alliance_drop" and ("low_alliance", alert.session) in open_at:
            state = replace(state, fate="superseded", by_session=alert.session)
        elif (
            is_open
            and alert.rule == "low_alliance"
            and ghosting is not None
            and ghosting.alert.evidence.get("last_alliance_session") == alert.session
        ):
            state = replace(state, fate="superseded", by_session=ghosting.alert.session)
        merged.append(state)
    return merged
