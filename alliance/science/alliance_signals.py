"""The alliance alert rules: a low alliance (total, item or subscale), a drop, a discrepancy
between client and clinician, a streak of perfect scores, and a missed session after a low or
falling alliance. Split from :mod:`alliance.science.signals`, which still exports them and runs
them in :data:`~alliance.science.signals.RULES`."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from alliance.science.repair import ADVICE, Aspect, aspect_of, lowest_item, repair_for
from alliance.science.series import EpisodeSeries, SessionPoint
from alliance.science.signal_base import (
    _TOLERANCE,
    DEFAULT_SETTINGS,
    Alert,
    EvidenceValue,
    Severity,
    SignalSettings,
    _alert,
    _alliance_cutoffs,
    _rated,
)

__all__ = [
    "alliance_drop",
    "ghosting_risk",
    "low_alliance",
    "perfect_alliance_streak",
    "rating_discrepancy",
]


def _strained_aspect(code: str | None, settings: SignalSettings) -> Aspect | None:
    return None if code is None else aspect_of(code, settings.item_aspects)


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
