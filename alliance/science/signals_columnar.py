"""Columnar twins of the alert rules: each rule of :mod:`alliance.science.signals` judged over
every session of every episode at once with numpy, for ``alliance analyze`` at agency size
(issue 16: the rules one episode at a time, on one object per session, were half of a run).

Each twin fires exactly where its rule fires, with the same evidence, advice and pathway, and
cites the same source; the per-episode rules stay the reference implementation
(``tests/science/test_signals_columnar.py`` runs both on episodes where every rule fires and
finds the same alerts in the same order). The twins read :class:`.signal_columns.SessionColumns`:
a research file has no appointment status and no tasks, so every session is attended (no
missed-session alert, :func:`alliance.science.signals.ghosting_risk`, can fire) and no new
task was agreed; the other outcome measures have no expected band of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from alliance.science.repair import aspect_of, repair_for
from alliance.science.signal_base import _TOLERANCE, SEVERITIES, EvidenceValue, SignalSettings
from alliance.science.signal_columns import SessionColumns

__all__ = [
    "Fired",
    "alliance_drop_columns",
    "low_alliance_columns",
    "no_outcome_measure_columns",
    "not_on_track_columns",
    "perfect_alliance_streak_columns",
    "rating_discrepancy_columns",
    "reliable_deterioration_columns",
    "risk_answer_columns",
]

Floats = NDArray[np.float64]
Indices = NDArray[np.intp]
Evidence = dict[str, EvidenceValue]


@dataclass(frozen=True, eq=False)
class Fired:
    """The alerts one rule raised: alert ``j`` is at session row ``rows[j]``.

    ``order`` is its measure's place among the rule's measures (0: the episode's own, then
    the other outcome measures), which orders two alerts of the rule at one session;
    ``evidence(j)`` gives its evidence after ``session``, in the rule's key order.
    """

    rule: str
    rows: Indices
    severity: NDArray[np.int8]
    order: Indices
    measure: list[str]
    advice: list[str]
    pathway: list[str | None]
    evidence: Callable[[int], Evidence]


def _fired(
    rule: str,
    rows: Indices,
    severity: str | NDArray[np.int8],
    evidence: Callable[[int], Evidence],
    advice: str | list[str],
    pathway: str | list[str | None] | None = None,
    *,
    order: Indices | None = None,
    measure: list[str] | None = None,
) -> Fired:
    n = len(rows)
    return Fired(
        rule,
        rows,
        np.full(n, SEVERITIES.index(severity), np.int8) if isinstance(severity, str) else severity,
        np.zeros(n, np.intp) if order is None else order,
        [""] * n if measure is None else measure,
        [advice] * n if isinstance(advice, str) else advice,
        pathway if isinstance(pathway, list) else [pathway] * n,
        evidence,
    )


def _runs(flag: NDArray[np.bool_], first: NDArray[np.bool_]) -> tuple[Indices, Indices]:
    """Per position, the length of the run of True ending there (0 where False) and the
    position the run started, runs never crossing a True of ``first`` (a new episode)."""
    at = np.arange(len(flag), dtype=np.intp)
    marker = np.where(flag, np.where(first, at - 1, -1), at)
    last = np.maximum.accumulate(marker) if len(flag) else marker
    return np.where(flag, at - last, 0), last + 1


def _firsts(episode: Indices) -> NDArray[np.bool_]:
    first = np.ones(len(episode), dtype=bool)
    first[1:] = episode[1:] != episode[:-1]
    return first


def _optional(values: Floats) -> list[float | None]:
    plain = values.astype(object)
    plain[np.isnan(values)] = None
    return list(plain.tolist())


def not_on_track_columns(columns: SessionColumns, settings: SignalSettings) -> Fired:
    """:func:`alliance.science.signals.not_on_track` for every episode at once: an outcome
    strictly on the worse side of the expected boundary, with the run of measured sessions off
    track so far (sessions without an outcome or a boundary neither count nor break it).

    Source: Finch AE, Lambert MJ, Schaalje BG (2001). Psychotherapy quality control: the
    statistical generation of expected recovery curves for integration into an early warning
    system. Clinical Psychology & Psychotherapy, 8(4), 231-242; OpenFIT colours [secondary].
    """
    judged = np.flatnonzero(~np.isnan(columns.outcome) & ~np.isnan(columns.boundary))
    episode = columns.episode[judged]
    higher = columns.episodes.higher_is_better[episode]
    score, edge = columns.outcome[judged], columns.boundary[judged]
    below = np.where(higher, edge - score, score - edge) > _TOLERANCE
    run, _ = _runs(below, _firsts(episode))
    hit = np.flatnonzero(below)
    scores, edges = score[hit].tolist(), edge[hit].tolist()
    highers, runs = higher[hit].tolist(), run[hit].tolist()

    def evidence(j: int) -> Evidence:
        return {
            "score": scores[j],
            "expected_boundary": edges[j],
            "higher_is_better": highers[j],
            "sessions_off_track": runs[j],
        }

    return _fired("not_on_track", judged[hit], "high", evidence, "review_progress")


def reliable_deterioration_columns(columns: SessionColumns, settings: SignalSettings) -> Fired:
    """:func:`alliance.science.signals.reliable_deterioration` for every episode at once: a
    score worse than the first measured one by at least the reliable change value, on the
    episode's own outcome measure and on each other one with its own value.

    Source: Jacobson NS, Truax P (1991). Clinical significance: a statistical approach to defining
    meaningful change in psychotherapy research. Journal of Consulting and Clinical Psychology,
    59(1), 12-19 (values from the instrument files: ORS 5; PHQ-9 6 in NHS Talking Therapies).
    """
    measured = np.flatnonzero(~np.isnan(columns.outcome))
    episode = columns.episode[measured]
    facts = columns.episodes
    own = _deteriorations(
        measured,
        episode,
        columns.number[measured],
        columns.outcome[measured],
        facts.higher_is_better[episode],
        facts.cutoff[episode],
        facts.reliable_change[episode],
        np.zeros(len(measured), np.intp),
    )
    other = columns.others
    group = other.episode * (int(other.order.max(initial=0)) + 1) + other.order
    more = _deteriorations(
        other.row,
        group,
        columns.number[other.row],
        other.score,
        other.higher_is_better,
        other.cutoff,
        other.reliable_change,
        other.order,
    )
    codes = other.measure[more.at].tolist()
    rows = np.concatenate([own.rows, more.rows])
    n_own = len(own.rows)

    def evidence(j: int) -> Evidence:
        if j < n_own:
            return own.evidence(j)
        return {"measure": codes[j - n_own], **more.evidence(j - n_own)}

    return _fired(
        "reliable_deterioration",
        rows,
        "high",
        evidence,
        "review_deterioration",
        order=np.concatenate([own.order, more.order]),
        measure=[""] * n_own + codes,
    )


@dataclass(frozen=True, eq=False)
class _Deteriorations:
    rows: Indices
    order: Indices
    at: Indices
    evidence: Callable[[int], Evidence]


def _deteriorations(
    rows: Indices,
    group: Indices,
    number: NDArray[np.int64],
    score: Floats,
    higher: NDArray[np.bool_],
    cutoff: Floats,
    change: Floats,
    order: Indices,
) -> _Deteriorations:
    """Scores (in groups of one episode and measure, in session order) at least the reliable
    change worse than the group's first."""
    first = _firsts(group)
    start: Indices = np.zeros(len(group), dtype=np.intp)
    if len(group):
        start = np.maximum.accumulate(np.where(first, np.arange(len(group)), 0))
    first_score, first_session = score[start], number[start]
    worsening = np.where(higher, first_score - score, score - first_score)
    with np.errstate(invalid="ignore"):
        hit = np.flatnonzero(~first & (worsening >= change - _TOLERANCE))
    clinical = np.where(higher, score < cutoff, score >= cutoff)
    values = [
        first_score[hit].tolist(),
        first_session[hit].tolist(),
        score[hit].tolist(),
        worsening[hit].tolist(),
        _optional(change[hit]),
        _optional(cutoff[hit]),
        [
            None if np.isnan(c) else k
            for c, k in zip(cutoff[hit], clinical[hit].tolist(), strict=True)
        ],
    ]
    names = (
        "first_score",
        "first_session",
        "score",
        "worsening",
        "reliable_change",
        "cutoff",
        "in_clinical_range",
    )

    def evidence(j: int) -> Evidence:
        return {name: column[j] for name, column in zip(names, values, strict=True)}

    return _Deteriorations(rows[hit], order[hit], hit, evidence)


