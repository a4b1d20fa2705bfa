"""Missed measurement (issue 11, point 3): measures due at an attended session and not answered
by the client. Counted on its own, never as a score: a missed measure is no rating of zero, and
no figure of outcome or alliance reads it. What is due is ``alliance.care.plans``'s (fixed in
``Session.due`` once the session started, else the episode's plan); voided responses do not
count as answered.

Each attended session's due and missed counts are read once and kept with the episode's stored
figures (``alliance.reports.stored``, packed as ``alliance.reports.packed`` says); a report sums
those of its range."""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from alliance.care import plans
from alliance.care.models import Session
from alliance.measures.models import Rater
from alliance.reports.packed import ATTENDED, EPOCH, StoredSessions, in_range, microseconds
from alliance.science.plans import Phase

__all__ = [
    "EPOCH",
    "MissedMeasurement",
    "in_range",
    "measures_of",
    "microseconds",
    "missed_measurement",
    "session_measures",
]


@dataclass(frozen=True)
class MissedMeasurement:
    """``due``: measures due at attended sessions; ``missed``: of those, not given;
    ``sessions``: attended sessions with at least one missed; ``clients``: their clients;
    ``attended_clients``: the clients of every attended session counted."""

    due: int
    missed: int
    sessions: int
    clients: int
    attended_clients: int


def session_measures(session: Session) -> tuple[int, int, int, int]:
    """Of an attended session: how many measures were due, how many of those not given, and
    whether (1 or 0) the client rated the episode's outcome measure and its alliance measure
    (the completion figures). Reads the session's responses and goal ratings."""
    responses = [(r.instrument, r.rater) for r in session.responses.all()]
    rated = any(True for _rating in session.goal_ratings.all())
    return measures_of(session, responses, goal_rated=rated)


def measures_of(
    session: Session,
    responses: Sequence[tuple[str, str]],
    *,
    goal_rated: bool,
    kinds: Mapping[str, Phase] | None = None,
) -> tuple[int, int, int, int]:
    """:func:`session_measures` of an attended session whose responses (instrument, rater;
    none voided) and goal ratings were read with those of many sessions: the rules are
    ``alliance.care.plans``' (``due_for_session``, ``answered_from``); ``kinds`` is
    ``plans.phases()``, passed in by a reader of many sessions."""
    episode = session.episode
    due = plans.due_for_session(session, kinds=kinds)
    answered = set(plans.answered_from(responses, goal_rated=goal_rated))
    client = {code for code, rater in responses if rater == Rater.CLIENT}
    return (
        len(due),
        sum(1 for code in due if code not in answered),
        int(episode.outcome_measure in client),
        int(episode.alliance_measure in client),
    )


def missed_measurement(
    stored: StoredSessions, first: dt.datetime, after: dt.datetime
) -> MissedMeasurement:
    """Over the attended sessions from ``first`` up to ``after`` of the stored sessions
    (``alliance.reports.packed``: the due and missed counts of :func:`session_measures`)."""
    sessions = stored.sessions
    counted = in_range(sessions, first, after) & (sessions["status"] == ATTENDED)
    missed_some = counted & (sessions["missed"] > 0)
    return MissedMeasurement(
        due=int(sessions["due"][counted].sum()),
        missed=int(sessions["missed"][counted].sum()),
        sessions=int(missed_some.sum()),
        clients=len(stored.clients_of(missed_some)),
        attended_clients=len(stored.clients_of(counted)),
    )
