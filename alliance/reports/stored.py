"""Each episode's report figures, read once from its series and its sessions and stored until
something they were read from changes (docs/reports.md, *Stored episode figures*).

What is stored is what the outcome and missed-measurement sections read of an episode: per
outcome measure its first and last score, last scored session and number of scores (from the
series the one adapter builds, ``alliance.feedback.series.episodes_series``), the mean client
alliance and attended sessions (the same series), and for each attended session its start and
the measures due and missed there (``alliance.reports.missed``). A report reads the stored row
of every episode whose row is current and reads the others afresh, in a fixed number of
queries, storing what it read for the next report.

Current means: the row's ``computed`` equals its ``generation`` (which the database raises on
every change, ``alliance.reports.database``), its ``basis`` is the running code's (the
instrument catalogue, the time zone, this module's format) and the triggers are in place. The
generation is read before the episode's data, so a change that commits in between leaves the
row stale rather than wrong.
"""

import datetime as dt
import hashlib
import json
import logging
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import reduce
from itertools import islice
from typing import Any

import numpy as np
from django.conf import settings
from django.db import DatabaseError, connections, router, transaction
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    TextField,
)
from django.db.models.functions import Cast

from alliance.care.models import Episode, Session, SessionStatus
from alliance.feedback.series import episodes_series
from alliance.measures import catalogue
from alliance.reports.database import triggers_present
from alliance.reports.figures import ReportScope, closed_in_range
from alliance.reports.missed import attended_sessions, microseconds, session_measures
from alliance.reports.models import EpisodeFigures
from alliance.science.series import EpisodeSeries

__all__ = [
    "EpisodeRow",
    "StoredFigures",
    "StoredSessions",
    "basis",
    "episode_rows",
    "figures_fill",
    "figures_read",
    "sessions_array",
    "stored_sessions",
]

log = logging.getLogger(__name__)

FORMAT = 2
"""Raised when what is stored changes shape or meaning: every row is then read afresh."""
SESSIONS_DTYPE = np.dtype("<i8")
COLUMNS = 5
"""Per attended session: start, due, missed, outcome rated, alliance rated."""
CHUNK = 2000
"""Episodes read afresh per round of queries (bounded so the lists in the queries stay short)."""


@dataclass(frozen=True)
class StoredFigures:
    """One episode's figures. ``scores``: measure -> (first, last, last scored session, number
    of scores); ``alliance``: mean client alliance or None; ``attended``: attended sessions of
    the series; ``sessions``: each attended session as :data:`COLUMNS` little-endian 64-bit
    integers (its start in microseconds since 1970 UTC, then
    ``alliance.reports.missed.session_measures``: measures due, measures missed, client's
    outcome rating given, client's alliance rating given), as stored; ``baseline``: the
    outcome measure's score before treatment (issue 19), or None."""

    scores: dict[str, tuple[float, float, int, int]]
    alliance: float | None
    attended: int
    sessions: bytes
    baseline: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "scores": {code: list(value) for code, value in self.scores.items()},
            "alliance": self.alliance,
            "attended": self.attended,
            "baseline": self.baseline,
        }

    @classmethod
    def from_json(cls, stored: dict[str, Any], sessions: bytes) -> "StoredFigures":
        scores = {
            code: (float(v[0]), float(v[1]), int(v[2]), int(v[3]))
            for code, v in stored["scores"].items()
        }
        alliance = stored["alliance"]
        alliance = None if alliance is None else float(alliance)
        baseline = stored.get("baseline")
        baseline = None if baseline is None else float(baseline)
        return cls(scores, alliance, int(stored["attended"]), bytes(sessions), baseline)


def sessions_bytes(sessions: Sequence[tuple[int, ...]]) -> bytes:
    return np.asarray(sessions, dtype=SESSIONS_DTYPE).reshape(-1, COLUMNS).tobytes()


def sessions_array(stored: bytes) -> np.ndarray:
    """Stored sessions as an (n, :data:`COLUMNS`) array."""
    return np.frombuffer(stored, dtype=SESSIONS_DTYPE).reshape(-1, COLUMNS)