def risk_answer_columns(columns: SessionColumns, settings: SignalSettings) -> Fired:
    """:func:`alliance.science.signals.risk_answer` for every episode at once: one critical
    alert per session with a risk item answered above its threshold (PHQ-9 item 9 above 0).
    The sessions with any risk answer are few, so they are read one by one.

    Sources: Simon GE, Rutter CM, Peterson D, Oliver M, Whiteside U, Operskalski B, Ludman EJ
    (2013). Does response on the PHQ-9 Depression Questionnaire predict subsequent suicide attempt
    or suicide death? Psychiatric Services, 64(12), 1195-1202. Louzon SA, Bossarte R, McCarthy JF,
    Katz IR (2016). Does suicidal ideation as measured by the PHQ-9 predict suicide among VA
    patients? Psychiatric Services, 67(5), 517-522.
    """
    found: list[tuple[int, Evidence]] = []
    for row in sorted(columns.risks):
        raised = [answer for answer in columns.risks[row] if answer.value > answer.threshold]
        if not raised:
            continue
        evidence: Evidence = {"date": columns.date_of(row).isoformat()}
        for answer in raised:
            evidence[answer.item] = answer.value
            evidence[f"{answer.item}_threshold"] = answer.threshold
        found.append((row, evidence))
    rows = np.array([row for row, _ in found], dtype=np.intp)
    return _fired("risk_answer", rows, "critical", lambda j: found[j][1], "assess_risk_today")


