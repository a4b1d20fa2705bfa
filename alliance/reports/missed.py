"""Missed measurement (issue 11, point 3): measures due at an attended session and not answered
by the client. Counted on its own, never as a score: a missed measure is no rating of zero, and
no figure of outcome or alliance reads it. What is due is ``alliance.care.plans``'s (fixed in
``Session.due`` once the session started, else the episode's plan); voided responses do not
count as answered."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from alliance.care import plans
from alliance.care.models import Episode, MeasurePlanItem, Session, SessionStatus
from alliance.measures.models import Response


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


def missed_measurement(
    episodes: QuerySet[Episode], first: dt.datetime, after: dt.datetime
) -> MissedMeasurement:
    """Over the attended sessions of these episodes from ``first`` up to ``after``, in a fixed
    number of queries (a plan repeated every N weeks without the session's due measures fixed
    reads when each was last given, one query a session)."""
    sessions = (
        Session.objects.filter(
            episode__in=episodes,
            status=SessionStatus.ATTENDED,
            starts_at__gte=first,
            starts_at__lt=after,
        )
        .select_related("episode")
        .prefetch_related(
            Prefetch("episode__plan", queryset=MeasurePlanItem.objects.order_by("position", "pk")),
            Prefetch(
                "responses",
                queryset=Response.objects.only("pk", "session_id", "instrument", "rater"),
            ),
            "goal_ratings",
        )
    )
    due = missed = with_missed = 0
    clients: set[int] = set()
    attended: set[int] = set()
    for session in sessions:
        attended.add(session.episode.client_id)
        given = plans.missed_measures(session)
        due += len(plans.due_for_session(session))
        missed += len(given)
        if given:
            with_missed += 1
            clients.add(session.episode.client_id)
    return MissedMeasurement(
        due=due,
        missed=missed,
        sessions=with_missed,
        clients=len(clients),
        attended_clients=len(attended),
    )