@dataclass(frozen=True)
class EpisodeRow:
    """An episode of the report's scope with its figures; ``closed``: closed in the range."""

    pk: int
    client: int
    outcome_measure: str
    age_group: str
    closed: bool
    figures: StoredFigures


def basis() -> str:
    """What the figures depend on besides the episode's rows: the instrument definitions (which
    measures are outcome and alliance measures, who answers each), the time zone (a session's
    day) and the stored format."""
    instruments = repr(sorted(catalogue.instruments().items()))
    text = json.dumps([FORMAT, str(settings.TIME_ZONE), instruments])
    return hashlib.sha256(text.encode()).hexdigest()


def _batched(values: Iterable[int], size: int) -> Iterable[list[int]]:
    found = iter(values)
    while chunk := list(islice(found, size)):
        yield chunk


def _series_figures(series: EpisodeSeries) -> tuple[dict[str, Any], float | None, int]:
    scores = {}
    for code, instrument in catalogue.instruments().items():
        if instrument.kind != "outcome":
            continue
        found = series.scores(code)
        if found:
            scores[code] = (found[0][1], found[-1][1], found[-1][0], len(found))
    ratings = [p.alliance for p in series.sessions if p.alliance is not None]
    alliance = float(np.mean(ratings)) if ratings else None
    attended = sum(1 for p in series.sessions if p.status == "attended")
    return scores, alliance, attended


def figures_read(episode_ids: Sequence[int]) -> dict[int, StoredFigures]:
    """Every episode's figures read afresh: its series through the one adapter, its attended
    sessions' due and missed measures (``alliance.reports.missed``), in a fixed number of
    queries however many episodes."""
    episodes = list(Episode.objects.filter(pk__in=episode_ids).select_related("client"))
    series = episodes_series(episodes, expected=False, totals_only=True)
    by_episode: dict[int, list[tuple[int, ...]]] = {e.pk: [] for e in episodes}
    query = Session.objects.filter(episode_id__in=episode_ids, status=SessionStatus.ATTENDED)
    for session in attended_sessions(query).order_by("starts_at", "pk"):
        starts = microseconds(session.starts_at)
        by_episode[session.episode_id].append((starts, *session_measures(session)))
    found = {}
    for episode in episodes:
        one = series[episode.pk]
        scores, alliance, attended = _series_figures(one)
        sessions = sessions_bytes(by_episode[episode.pk])
        found[episode.pk] = StoredFigures(scores, alliance, attended, sessions, one.baseline)
    return found


def _in_scope(scope: ReportScope, first: dt.datetime, after: dt.datetime) -> Any:
    """The scope's episodes closed in the range or with an attended session in it."""
    attended = Session.objects.filter(
        episode=OuterRef("pk"),
        status=SessionStatus.ATTENDED,
        starts_at__gte=first,
        starts_at__lt=after,
    )
    closed = ExpressionWrapper(closed_in_range(scope), output_field=BooleanField())
    return (
        scope.episodes.filter(closed_in_range(scope) | Exists(attended))
        .annotate(closed=closed, figures_text=Cast("report_figures__figures", TextField()))
        .order_by()
        .values_list(
            "pk",
            "client_id",
            "outcome_measure",
            "client__age_group",
            "closed",
            "report_figures__generation",
            "report_figures__computed",
            "report_figures__basis",
            "report_figures__sessions",
            "figures_text",
            "client__code",
            "started_on",
        )
    )


