"""Which repair pathway fits which strained part of the alliance, and the advice shown.

Bordin (1979) splits the alliance into bond, goals and tasks; the SRS rates the relationship
(bond), goals and topics, approach or method (tasks) and the session overall. Safran & Muran
(2000) and the 3RS manual (Eubanks, Muran & Safran 2015) describe three repair pathways
(DOMAIN.md, "Ruptures and their repair"): alliance building (rationale, clarify, validate, invite
feedback), immediate repair (change the task or the goal) and expressive repair
(metacommunication). This module maps one to the other; the alert rules in
:mod:`alliance.science.signals` use it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

__all__ = [
    "ADVICE",
    "DEFAULT_ITEM_ASPECTS",
    "Advice",
    "Aspect",
    "Pathway",
    "aspect_of",
    "lowest_item",
    "repair_for",
]

Pathway = Literal["alliance_building", "immediate_repair", "expressive_repair"]
Aspect = Literal["relationship", "goals", "approach", "overall"]


@dataclass(frozen=True)
class Advice:
    """What the clinician is advised to do: a stable ``code`` (the web layer translates by code)
    and the English ``text``."""

    code: str
    text: str


_TEXTS = {
    "assess_risk_today": "A risk question was answered above zero. Assess risk today, following "
    "your local protocol.",
    "review_progress": "The client is below the expected path. Review progress together and agree "
    "what to change; consider consulting a colleague.",
    "review_deterioration": "Scores are reliably worse than at the start. Ask the client what is "
    "not helping and review the plan together.",
    "renegotiate_goals": "Revisit the goals with the client, in their own words, and agree what to "
    "work on.",
    "renegotiate_task": "Ask how the new task fits and change it together if it does not.",
    "give_rationale": "Explain how the approach serves the client's goal, check it makes sense to "
    "them, and be ready to change it together.",
    "metacommunicate": "Talk about what is happening between you, with curiosity, and own your "
    "part.",
    "invite_feedback": "Ask what would make the sessions more useful, and thank the client for "
    "telling you.",
    "check_pseudo_alliance": "You rated the session much higher than the client did. Invite their "
    "feedback and talk about how the session felt for each of you.",
    "invite_honest_feedback": "Perfect scores every time can mean it is hard to say what is not "
    "working. Invite honest feedback, even about small things.",
    "reach_out": "A session was missed after a low or falling alliance score. Reach out soon, "
    "kindly, and invite the client to say what did not work.",
    "record_outcome": "No outcome measure for several sessions. Ask the client to fill it in at "
    "the start of the next session.",
}
ADVICE: Mapping[str, Advice] = MappingProxyType({c: Advice(c, t) for c, t in _TEXTS.items()})

# A keyword found in an alliance item or subscale code -> the aspect it rates (SRS, Child SRS,
# Group SRS; WAI-SR subscales).
DEFAULT_ITEM_ASPECTS: tuple[tuple[str, Aspect], ...] = (
    ("relationship", "relationship"),
    ("listen", "relationship"),
    ("goal", "goals"),
    ("topic", "goals"),
    ("important", "goals"),
    ("approach", "approach"),
    ("method", "approach"),
    ("what_we_did", "approach"),
    ("overall", "overall"),
    # The WAI-SR's subscales (Bordin's bond, goals and tasks).
    ("bond", "relationship"),
    ("task", "approach"),
)
_PRIORITY: tuple[Aspect | None, ...] = (*get_args(Aspect), None)


@functools.cache  # item codes are few and looked up for every rated session
def aspect_of(
    code: str, item_aspects: tuple[tuple[str, Aspect], ...] = DEFAULT_ITEM_ASPECTS
) -> Aspect | None:
    """The aspect of the alliance an item rates: the first keyword contained in its code.

    Examples
    --------
    >>> aspect_of("srs_goals_topics"), aspect_of("csrs_listened"), aspect_of("leader")
    ('goals', 'relationship', None)
    """
    lowered = code.lower()
    return next((aspect for key, aspect in item_aspects if key in lowered), None)


def lowest_item(
    items: Mapping[str, float], item_aspects: tuple[tuple[str, Aspect], ...] = DEFAULT_ITEM_ASPECTS
) -> str | None:
    """Code of the lowest-rated item; ties go to relationship, then goals, approach, overall.

    The bond goes first on a tie because a strained relationship needs the most care.

    Examples
    --------
    >>> lowest_item({"overall": 8.0, "goals": 8.0, "relationship": 9.0})
    'goals'
    """

    def rank(code: str) -> tuple[float, int, str]:
        return (items[code], _PRIORITY.index(aspect_of(code, item_aspects)), code)

    return min(items, key=rank, default=None)


def repair_for(aspect: Aspect | None, *, new_task: bool = False) -> tuple[Advice, Pathway]:
    """Advice and repair pathway for the strained aspect of the alliance.

    ============  ================================================  =================
    aspect        advice                                            pathway
    ============  ================================================  =================
    relationship  ``metacommunicate``                               expressive_repair
    goals         ``renegotiate_goals``                             immediate_repair
    approach      ``renegotiate_task`` if a new task was agreed     immediate_repair
    approach      ``give_rationale`` otherwise                      alliance_building
    overall/none  ``invite_feedback``                               alliance_building
    ============  ================================================  =================

    Sources: Bordin ES (1979). The generalizability of the psychoanalytic concept of the working
    alliance. Psychotherapy: Theory, Research & Practice, 16(3), 252-260. Safran JD, Muran JC
    (2000). Negotiating the therapeutic alliance: a relational treatment guide. New York: Guilford.
    Eubanks CF, Muran JC, Safran JD (2015). Rupture Resolution Rating System (3RS): manual.

    Examples
    --------
    >>> advice, pathway = repair_for("approach", new_task=True)
    >>> advice.code, pathway
    ('renegotiate_task', 'immediate_repair')
    """
    if aspect == "relationship":
        return ADVICE["metacommunicate"], "expressive_repair"
    if aspect == "goals":
        return ADVICE["renegotiate_goals"], "immediate_repair"
    if aspect == "approach" and new_task:
        return ADVICE["renegotiate_task"], "immediate_repair"
    if aspect == "approach":
        return ADVICE["give_rationale"], "alliance_building"
    return ADVICE["invite_feedback"], "alliance_building"
