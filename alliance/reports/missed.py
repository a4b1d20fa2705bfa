"""Missed measurement (issue 11, point 3): measures due at an attended session and not answered
by the client. Counted on its own, never as a score: a missed measure is no rating of zero, and
no figure of outcome or alliance reads it. What is due is ``alliance.care.plans``'s (fixed in
``Session.due`` once the session started, else the episode's plan); voided responses do not
count as answered.

Each attended session's due and missed counts are read once and kept with the episode's stored
figures (``alliance.reports.stored``); a report sums those of its range."""

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db.models import Prefetch, QuerySet

from alliance.care import plans
from alliance.care.models import MeasurePlanItem, Session
from alliance.measures.models import Rater, Response

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


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


def microseconds(moment: dt.datetime) -> int:
    """A moment as whole microseconds since 1970 UTC (exact, unlike a float timestamp)."""
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def attended_sessions(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """These sessions with what :func:`session_measures` reads, in a fixed number of queries (a
    plan repeated every N weeks without the session's due measures fixed reads when each was
    last given, one query a session)."""
    return sessions.select_related("episode").prefetch_related(
        Prefetch("episode__plan", queryset=MeasurePlanItem.objects.order_by("position", "pk")),
        Prefetch(
            "responses",
            queryset=Response.objects.only("pk", "session_id", "instrument", "rater"),
        ),
        "goal_ratings",
    )


def _client_rated(session: Session, code: str) -> bool:
    """The client rated this measure in the session (voided responses are not prefetched)."""
    return any(r.rater == Rater.CLIENT and r.instrument == code for r in session.responses.all())


def session_measures(session: Session) -> tuple[int, int, int, int]:
    """Of an attended session: how many measures were due, how many of those not given, and
    whether (1 or 0) the client rated the episode's outcome measure and its alliance measure
    (the completion figures)."""
    episode = session.episode
    return (
        len(plans.due_for_session(session)),
        len(plans.missed_measures(session)),
        int(_client_rated(session, episode.outcome_measure)),
        int(_client_rated(session, episode.alliance_measure)),
    )


def in_range(sessions: np.ndarray, first: dt.datetime, after: dt.datetime) -> np.ndarray:
    """Which of the stored attended sessions start from ``first`` up to ``after``."""
    starts = sessions[:, 0]
    return (starts >= microseconds(first)) & (starts < microseconds(after))


def missed_measurement(
    clients: np.ndarray, sessions: np.ndarray, first: dt.datetime, after: dt.datetime
) -> MissedMeasurement:
    """Over the attended sessions from ``first`` up to ``after``: ``sessions`` holds a row of
    :func:`session_measures` per attended session after its start (:func:`microseconds`),
    ``clients`` the client of each."""
    counted = in_range(sessions, first, after)
    due, missed = sessions[counted, 1], sessions[counted, 2]
    return MissedMeasurement(
        due=int(due.sum()),
        missed=int(missed.sum()),
        sessions=int((missed > 0).sum()),
        clients=len(np.unique(clients[counted][missed > 0])),
        attended_clients=len(np.unique(clients[counted])),
    )