def episode_rows(scope: ReportScope, first: dt.datetime, after: dt.datetime) -> list[EpisodeRow]:
    """The scope's episodes closed in the range or with an attended session in it, each with its
    figures: stored where current, read afresh (and stored) where not."""
    # A fixed order by natural keys: floating-point sums then come out the same to the last
    # bit on every run, and after a restore (docs/transfer.md). Sorted here, by code point on
    # every database: sorting the wide rows in PostgreSQL spilled to disk past work_mem.
    rows = sorted(_in_scope(scope, first, after), key=lambda row: (row[10], row[11], row[0]))
    trusted = triggers_present(connections[router.db_for_read(EpisodeFigures)])
    current = basis()
    good = [
        trusted and row[8] is not None and row[9] is not None and row[6] == row[5] for row in rows
    ]
    good = [ok and row[7] == current for ok, row in zip(good, rows, strict=True)]
    # One parse of every current row's figures: many small parses cost more than the query.
    texts = [row[9] for ok, row in zip(good, rows, strict=True) if ok]
    parsed = iter(json.loads(f"[{','.join(texts)}]"))
    stored: dict[int, StoredFigures] = {}
    seen: dict[int, int | None] = {}
    for ok, row in zip(good, rows, strict=True):
        if ok:
            stored[row[0]] = StoredFigures.from_json(next(parsed), row[8])
        else:
            seen[row[0]] = row[5]
    for chunk in _batched(seen, CHUNK):
        found = figures_read(chunk)
        if trusted:
            _store(found, {pk: seen[pk] for pk in chunk}, current)
        stored.update(found)
    return [
        EpisodeRow(pk, client, measure, age, closed, stored[pk])
        for pk, client, measure, age, closed, *_rest in rows
    ]


def _store(found: dict[int, StoredFigures], seen: dict[int, int | None], current: str) -> None:
    """Keep what was read, each row only if nothing changed since its generation was read: the
    row is deleted only while it still has that generation and written again with it; a change
    in between leaves (or makes) a row the new one cannot replace, so it stays stale. Best
    effort: a report never fails for want of storing (it has read the figures already)."""
    try:
        with transaction.atomic(using=router.db_for_write(EpisodeFigures)):
            for chunk in _batched(seen, 500):
                unchanged = [Q(episode_id=pk, generation=seen[pk]) for pk in chunk if seen[pk]]
                if unchanged:
                    EpisodeFigures.objects.filter(reduce(operator.or_, unchanged)).delete()
                EpisodeFigures.objects.bulk_create(
                    [
                        EpisodeFigures(
                            episode_id=pk,
                            generation=seen[pk] or 0,
                            computed=seen[pk] or 0,
                            basis=current,
                            figures=found[pk].as_json(),
                            sessions=found[pk].sessions,
                        )
                        for pk in chunk
                    ],
                    ignore_conflicts=True,  # changed meanwhile: the changed row stays, stale
                )
    except DatabaseError:
        log.warning("stored report figures: could not store %d episodes", len(seen))


@dataclass(frozen=True)
class StoredSessions:
    """Every stored attended session of some episodes: ``sessions`` an (n, :data:`COLUMNS`)
    array, ``clients`` the client of each row."""

    clients: np.ndarray
    sessions: np.ndarray


def stored_sessions(episodes: Sequence[EpisodeRow]) -> StoredSessions:
    arrays = [sessions_array(e.figures.sessions) for e in episodes]
    clients = np.repeat(
        np.array([e.client for e in episodes], dtype=np.int64), [len(a) for a in arrays]
    )
    sessions = np.concatenate(arrays) if arrays else np.empty((0, COLUMNS), dtype=SESSIONS_DTYPE)
    return StoredSessions(clients, sessions)


def figures_fill(episodes: QuerySet[Episode]) -> int:
    """Read afresh and store the figures of every one of these episodes whose stored row is not
    current, so the next report need not (``manage.py report_figures_fill``, e.g. after
    migrating or a large import). Returns how many were read; none without the triggers."""
    if not triggers_present(connections[router.db_for_write(EpisodeFigures)]):
        return 0
    current = basis()
    rows = episodes.order_by("pk").values_list(
        "pk",
        "report_figures__generation",
        "report_figures__computed",
        "report_figures__basis",
        "report_figures__sessions",
    )
    seen = {
        pk: generation
        for pk, generation, computed, row_basis, sessions in rows
        if sessions is None or computed != generation or row_basis != current
    }
    for chunk in _batched(seen, CHUNK):
        _store(figures_read(chunk), {pk: seen[pk] for pk in chunk}, current)
    return len(seen)
