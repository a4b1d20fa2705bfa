"""What a report counts in its range, from the stored episode rows and their sessions
(``alliance.reports.stored``, ``alliance.reports.packed``) instead of queries over every session
and response: episodes opened and closed, sessions by status, the completion figures, the
average client alliance and the clients behind the report. The definitions are those of
docs/reports.md; each one was an SQL aggregate before and gives the same numbers
(tests/reports/test_figures.py checks them against pandas)."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from alliance.care.models import Ending
from alliance.reports.packed import ATTENDED, MISSED, StoredSessions, in_range
from alliance.reports.stored import EpisodeRow
from alliance.science.engagement import UNPLANNED_ENDINGS

__all__ = [
    "AllianceMean",
    "EpisodeCounts",
    "SessionCounts",
    "alliance_means",
    "clients_in_range",
    "episode_counts",
    "session_counts",
]


@dataclass(frozen=True)
class EpisodeCounts:
    """Episodes opened and closed in the range, the closed ones that ended unplanned or by
    ghosting, and the clients of those opened and closed."""

    opened: int
    closed: int
    dropout: int
    ghosted: int
    opened_clients: int
    closed_clients: int


@dataclass(frozen=True)
class SessionCounts:
    """Sessions in the range: booked (any status), attended, missed (no-show or cancelled),
    their clients, and the attended ones where the client gave the outcome and the alliance
    measure."""

    booked: int
    attended: int
    missed: int
    booked_clients: int
    attended_clients: int
    with_outcome: int
    with_alliance: int


@dataclass(frozen=True)
class AllianceMean:
    """The mean of every client total on an alliance measure at a session in the range, where
    the measure is the episode's alliance measure; ``n`` totals from ``clients`` clients."""

    measure: str
    mean: float
    n: int
    clients: int


def _distinct(clients: Sequence[int]) -> int:
    return len(set(clients))


def episode_counts(episodes: Sequence[EpisodeRow]) -> EpisodeCounts:
    opened = [e for e in episodes if e.opened]
    closed = [e for e in episodes if e.closed]
    return EpisodeCounts(
        opened=len(opened),
        closed=len(closed),
        dropout=sum(1 for e in closed if e.ending in UNPLANNED_ENDINGS),
        ghosted=sum(1 for e in closed if e.ending == Ending.GHOSTED),
        opened_clients=_distinct([e.client for e in opened]),
        closed_clients=_distinct([e.client for e in closed]),
    )


def session_counts(stored: StoredSessions, first: dt.datetime, after: dt.datetime) -> SessionCounts:
    sessions = stored.sessions
    booked = in_range(sessions, first, after)
    status = sessions["status"]
    attended = booked & (status == ATTENDED)
    return SessionCounts(
        booked=int(booked.sum()),
        attended=int(attended.sum()),
        missed=int((booked & np.isin(status, MISSED)).sum()),
        booked_clients=len(stored.clients_of(booked)),
        attended_clients=len(stored.clients_of(attended)),
        with_outcome=int(sessions["outcome"][attended].sum()),
        with_alliance=int((sessions["alliance_n"][attended] > 0).sum()),
    )


def alliance_means(
    episodes: Sequence[EpisodeRow], stored: StoredSessions, first: dt.datetime, after: dt.datetime
) -> list[AllianceMean]:
    """One mean per alliance measure in use, in order of its code."""
    sessions = stored.sessions
    rated = in_range(sessions, first, after) & (sessions["alliance_n"] > 0)
    codes = sorted({e.alliance_measure for e in episodes})
    places = {code: place for place, code in enumerate(codes)}
    each = np.array([places[e.alliance_measure] for e in episodes], dtype=np.int64)
    measures = each[stored.episodes]
    means = []
    for place in np.unique(measures[rated]):
        code, chosen = codes[place], rated & (measures == place)
        n = int(sessions["alliance_n"][chosen].sum())
        total = float(sessions["alliance_total"][chosen].sum())
        means.append(AllianceMean(str(code), total / n, n, len(stored.clients_of(chosen))))
    return means


def clients_in_range(
    episodes: Sequence[EpisodeRow], stored: StoredSessions, first: dt.datetime, after: dt.datetime
) -> int:
    """Clients with an episode opened or closed, or a session, in the range: no figure of the
    report rests on more."""
    dated = {e.client for e in episodes if e.opened or e.closed}
    booked = stored.clients_of(in_range(stored.sessions, first, after))
    return len(dated.union(booked.tolist()))