def no_outcome_measure_columns(columns: SessionColumns, settings: SignalSettings) -> Fired:
    """:func:`alliance.science.signals.no_outcome_measure` for every episode at once: each
    attended session completing a run of ``missing_outcome_streak`` without an outcome.

    Source: Miller SD, Duncan BL, Brown J, Sorrell R, Chalk MB (2006). Using formal client
    feedback to improve retention and outcome: making ongoing, real-time assessment feasible.
    Journal of Brief Therapy, 5(1), 5-22; the default 3 is our choice.
    """
    run, start = _runs(np.isnan(columns.outcome), columns.first)
    hit = np.flatnonzero(run >= settings.missing_outcome_streak)
    runs, starts = run[hit].tolist(), columns.number[start[hit]].tolist()

    def evidence(j: int) -> Evidence:
        return {"sessions_without_outcome": runs[j], "first_session_without_outcome": starts[j]}

    return _fired("no_outcome_measure", hit, "low", evidence, "record_outcome")


def _rated(columns: SessionColumns) -> Indices:
    return np.flatnonzero(~np.isnan(columns.alliance))


def perfect_alliance_streak_columns(columns: SessionColumns, settings: SignalSettings) -> Fired:
    """:func:`alliance.science.alliance_signals.perfect_alliance_streak` for every episode at
    once: each rated session completing a run of ``perfect_streak`` perfect totals.

    Source: Miller & Duncan guidance that persistent 40/40 may mean reluctance to criticise
    [secondary]; the default of 3 is our choice.
    """
    rated = _rated(columns)
    episode = columns.episode[rated]
    total = columns.alliance[rated]
    perfect = total >= columns.episodes.alliance_max[episode] - _TOLERANCE
    run, start = _runs(perfect, _firsts(episode))
    hit = np.flatnonzero(run >= settings.perfect_streak)
    totals, runs = total[hit].tolist(), run[hit].tolist()
    starts = columns.number[rated[start[hit]]].tolist()

    def evidence(j: int) -> Evidence:
        return {"alliance": totals[j], "streak": runs[j], "streak_start": starts[j]}

    return _fired(
        "perfect_alliance_streak",
        rated[hit],
        "low",
        evidence,
        "invite_honest_feedback",
        "alliance_building",
    )


def rating_discrepancy_columns(columns: SessionColumns, settings: SignalSettings) -> Fired:
    """:func:`alliance.science.alliance_signals.rating_discrepancy` for every episode at once:
    the clinician's total at least ``rating_discrepancy`` above the client's.

    Source: Tryon GS, Blackwell SC, Hammel EF (2007). A meta-analytic examination of
    client-therapist perspectives of the working alliance. Psychotherapy Research, 17(6),
    629-642; the threshold of 4 is justified in the rule's docstring.
    """
    rated = _rated(columns)
    gap = columns.clinician[rated] - columns.alliance[rated]
    with np.errstate(invalid="ignore"):
        hit = rated[gap >= settings.rating_discrepancy - _TOLERANCE]
    totals, theirs = columns.alliance[hit].tolist(), columns.clinician[hit].tolist()
    gaps = (columns.clinician[hit] - columns.alliance[hit]).tolist()

    def evidence(j: int) -> Evidence:
        return {
            "alliance": totals[j],
            "clinician_alliance": theirs[j],
            "gap": gaps[j],
            "gap_threshold": settings.rating_discrepancy,
        }

    return _fired(
        "rating_discrepancy",
        hit,
        "medium",
        evidence,
        "check_pseudo_alliance",
        "expressive_repair",
    )


