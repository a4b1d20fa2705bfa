"""Each session of an episode as the stored report figures keep it: one fixed-size record a
session, of every status, packed so that a report sums hundreds of thousands of them with numpy
instead of parsing or querying them one by one (docs/reports.md, *Stored episode figures*).

A record holds what the activity, completion, missed-measurement and alliance sections count of
a session: its start, its status, the measures due and missed there and whether the client
gave the outcome measure (attended sessions only, ``alliance.reports.missed.session_measures``),
and the number and sum of the client's totals on the episode's alliance measure (any status,
as the alliance average always read them). Changing the layout means raising
``alliance.reports.stored.FORMAT``.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from alliance.care.models import SessionStatus

__all__ = [
    "ATTENDED",
    "MISSED",
    "SESSION_DTYPE",
    "STATUSES",
    "StoredSessions",
    "in_range",
    "microseconds",
    "pack",
    "unpack",
]

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

STATUSES: tuple[str, ...] = tuple(SessionStatus.values)
"""A session's status is stored as its place in this tuple."""
ATTENDED = STATUSES.index(SessionStatus.ATTENDED)
MISSED = (STATUSES.index(SessionStatus.NO_SHOW), STATUSES.index(SessionStatus.CANCELLED))
"""The statuses the report counts as missed sessions (no-show or cancelled)."""

SESSION_DTYPE = np.dtype(
    [
        ("start", "<i8"),  # microseconds since 1970 UTC (:func:`microseconds`)
        ("alliance_total", "<f8"),  # sum of the client's totals on the episode's alliance measure
        ("alliance_n", "<i2"),  # how many such totals
        ("status", "<i2"),  # place in STATUSES
        ("due", "<i2"),  # measures due (attended sessions; 0 otherwise)
        ("missed", "<i2"),  # of those, not given
        ("outcome", "<i2"),  # 1 if the client gave the episode's outcome measure (attended)
    ]
)

Record = tuple[int, float, int, int, int, int, int]
"""One session's fields, in :data:`SESSION_DTYPE`'s order."""


def microseconds(moment: dt.datetime) -> int:
    """A moment as whole microseconds since 1970 UTC (exact, unlike a float timestamp)."""
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def moment(microseconds_since_1970: int) -> dt.datetime:
    """The inverse of :func:`microseconds`."""
    return EPOCH + dt.timedelta(microseconds=int(microseconds_since_1970))


def pack(records: Sequence[Record]) -> bytes:
    return np.array(list(records), dtype=SESSION_DTYPE).tobytes()


def unpack(stored: bytes) -> np.ndarray:
    """Stored sessions as a one-dimensional array of :data:`SESSION_DTYPE` records."""
    return np.frombuffer(stored, dtype=SESSION_DTYPE)


def in_range(sessions: np.ndarray, first: dt.datetime, after: dt.datetime) -> np.ndarray:
    """Which of the stored sessions start from ``first`` up to ``after``."""
    starts = sessions["start"]
    return (starts >= microseconds(first)) & (starts < microseconds(after))


@dataclass(frozen=True)
class StoredSessions:
    """Every stored session of some episodes, in one array: ``sessions`` the records,
    ``episodes`` the place of each session's episode in the list of episodes (ascending: an
    episode's sessions are together), ``episode_clients`` each episode's client."""

    episodes: np.ndarray
    episode_clients: np.ndarray
    sessions: np.ndarray

    @property
    def clients(self) -> np.ndarray:
        """The client of each session."""
        return self.episode_clients[self.episodes]

    def clients_of(self, chosen: np.ndarray) -> np.ndarray:
        """The distinct clients of the ``chosen`` sessions (a mask), through their episodes: a
        pass over the sessions and a sort of the episodes' clients, not of the sessions'."""
        touched = np.zeros(len(self.episode_clients), dtype=bool)
        touched[self.episodes[chosen]] = True
        return np.unique(self.episode_clients[touched])
