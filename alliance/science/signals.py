"""Alert rules: small pure functions over one episode's series of sessions.

Each rule reads an :class:`EpisodeSeries` and returns zero or more :class:`Alert`. Rules judge every
session in turn using only that session and the ones before it, never later ones: the alerts for
session *k* are exactly those that would have been raised the day session *k* was recorded. So the
shell can store alerts keyed by ``(episode, rule, session)``, re-run :func:`evaluate` after any
change or import, and get the same answer as live entry.

Sources of every default are given in :class:`SignalSettings` and in each rule's docstring; the
clinical background is in ``DOMAIN.md`` ("Ruptures and their repair").
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Literal, get_args

from alliance.science.repair import (
    ADVICE,
    DEFAULT_ITEM_ASPECTS,
    Advice,
    Aspect,
    Pathway,
    aspect_of,
    lowest_item,
    repair_for,
)
from alliance.science.series import (
    EpisodeSeries,
    RiskAnswer,
    SessionPoint,
    check_number,
    refuse_unless,
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

Severity = Literal["critical", "high", "medium", "low"]
EvidenceValue = float | int | str | bool | None

SEVERITIES: tuple[Severity, ...] = get_args(Severity)
# Scores are measured to the millimetre and summed in floating point (9.1 - 8.1 != 1.0), so
# "at least" and "at most" comparisons allow this much rounding error.
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class SignalSettings:
    """Every threshold the rules use; each rule's docstring gives the full source.

    Attributes
    ----------
    alliance_cutoff : float
        Alliance total at or below which the alliance is a concern: 36 on the 0-40 SRS (Miller &
        Duncan; PCOMS/OpenFIT guidance [secondary]).
    alliance_item_cutoff : float
        An alliance item strictly below this is worth a conversation: 9 (same sources).
    alliance_drop : float
        Fall since the previous rated session that counts: 1 point ("down a point or more from
        last session", OpenFIT [secondary]).
    rating_discrepancy : float
        Clinician minus client total that signals a pseudo-alliance: 4 (ours, justified in
        :func:`rating_discrepancy`).
    perfect_streak, missing_outcome_streak : int
        Perfect totals in a row, attended sessions without an outcome in a row: 3 each (ours).
    count_cancellations : bool
        Whether a cancelled session counts as missed for :func:`ghosting_risk`: True.
    item_aspects : tuple of (keyword, aspect)
        Alliance item code keyword -> aspect rated; the first keyword found in the code wins.
    """

    alliance_cutoff: float = 36.0
    alliance_item_cutoff: float = 9.0
    alliance_drop: float = 1.0
    rating_discrepancy: float = 4.0
    perfect_streak: int = 3
    missing_outcome_streak: int = 3
    count_cancellations: bool = True
    item_aspects: tuple[tuple[str, Aspect], ...] = DEFAULT_ITEM_ASPECTS

    def __post_init__(self) -> None:
        check_number(self.alliance_cutoff, "alliance_cutoff", 0.0)
        check_number(self.alliance_item_cutoff, "alliance_item_cutoff", 0.0)
        for name in ("alliance_drop", "rating_discrepancy"):
            value = getattr(self, name)
            check_number(value, name, 0.0)
            refuse_unless(value > 0, name, "greater than 0", value)
        for name in ("perfect_streak", "missing_outcome_streak"):
            value = getattr(self, name)
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
            refuse_unless(ok, name, "a whole number of sessions >= 1", value)


DEFAULT_SETTINGS = SignalSettings()


@dataclass(frozen=True)
class Alert:
    """An alert that explains itself.

    Attributes
    ----------
    rule : str
        Stable rule code (the rule function's name).
    severity : {"critical", "high", "medium", "low"}
    session : int
        Number of the session the alert refers to.
    evidence : mapping
        The numbers that triggered it, so a clinician can see why and a researcher can audit.
    advice : Advice
        Advice code and English text.
    pathway : {"alliance_building", "immediate_repair", "expressive_repair"} or None
        Repair pathway suggested (Safran & Muran 2000; Eubanks, Muran & Safran 2015), if any.
    measure : str
        For an alert about one of the episode's other outcome measures
        (:attr:`EpisodeSeries.measures`, e.g. ``"phq9"`` beside the ORS), its code; empty for
        the episode's own outcome and alliance measures.
    """

    rule: str
    severity: Severity
    session: int
    evidence: Mapping[str, EvidenceValue]
    advice: Advice
    pathway: Pathway | None = None
    measure: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "evidence", MappingProxyType(dict(self.evidence)))

    def as_record(self) -> dict[str, object]:
        """Plain JSON-ready dict of the alert, for storage and export.

        Examples
        --------
        >>> advice = ADVICE["assess_risk_today"]
        >>> alert = Alert("risk_answer", "critical", 2, {"phq9_9": 1.0}, advice)
        >>> alert.as_record()["advice_code"]
        'assess_risk_today'
        """
        return {
            "rule": self.rule,
            "severity": self.severity,
            "session": self.session,
            "evidence": dict(self.evidence),
            "advice_code": self.advice.code,
            "advice_text": self.advice.text,
            "pathway": self.pathway,
        }


def _alert(
    rule: str,
    severity: Severity,
    point: SessionPoint,
    evidence: Mapping[str, EvidenceValue],
    advice: Advice,
    pathway: Pathway | None = None,
) -> Alert:
    return Alert(
        rule, severity, point.number, {"session": point.number, **evidence}, advice, pathway
    )


def _worsening(series: EpisodeSeries, before: float, after: float) -> float:
    """How much worse ``after`` is than ``before`` on the outcome measure (negative: better)."""
    return before - after if series.higher_is_better else after - before


def _measured(series: EpisodeSeries) -> list[tuple[SessionPoint, float]]:
    return [(p, p.outcome) for p in series.sessions if p.outcome is not None]


def _rated(series: EpisodeSeries) -> list[tuple[SessionPoint, float]]:
    return [(p, p.alliance) for p in series.sessions if p.alliance is not None]


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


def _strained_aspect(code: str | None, settings: SignalSettings) -> Aspect | None:
    return None if code is None else aspect_of(code, settings.item_aspects)


def _alliance_cutoffs(
    series: EpisodeSeries, settings: SignalSettings
) -> tuple[float | None, float | None]:
    """The alliance cutoffs in force: the alliance measure's own (its instrument file, the
    site's override applied: :func:`alliance.science.series.thresholds_for`) when the series
    names its measure, else the settings' (the SRS's, for series built by hand)."""
    if series.alliance_measure:
        return series.alliance_cutoff, series.alliance_item_cutoff
    return settings.alliance_cutoff, settings.alliance_item_cutoff


def _low_subscales(series: EpisodeSeries, point: SessionPoint) -> list[str]:
    """The subscales (WAI-SR bond, goal, task) strictly below their cutoff, in code order."""
    cutoffs = series.alliance_subscale_cutoffs
    return sorted(
        code
        for code, value in point.alliance_subscales.items()
        if code in cutoffs and value < cutoffs[code] - _TOLERANCE
    )


def _subscale_evidence(
    series: EpisodeSeries, point: SessionPoint, low: list[str]
) -> dict[str, EvidenceValue]:
    if not series.alliance_subscale_cutoffs:
        return {}
    return {
        "subscales_below_cutoff": ",".join(low),
        **{f"subscale_{code}": value for code, value in point.alliance_subscales.items()},
        **{f"subscale_cutoff_{c}": v for c, v in series.alliance_subscale_cutoffs.items()},
    }


def low_alliance(series: EpisodeSeries, settings: SignalSettings = DEFAULT_SETTINGS) -> list[Alert]:
    """Alliance total at or below the cutoff, any alliance item below the item cutoff, or any
    subscale below its cutoff.

    Fires at a session when ``alliance <= alliance_cutoff`` (severity medium) or, with the total
    above it, when some ``item < alliance_item_cutoff`` (severity low). The lowest item (ties: bond
    first) picks the advice and repair pathway through
    :func:`alliance.science.repair.repair_for`: relationship -> metacommunication (expressive
    repair); goals -> renegotiate the goals (immediate repair); approach -> renegotiate the task if
    one was agreed in this session (immediate repair), else give a rationale (alliance building);
    overall or no items -> invite feedback (alliance building).

    Sources: SRS total cutoff 36 and item cutoff 9 (Miller & Duncan; PCOMS and OpenFIT guidance
    [secondary]); Duncan BL, Miller SD, Sparks JA, Claud DA, Reynolds LR, Brown J, Johnson LD
    (2003). The Session Rating Scale: preliminary psychometric properties of a "working" alliance
    measure. Journal of Brief Therapy, 3(1), 3-12.

    A subscale (WAI-SR bond, goal, task) strictly below its cutoff fires it too (severity low),
    its aspect picking the advice (bond -> relationship, goal -> goals, task -> approach). No
    cutoff is published for the WAI-SR's subscales (Horvath: the WAI has no standardised
    cut-offs), so this fires only where the instrument file or the site sets one
    (:attr:`EpisodeSeries.alliance_subscale_cutoffs`).

    Examples
    --------
    >>> from datetime import date
    >>> items = {"relationship": 9.5, "goals": 7.0, "approach": 9.1, "overall": 9.0}
    >>> s = SessionPoint(1, date(2025, 1, 1), alliance=34.6, alliance_items=items)
    >>> [alert] = low_alliance(EpisodeSeries("e1", "ors", True, 25.0, 5.0, (s,)))
    >>> alert.severity, alert.evidence["lowest_item"], alert.advice.code, alert.pathway
    ('medium', 'goals', 'renegotiate_goals', 'immediate_repair')
    """
    alerts = []
    cutoff, item_cutoff = _alliance_cutoffs(series, settings)
    for point in series.sessions:
        total, items = point.alliance, point.alliance_items
        low_total = total is not None and cutoff is not None and total <= cutoff + _TOLERANCE
        low_items = (
            []
            if item_cutoff is None
            else [c for c, v in items.items() if v < item_cutoff - _TOLERANCE]
        )
        low_subscales = _low_subscales(series, point)
        if not (low_total or low_items or low_subscales):
            continue
        lowest = lowest_item(items, settings.item_aspects)
        # The line that fired it: the lowest item below the item cutoff, else the lowest
        # subscale below its cutoff (its aspect then picks the advice), else the lowest item.
        fired = min(sorted(low_items), key=lambda code: items[code]) if low_items else lowest
        if low_subscales and not low_items:
            fired = min(low_subscales, key=lambda code: point.alliance_subscales[code])
        aspect = _strained_aspect(fired if low_subscales and not low_items else lowest, settings)
        advice, pathway = repair_for(aspect, new_task=point.new_task)
        evidence = {
            "alliance": total,
            "alliance_measure": series.alliance_measure or None,
            "alliance_cutoff": cutoff,
            "item_cutoff": item_cutoff,
            "items_below_cutoff": ",".join(sorted(low_items)),
            "lowest_item": lowest,
            "fired_by_item": fired,
            "new_task": point.new_task,
            **{f"item_{code}": value for code, value in items.items()},
            **_subscale_evidence(series, point, low_subscales),
        }
        severity: Severity = "medium" if low_total else "low"
        alerts.append(_alert("low_alliance", severity, point, evidence, advice, pathway))
    return alerts


def _largest_item_fall(before: Mapping[str, float], after: Mapping[str, float]) -> str | None:
    falls = {code: before[code] - after[code] for code in after if code in before}
    worst = max(sorted(falls), key=lambda code: falls[code], default=None)
    return worst if worst is not None and falls[worst] > _TOLERANCE else None


def alliance_drop(
    series: EpisodeSeries, settings: SignalSettings = DEFAULT_SETTINGS
) -> list[Alert]:
    """Alliance total fell since the previous rated session by at least ``alliance_drop``.

    ``drop = previous - current >= alliance_drop`` (default 1 point). A drop from one session to
    the next matters more than the level (DOMAIN.md). Advice: if a new task was agreed in the
    previous rated session (or in this one), renegotiate the task (immediate repair); otherwise
    the item that fell most picks the pathway as in :func:`low_alliance`; with no item scores,
    invite feedback (alliance building). Severity medium.

    Source: OpenFIT/PCOMS display rule: SRS "down a point or more from last session" is red
    [secondary]; Safran JD, Muran JC (2000). Negotiating the therapeutic alliance: a relational
    treatment guide. New York: Guilford.

    Examples
    --------
    >>> from datetime import date
    >>> a = SessionPoint(1, date(2025, 1, 1), alliance=39.0, new_task=True)
    >>> b = SessionPoint(2, date(2025, 1, 8), alliance=38.0)
    >>> [alert] = alliance_drop(EpisodeSeries("e1", "ors", True, 25.0, 5.0, (a, b)))
    >>> alert.evidence["drop"], alert.advice.code, alert.pathway
    (1.0, 'renegotiate_task', 'immediate_repair')
    """
    alerts = []
    for (before, before_total), (point, total) in itertools.pairwise(_rated(series)):
        drop = before_total - total
        if drop < settings.alliance_drop - _TOLERANCE:
            continue
        task = before.new_task or point.new_task
        fallen = _largest_item_fall(before.alliance_items, point.alliance_items)
        aspect = "approach" if task else _strained_aspect(fallen, settings)
        advice, pathway = repair_for(aspect, new_task=task)
        evidence = {
            "alliance": total,
            "previous_alliance": before_total,
            "previous_session": before.number,
            "drop": drop,
            "drop_threshold": settings.alliance_drop,
            "new_task_previous_session": before.new_task,
            "largest_item_fall": fallen,
        }
        alerts.append(_alert("alliance_drop", "medium", point, evidence, advice, pathway))
    return alerts


def rating_discrepancy(
    series: EpisodeSeries, settings: SignalSettings = DEFAULT_SETTINGS
) -> list[Alert]:
    """The clinician rated the session clearly higher than the client: pseudo-alliance or
    misempathy (DOMAIN.md).

    Fires when ``clinician_alliance - alliance >= rating_discrepancy`` (default 4 points on the
    0-40 SRS). Why 4: clients usually rate the alliance *higher* than their clinicians do (Tryon
    GS, Blackwell SC, Hammel EF (2007). A meta-analytic examination of client-therapist
    perspectives of the working alliance. Psychotherapy Research, 17(6), 629-642: d = .63,
    r = .36), so a clinician above the client runs against the usual direction; and 4 points is
    the whole SRS band without concern (40 down to the cutoff 36): the clinician sees a fine
    session while the client's rating sits a full band lower. Severity medium; advice: invite
    feedback and metacommunicate (expressive repair).

    Examples
    --------
    >>> from datetime import date
    >>> s = SessionPoint(1, date(2025, 1, 1), alliance=35.0, clinician_alliance=39.0)
    >>> [alert] = rating_discrepancy(EpisodeSeries("e1", "ors", True, 25.0, 5.0, (s,)))
    >>> alert.evidence["gap"], alert.pathway
    (4.0, 'expressive_repair')
    """
    alerts = []
    for point, total in _rated(series):
        if point.clinician_alliance is None:
            continue
        gap = point.clinician_alliance - total
        if gap >= settings.rating_discrepancy - _TOLERANCE:
            evidence = {
                "alliance": total,
                "clinician_alliance": point.clinician_alliance,
                "gap": gap,
                "gap_threshold": settings.rating_discrepancy,
            }
            advice = ADVICE["check_pseudo_alliance"]
            alert = _alert(
                "rating_discrepancy", "medium", point, evidence, advice, "expressive_repair"
            )
            alerts.append(alert)
    return alerts


def perfect_alliance_streak(
    series: EpisodeSeries, settings: SignalSettings = DEFAULT_SETTINGS
) -> list[Alert]:
    """Perfect alliance totals (``alliance_max``: 40/40 on the SRS) in ``perfect_streak`` rated
    sessions in a row (default 3).

    Fires at each rated session that completes a run of at least ``perfect_streak`` perfect totals;
    sessions without a rating neither count nor break the run. It may mean the client finds it
    hard to give negative feedback. Severity low; advice: invite honest feedback (alliance
    building).

    Source: Miller & Duncan guidance that persistent 40/40 may mean reluctance to criticise
    [secondary]; the default of 3 is our choice.

    Examples
    --------
    >>> from datetime import date
    >>> sessions = [SessionPoint(n, date(2025, 1, n), alliance=40.0) for n in (1, 2, 3)]
    >>> series = EpisodeSeries("e1", "ors", True, 25.0, 5.0, sessions)
    >>> [(a.session, a.evidence["streak"]) for a in perfect_alliance_streak(series)]
    [(3, 3)]
    """
    alerts, run, start = [], 0, 0
    for point, total in _rated(series):
        perfect = total >= series.alliance_max - _TOLERANCE
        run, start = (run + 1, start if run else point.number) if perfect else (0, 0)
        if run >= settings.perfect_streak:
            evidence = {"alliance": total, "streak": run, "streak_start": start}
            advice = ADVICE["invite_honest_feedback"]
            alert = _alert(
                "perfect_alliance_streak", "low", point, evidence, advice, "alliance_building"
            )
            alerts.append(alert)
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


def ghosting_risk(
    series: EpisodeSeries, settings: SignalSettings = DEFAULT_SETTINGS
) -> list[Alert]:
    """A missed session (no-show, or cancelled) after a low or falling alliance score.

    Fires at a ``no_show`` (or ``cancelled``, unless ``count_cancellations`` is off) session when
    the last rated session before it had ``alliance <= alliance_cutoff`` or had fallen by at least
    ``alliance_drop`` from the rated session before that. Clients who stop coming without a word
    are often having a withdrawal rupture they could not voice (DOMAIN.md, "Ghosting"). Severity
    medium; advice: reach out and invite feedback (alliance building).

    Sources: DOMAIN.md; Swift JK, Greenberg RP (2012). Premature discontinuation in adult
    psychotherapy: a meta-analysis. Journal of Consulting and Clinical Psychology, 80(4),
    547-559 (dropout 19.7%); thresholds as in :func:`low_alliance` and :func:`alliance_drop`.

    Examples
    --------
    >>> from datetime import date
    >>> a = SessionPoint(1, date(2025, 1, 1), alliance=33.0)
    >>> b = SessionPoint(2, date(2025, 1, 8), status="no_show")
    >>> [alert] = ghosting_risk(EpisodeSeries("e1", "ors", True, 25.0, 5.0, (a, b)))
    >>> alert.session, alert.evidence["last_alliance"], alert.advice.code
    (2, 33.0, 'reach_out')
    """
    missed = {"no_show", "cancelled"} if settings.count_cancellations else {"no_show"}
    cutoff = _alliance_cutoffs(series, settings)[0]
    alerts: list[Alert] = []
    last: tuple[SessionPoint, float] | None = None
    drop: float | None = None
    for point in series.sessions:
        if point.alliance is not None:
            drop = None if last is None else last[1] - point.alliance
            last = (point, point.alliance)
        if point.status not in missed or last is None:
            continue
        low = cutoff is not None and last[1] <= cutoff + _TOLERANCE
        if low or (drop is not None and drop >= settings.alliance_drop - _TOLERANCE):
            evidence = {
                "status": point.status,
                "last_alliance": last[1],
                "last_alliance_session": last[0].number,
                "alliance_cutoff": cutoff,
                "drop": drop,
            }
            advice = ADVICE["reach_out"]
            alerts.append(
                _alert("ghosting_risk", "medium", point, evidence, advice, "alliance_building")
            )
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