def _advice_for(codes: list[str | None], settings: SignalSettings) -> tuple[list[str], list[str]]:
    """The advice code and pathway of :func:`repair_for` for each strained item (no new task)."""
    known: dict[str | None, tuple[str, str]] = {}
    for code in set(codes):
        aspect = None if code is None else aspect_of(code, settings.item_aspects)
        advice, pathway = repair_for(aspect, new_task=False)
        known[code] = (advice.code, pathway)
    return [known[c][0] for c in codes], [known[c][1] for c in codes]


def _item_matrix(columns: SessionColumns, rows: Indices) -> tuple[Floats, list[str]]:
    """The alliance items of ``rows`` in one matrix over every item name of any measure."""
    names = sorted({name for items in columns.items.values() for name in items.names})
    matrix = np.full((len(rows), len(names)), np.nan)
    for items in columns.items.values():
        at = [names.index(name) for name in items.names]
        values = items.values[rows]
        rated = ~np.isnan(values)
        for k, column in enumerate(at):
            matrix[rated[:, k], column] = values[rated[:, k], k]
    return matrix, names


def _pick(
    matrix: Floats, names: list[str], order: list[int], fill: float, low: bool
) -> list[str | None]:
    """Per row, the name of the lowest (``low``) or highest value, ties to the first column of
    ``order``; None where the row has no value (``fill`` everywhere)."""
    if not names:
        return [None] * len(matrix)
    ranked = np.where(np.isnan(matrix[:, order]), fill, matrix[:, order])
    best = np.argmin(ranked, axis=1) if low else np.argmax(ranked, axis=1)
    found = ranked[np.arange(len(ranked)), best] != fill if len(ranked) else np.zeros(0, bool)
    return [
        names[order[b]] if ok else None for b, ok in zip(best.tolist(), found.tolist(), strict=True)
    ]


def _names_of_sets(flags: NDArray[np.bool_], names: list[str]) -> list[str]:
    """Per row, the names of its True columns joined by commas (names in order): each distinct
    set is joined once (a few of them recur over hundreds of thousands of alerts)."""
    if not names:
        return [""] * len(flags)
    sets = (flags.astype(np.int64) << np.arange(len(names), dtype=np.int64)).sum(axis=1)
    distinct, index = np.unique(sets, return_inverse=True)
    joined = [
        ",".join(n for k, n in enumerate(names) if bits >> k & 1) for bits in distinct.tolist()
    ]
    return [joined[i] for i in index.reshape(-1).tolist()]


def _items_of(columns: SessionColumns, rows: Indices) -> list[dict[str, float]]:
    """Per row, its alliance items as the session point holds them: in the instrument's order,
    blanks left out."""
    found: list[dict[str, float]] = [{} for _ in range(len(rows))]
    for items in columns.items.values():
        values = items.values[rows]
        for j in np.flatnonzero(~np.isnan(values).all(axis=1)).tolist():
            found[j] = {
                name: value
                for name, value in zip(items.names, values[j].tolist(), strict=True)
                if value == value  # not NaN
            }
    return found


def _priority_order(names: list[str], settings: SignalSettings) -> list[int]:
    """Column order of :func:`alliance.science.repair.lowest_item`'s ties: relationship, goals,
    approach, overall, other aspects, then by code."""
    ranks = ("relationship", "goals", "approach", "overall", None)
    return sorted(
        range(len(names)),
        key=lambda k: (ranks.index(aspect_of(names[k], settings.item_aspects)), names[k]),
    )


