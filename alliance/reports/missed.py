"""Missed measurement (issue 11, point 3): measures due at an attended session and not answered
by the client. Counted on its own, never as a score: a missed measure is no rating of zero, and
no figure of outcome or alliance reads it. What is due is ``alliance.care.plans``'s (fixed in
``Session.due`` once the session started, else the episode's plan); voided responses do not
count as answered.

Each attended session's due and missed counts are read once and kept with the episode's stored
figures (``alliance.reports.stored``); a report sums those of its range."""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from alliance.care import plans
from alliance.care.models import MeasurePlanItem, Session
from alliance.measures.models import Response

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

AttendedSession = tuple[int, int, int]
"""An attended session: its start in microseconds since 1970 UTC, measures due, measures
missed."""


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


def session_measures(session: Session) -> tuple[int, int]:
    """How many measures were due at an attended session, and how many of those not given."""
    return len(plans.due_for_session(session)), len(plans.missed_measures(session))


def missed_measurement(
    episodes: Iterable[tuple[int, Sequence[AttendedSession]]],
    first: dt.datetime,
    after: dt.datetime,
) -> MissedMeasurement:
    """Over the attended sessions from ``first`` up to ``after`` of these episodes, each given as
    its client and its attended sessions (:data:`AttendedSession`)."""
    start, end = microseconds(first), microseconds(after)
    due = missed = with_missed = 0
    clients: set[int] = set()
    attended: set[int] = set()
    for client, sessions in episodes:
        for starts, due_here, missed_here in sessions:
            if not start <= starts < end:
                continue
            attended.add(client)
            due += due_here
            missed += missed_here
            if missed_here:
                with_missed += 1
                clients.add(client)
    return MissedMeasurement(
        due=due,
        missed=missed,
        sessions=with_missed,
        clients=len(clients),
        attended_clients=len(attended),
    )
