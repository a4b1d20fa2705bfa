"""Ruptures and their repair: the 3RS marker and strategy lists, the repair pathways, the
clinician's own experience of a session, and summaries of an episode's alliance work.

A rupture is a strain in the alliance (DOMAIN.md, "Ruptures and their repair"). The Rupture
Resolution Rating System (3RS) sorts the client's rupture markers into *withdrawal* (moving away
from the clinician or from oneself) and *confrontation* (moving against the clinician), and lists
the clinician's resolution strategies. Alliance groups those strategies into the three repair
pathways that :mod:`alliance.science.repair` also advises: alliance-building, immediate repair and
expressive repair (metacommunication). The clinician's own experience ("inside the clinician")
is an intrapersonal marker worth recording. Agreed tasks and what came of them (adherence) are a
behavioural sign of the task part of the alliance (Bordin 1979).

The database stores the codes; labels here are the English wording, which the web layer
translates by code.

Sources
-------
Eubanks CF, Muran JC, Safran JD (2015). Rupture Resolution Rating System (3RS): Manual. New York:
Mount Sinai-Beth Israel Medical Center (revised 2022); the marker and strategy lists.
Safran JD, Muran JC (2000). Negotiating the therapeutic alliance: a relational treatment guide.
New York: Guilford; alliance-building and metacommunication.
Bordin ES (1979). The generalizability of the psychoanalytic concept of the working alliance.
Psychotherapy: Theory, Research & Practice 16(3):252-260; goals, tasks and bond.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

from alliance.science.repair import Pathway

__all__ = [
    "EXPERIENCES",
    "MARKERS",
    "MARKER_KINDS",
    "PATHWAYS",
    "PATHWAY_LABELS",
    "RESOLUTIONS",
    "RUPTURE_KINDS",
    "STRATEGIES",
    "TASK_OUTCOMES",
    "Adherence",
    "Experience",
    "Marker",
    "MarkerKind",
    "RecordedRupture",
    "Resolution",
    "RuptureKind",
    "RuptureSummary",
    "Strategy",
    "TaskOutcome",
    "check_experiences",
    "check_markers",
    "check_strategies",
    "rupture_kind",
    "strategies_by_pathway",
    "summarise_ruptures",
    "task_adherence",
]

MarkerKind = Literal["withdrawal", "confrontation"]
RuptureKind = Literal["withdrawal", "confrontation", "both"]
Resolution = Literal["resolved", "partly_resolved", "not_resolved"]
TaskOutcome = Literal["done", "partly", "not_done"]

MARKER_KINDS: tuple[MarkerKind, ...] = get_args(MarkerKind)
RUPTURE_KINDS: tuple[RuptureKind, ...] = get_args(RuptureKind)
PATHWAYS: tuple[Pathway, ...] = get_args(Pathway)
RESOLUTIONS: tuple[Resolution, ...] = get_args(Resolution)
TASK_OUTCOMES: tuple[TaskOutcome, ...] = get_args(TaskOutcome)

PATHWAY_LABELS: Mapping[Pathway, str] = MappingProxyType(
    {
        "alliance_building": "Alliance-building",
        "immediate_repair": "Immediate repair",
        "expressive_repair": "Expressive repair (metacommunication)",
    }
)


@dataclass(frozen=True)
class Marker:
    """A rupture marker: its stable ``code``, whether it is withdrawal or confrontation, and the
    English ``label``."""

    code: str
    kind: MarkerKind
    label: str


@dataclass(frozen=True)
class Strategy:
    """A repair strategy, the pathway it belongs to and where it comes from: ``"3rs"`` for the
    3RS resolution strategies, ``"safran_muran_2000"`` for the alliance-building moves DOMAIN.md
    adds (validating, inviting feedback)."""

    code: str
    pathway: Pathway
    label: str
    source: Literal["3rs", "safran_muran_2000"]


@dataclass(frozen=True)
class Experience:
    """Something the clinician felt in the session (an intrapersonal marker, or warmth)."""

    code: str
    label: str


def _by_code[T: (Marker, Strategy, Experience)](entries: Iterable[T]) -> Mapping[str, T]:
    return MappingProxyType({entry.code: entry for entry in entries})


# 3RS manual (Eubanks, Muran & Safran 2015), in the manual's order.
MARKERS: Mapping[str, Marker] = _by_code(
    [
        Marker("denial", "withdrawal", "Denial"),
        Marker("minimal_response", "withdrawal", "Minimal response"),
        Marker("abstract_communication", "withdrawal", "Abstract communication"),
        Marker("avoidant_storytelling", "withdrawal", "Avoidant storytelling or shifting topic"),
        Marker("deferential_appeasing", "withdrawal", "Deferential and appeasing"),
        Marker("content_affect_split", "withdrawal", "Content/affect split"),
        Marker("self_criticism_hopelessness", "withdrawal", "Self-criticism or hopelessness"),
        Marker(
            "complaints_about_clinician",
            "confrontation",
            "Complaints or concerns about the clinician",
        ),
        Marker("rejects_intervention", "confrontation", "Rejecting an intervention"),
        Marker(
            "complaints_about_activities",
            "confrontation",
            "Complaints or concerns about the activities of therapy",
        ),
        Marker(
            "complaints_about_parameters",
            "confrontation",
            "Complaints or concerns about the parameters of therapy",
        ),
        Marker(
            "complaints_about_progress", "confrontation", "Complaints or concerns about progress"
        ),
        Marker("defends_self", "confrontation", "Defending oneself against the clinician"),
        Marker(
            "controls_or_pressures", "confrontation", "Efforts to control or pressure the clinician"
        ),
    ]
)

# The ten 3RS resolution strategies plus the two alliance-building moves of DOMAIN.md, each in
# exactly one pathway. The 3RS itself does not group them this way: the pathway is Alliance's.
STRATEGIES: Mapping[str, Strategy] = _by_code(
    [
        Strategy(
            "clarify_misunderstanding", "alliance_building", "Clarify a misunderstanding", "3rs"
        ),
        Strategy(
            "give_rationale", "alliance_building", "Give a rationale or illustrate the task", "3rs"
        ),
        Strategy(
            "validate_feelings",
            "alliance_building",
            "Validate the client's feelings",
            "safran_muran_2000",
        ),
        Strategy("invite_feedback", "alliance_building", "Invite feedback", "safran_muran_2000"),
        Strategy("change_task_or_goal", "immediate_repair", "Change the task or the goal", "3rs"),
        Strategy("redirect_or_refocus", "immediate_repair", "Redirect or refocus", "3rs"),
        Strategy(
            "invite_discussion",
            "expressive_repair",
            "Invite discussion of thoughts or feelings about the clinician or therapy",
            "3rs",
        ),
        Strategy(
            "acknowledge_contribution",
            "expressive_repair",
            "Acknowledge the clinician's contribution",
            "3rs",
        ),
        Strategy(
            "disclose_experience",
            "expressive_repair",
            "Disclose the clinician's internal experience",
            "3rs",
        ),
        Strategy(
            "link_to_relationship",
            "expressive_repair",
            "Link to patterns in the relationship",
            "3rs",
        ),
        Strategy(
            "link_to_other_relationships",
            "expressive_repair",
            "Link to patterns in other relationships",
            "3rs",
        ),
        Strategy(
            "validate_defensive_posture",
            "expressive_repair",
            "Validate the defensive posture",
            "3rs",
        ),
    ]
)

# DOMAIN.md, "Inside the clinician", plus warmth so a good session can be recorded too.
EXPERIENCES: Mapping[str, Experience] = _by_code(
    [
        Experience("anxiety", "Anxiety"),
        Experience("frustration_anger", "Frustration or anger"),
        Experience("boredom", "Boredom"),
        Experience("hopelessness", "Hopelessness"),
        Experience("self_doubt", "Self-doubt"),
        Experience("shame", "Shame"),
        Experience("warmth", "Warmth"),
    ]
)


def _check_codes(
    codes: Iterable[str], known: Mapping[str, object], name: str, *, at_least_one: bool
) -> tuple[str, ...]:
    chosen = tuple(codes)
    allowed = ", ".join(known)
    if at_least_one and not chosen:
        raise ValueError(f"{name}: choose at least one of {allowed}")
    unknown = [code for code in chosen if code not in known]
    if unknown:
        raise ValueError(f"{name}: unknown {', '.join(map(repr, unknown))}; allowed: {allowed}")
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"{name}: each code at most once, got {list(chosen)!r}")
    # Stored in the list's own order so the same choice is always stored the same way.
    return tuple(code for code in known if code in chosen)


def check_markers(codes: Iterable[str]) -> tuple[str, ...]:
    """The marker codes in list order, or ``ValueError`` naming the unknown ones.

    A rupture needs at least one marker (3RS: a rupture is rated from its markers).

    Examples
    --------
    >>> check_markers(["rejects_intervention", "denial"])
    ('denial', 'rejects_intervention')
    >>> check_markers([])
    Traceback (most recent call last):
    ...
    ValueError: markers: choose at least one of denial, minimal_response, ...
    """
    return _check_codes(codes, MARKERS, "markers", at_least_one=True)


def check_strategies(codes: Iterable[str]) -> tuple[str, ...]:
    """The strategy codes in list order (none is allowed: no repair tried yet).

    Examples
    --------
    >>> check_strategies(["invite_discussion", "validate_feelings"])
    ('validate_feelings', 'invite_discussion')
    """
    return _check_codes(codes, STRATEGIES, "strategies", at_least_one=False)


def check_experiences(codes: Iterable[str]) -> tuple[str, ...]:
    """The clinician's experience codes in list order (none is allowed).

    Examples
    --------
    >>> check_experiences(["warmth", "anxiety"])
    ('anxiety', 'warmth')
    """
    return _check_codes(codes, EXPERIENCES, "experiences", at_least_one=False)


def rupture_kind(markers: Iterable[str]) -> RuptureKind:
    """Withdrawal, confrontation, or both, from a rupture's markers.

    3RS rates withdrawal and confrontation markers separately; a rupture with markers of each
    kind is ``"both"``.

    Examples
    --------
    >>> rupture_kind(["denial", "minimal_response"])
    'withdrawal'
    >>> rupture_kind(["denial", "defends_self"])
    'both'
    """
    kinds = {MARKERS[code].kind for code in check_markers(markers)}
    return kinds.pop() if len(kinds) == 1 else "both"


def strategies_by_pathway(codes: Iterable[str]) -> dict[Pathway, tuple[str, ...]]:
    """The chosen strategies grouped by repair pathway (every pathway present, maybe empty).

    Examples
    --------
    >>> strategies_by_pathway(["invite_discussion", "redirect_or_refocus"])["expressive_repair"]
    ('invite_discussion',)
    """
    chosen = check_strategies(codes)
    return {
        pathway: tuple(c for c in chosen if STRATEGIES[c].pathway == pathway)
        for pathway in PATHWAYS
    }


@dataclass(frozen=True)
class RecordedRupture:
    """One recorded rupture as the summary needs it: marker codes, strategy codes, resolution."""

    markers: Sequence[str]
    strategies: Sequence[str]
    resolution: Resolution


@dataclass(frozen=True)
class RuptureSummary:
    """An episode's ruptures at a glance.

    ``by_kind`` counts ruptures by withdrawal / confrontation / both; ``by_resolution`` by
    resolved / partly_resolved / not_resolved; ``by_pathway`` counts the ruptures in which each
    repair pathway was used; ``share_resolved`` is resolved / count and ``share_unresolved``
    not_resolved / count, both None without ruptures.
    """

    count: int
    by_kind: Mapping[RuptureKind, int]
    by_resolution: Mapping[Resolution, int]
    by_pathway: Mapping[Pathway, int]
    share_resolved: float | None
    share_unresolved: float | None


def _resolution(value: str) -> Resolution:
    if value not in RESOLUTIONS:
        raise ValueError(f"resolution: must be one of {', '.join(RESOLUTIONS)}, got {value!r}")
    return value


def summarise_ruptures(ruptures: Iterable[RecordedRupture]) -> RuptureSummary:
    """Count an episode's ruptures by kind, resolution and repair pathway used.

    share_resolved = n(resolved) / n; share_unresolved = n(not resolved) / n. Unresolved ruptures,
    and confrontation markers, predicted dropout in CBT (Eubanks, Muran & Safran 2015 3RS manual;
    REFERENCES.md "Ruptures": 42 CBT cases, confrontation d = .74), hence both shares.

    Examples
    --------
    >>> summary = summarise_ruptures([
    ...     RecordedRupture(["denial"], ["invite_discussion"], "resolved"),
    ...     RecordedRupture(["defends_self"], [], "not_resolved"),
    ... ])
    >>> summary.count, summary.by_kind["withdrawal"], summary.share_resolved
    (2, 1, 0.5)
    >>> summary.by_pathway["expressive_repair"]
    1
    """
    rows = list(ruptures)
    kinds = Counter(rupture_kind(r.markers) for r in rows)
    resolutions = Counter(_resolution(r.resolution) for r in rows)
    pathways = Counter(
        pathway
        for r in rows
        for pathway, used in strategies_by_pathway(r.strategies).items()
        if used
    )
    n = len(rows)
    return RuptureSummary(
        count=n,
        by_kind=MappingProxyType({k: kinds[k] for k in RUPTURE_KINDS}),
        by_resolution=MappingProxyType({r: resolutions[r] for r in RESOLUTIONS}),
        by_pathway=MappingProxyType({p: pathways[p] for p in PATHWAYS}),
        share_resolved=resolutions["resolved"] / n if n else None,
        share_unresolved=resolutions["not_resolved"] / n if n else None,
    )


@dataclass(frozen=True)
class Adherence:
    """What came of the reviewed tasks: counts by outcome and the share of each among the
    reviewed ones (None when no task has been reviewed)."""

    reviewed: int
    counts: Mapping[TaskOutcome, int]
    shares: Mapping[TaskOutcome, float] | None


def task_adherence(outcomes: Iterable[str | None]) -> Adherence:
    """Share of reviewed tasks done, partly done and not done.

    share(o) = n(o) / n(reviewed); ``None`` (or ``"not_reviewed"``) marks a task not yet
    reviewed, which is left out. Homework adherence is a behavioural sign of agreement on tasks
    (Bordin 1979; DOMAIN.md, "The alliance, as defined by Bordin").

    Examples
    --------
    >>> adherence = task_adherence(["done", "done", "partly", "not_done", None])
    >>> adherence.reviewed, adherence.shares["done"]
    (4, 0.5)
    """
    reviewed: list[TaskOutcome] = []
    for outcome in outcomes:
        if outcome is None or outcome == "not_reviewed":
            continue
        if outcome not in TASK_OUTCOMES:
            allowed = ", ".join((*TASK_OUTCOMES, "not_reviewed"))
            raise ValueError(f"outcome: must be one of {allowed}, got {outcome!r}")
        reviewed.append(outcome)
    counts = Counter(reviewed)
    n = len(reviewed)
    return Adherence(
        reviewed=n,
        counts=MappingProxyType({o: counts[o] for o in TASK_OUTCOMES}),
        shares=MappingProxyType({o: counts[o] / n for o in TASK_OUTCOMES}) if n else None,
    )