def low_alliance_columns(columns: SessionColumns, settings: SignalSettings) -> Fired:
    """:func:`alliance.science.alliance_signals.low_alliance` for every episode at once: the
    total at or below the cutoff (medium) or, above it, an item below the item cutoff (low);
    the lowest item (ties: bond first) picks the advice through
    :func:`alliance.science.repair.repair_for`. A research file has no subscale scores.

    Sources: SRS total cutoff 36 and item cutoff 9 (Miller & Duncan; PCOMS and OpenFIT guidance
    [secondary]); Duncan BL, Miller SD, Sparks JA, Claud DA, Reynolds LR, Brown J, Johnson LD
    (2003). The Session Rating Scale: preliminary psychometric properties of a "working" alliance
    measure. Journal of Brief Therapy, 3(1), 3-12.
    """
    facts = columns.episodes
    rows = np.flatnonzero(columns.episode >= 0)
    matrix, names = _item_matrix(columns, rows)
    episode = columns.episode
    cutoff, item_cutoff = facts.alliance_cutoff[episode], facts.alliance_item_cutoff[episode]
    total = columns.alliance
    with np.errstate(invalid="ignore"):
        low_total = total <= cutoff + _TOLERANCE
        low_items = matrix < (item_cutoff - _TOLERANCE)[:, None]
    hit = np.flatnonzero(low_total | low_items.any(axis=1))
    matrix, low_items = matrix[hit], low_items[hit]
    by_code = list(range(len(names)))
    lowest = _pick(matrix, names, _priority_order(names, settings), np.inf, low=True)
    fired_low = _pick(np.where(low_items, matrix, np.nan), names, by_code, np.inf, low=True)
    fired = [f if f is not None else w for f, w in zip(fired_low, lowest, strict=True)]
    below = _names_of_sets(low_items, names)
    advice, pathway = _advice_for(lowest, settings)
    items = _items_of(columns, hit)
    who = episode[hit].tolist()
    totals = _optional(total[hit])
    cutoffs, item_cutoffs = _optional(cutoff[hit]), _optional(item_cutoff[hit])

    def evidence(j: int) -> Evidence:
        e = who[j]
        found: Evidence = {
            "alliance": totals[j],
            "alliance_measure": facts.alliance_measure[e] or None,
            "alliance_cutoff": cutoffs[j],
            "item_cutoff": item_cutoffs[j],
            "items_below_cutoff": below[j],
            "lowest_item": lowest[j],
            "fired_by_item": fired[j],
            "new_task": False,
            **{f"item_{code}": value for code, value in items[j].items()},
        }
        if facts.subscale_cutoffs[e]:  # no subscale scores in a file: none below its cutoff
            found["subscales_below_cutoff"] = ""
            for code, value in facts.subscale_cutoffs[e].items():
                found[f"subscale_cutoff_{code}"] = value
        return found

    severity = np.where(low_total[hit], 2, 3).astype(np.int8)  # medium, low
    return _fired("low_alliance", hit, severity, evidence, advice, list(pathway))


def alliance_drop_columns(columns: SessionColumns, settings: SignalSettings) -> Fired:
    """:func:`alliance.science.alliance_signals.alliance_drop` for every episode at once: the
    total fell by at least ``alliance_drop`` since the previous rated session; the item that
    fell most (ties by code) picks the advice (no new task in a research file).

    Source: OpenFIT/PCOMS display rule: SRS "down a point or more from last session" is red
    [secondary]; Safran JD, Muran JC (2000). Negotiating the therapeutic alliance: a relational
    treatment guide. New York: Guilford.
    """
    rated = _rated(columns)
    episode = columns.episode[rated]
    pair = np.flatnonzero(~_firsts(episode))
    before, after = rated[pair - 1], rated[pair]
    drop = columns.alliance[before] - columns.alliance[after]
    keep = drop >= settings.alliance_drop - _TOLERANCE
    before, after, drop = before[keep], after[keep], drop[keep]
    was, now = _item_matrix(columns, before), _item_matrix(columns, after)
    names = was[1]
    falls = was[0] - now[0]
    worst = _pick(falls, names, list(range(len(names))), -np.inf, low=False)
    column = {name: k for k, name in enumerate(names)}
    fallen = [
        None if w is None or falls[j, column[w]] <= _TOLERANCE else w for j, w in enumerate(worst)
    ]
    advice, pathway = _advice_for(fallen, settings)
    totals, previous = columns.alliance[after].tolist(), columns.alliance[before].tolist()
    sessions, drops = columns.number[before].tolist(), drop.tolist()

    def evidence(j: int) -> Evidence:
        return {
            "alliance": totals[j],
            "previous_alliance": previous[j],
            "previous_session": sessions[j],
            "drop": drops[j],
            "drop_threshold": settings.alliance_drop,
            "new_task_previous_session": False,
            "largest_item_fall": fallen[j],
        }

    return _fired("alliance_drop", after, "medium", evidence, advice, list(pathway))


COLUMNAR_RULES: tuple[Callable[[SessionColumns, SignalSettings], Fired], ...] = (
    risk_answer_columns,
    not_on_track_columns,
    reliable_deterioration_columns,
    low_alliance_columns,
    alliance_drop_columns,
    rating_discrepancy_columns,
    perfect_alliance_streak_columns,
    no_outcome_measure_columns,
)
"""The twins of :data:`alliance.science.signals.RULES` (without the missed-session rule, which
no research file can fire), in its order."""
