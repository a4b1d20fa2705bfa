"""Each episode's report figures, read once from its series and its sessions and stored until
something they were read from changes (docs/reports.md, *Stored episode figures*).

What is stored is what a report reads of an episode: per outcome measure its first and last
score, last scored session and number of scores (from the series the one adapter builds,
``alliance.feedback.series.episodes_series``), the mean client alliance and attended sessions
(the same series), a record of every session (``alliance.reports.packed``: its start and
status, the measures due and missed there, ``alliance.reports.missed``, and the client's
alliance totals) and the first and last session's start. A report reads, in one query, the
stored row of every episode in its range whose row is current, and reads the others afresh in a
fixed number of queries, storing what it read for the next report.

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
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from alliance.care import plans
from alliance.care.models import Episode, GoalRating, MeasurePlanItem, Session, SessionStatus
from alliance.feedback.series import episodes_series
from alliance.measures import catalogue
from alliance.measures.models import Rater, Response
from alliance.reports import packed
from alliance.reports.database import triggers_present
from alliance.reports.figures import ReportScope, closed_in_range, opened_in_range
from alliance.reports.missed import measures_of
from alliance.reports.models import EpisodeFigures
from alliance.reports.packed import StoredSessions
from alliance.science.plans import Phase
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

FORMAT = 3
"""Raised when what is stored changes shape or meaning: every row is then read afresh."""
CHUNK = 2000
"""Episodes read afresh per round of queries (bounded so the lists in the queries stay short)."""


@dataclass(frozen=True)
class StoredFigures:
    """One episode's figures. ``scores``: measure -> (first, last, last scored session, number
    of scores); ``alliance``: mean client alliance or None; ``attended``: attended sessions of
    the series; ``sessions``: every session, in order of its start, as packed records
    (``alliance.reports.packed``), as stored; ``baseline``: the outcome measure's score before
    treatment (issue 19), or None."""

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
        # JSON gives back the types as_json wrote (floats stay floats, counts ints): no
        # conversion per value, as a report makes tens of thousands of these.
        scores = {code: tuple(value) for code, value in stored["scores"].items()}
        return cls(
            scores,
            stored["alliance"],
            stored["attended"],
            bytes(sessions),
            stored.get("baseline"),
        )


def sessions_array(stored: bytes) -> np.ndarray:
    """Stored sessions as an array of ``alliance.reports.packed`` records."""
    return packed.unpack(stored)


@dataclass(frozen=True)
class EpisodeRow:
    """An episode of the report's scope with its figures; ``closed``, ``opened``: closed or
    opened in the range; ``ending``: how it ended."""

    pk: int
    client: int
    outcome_measure: str
    age_group: str
    closed: bool
    figures: StoredFigures
    alliance_measure: str = ""
    opened: bool = False
    ending: str = ""


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


@dataclass(frozen=True)
class _SessionsRead:
    """What a report counts of some episodes' sessions beyond their own fields, read in three
    queries: each session's responses (instrument, rater, total; none voided), the sessions
    with a goal rating, each instrument's phase."""

    responses: dict[int, list[tuple[str, str, float]]]
    goal_rated: set[int]
    kinds: dict[str, Phase]


def _sessions_read(episode_ids: Sequence[int]) -> _SessionsRead:
    responses: dict[int, list[tuple[str, str, float]]] = {}
    rows = Response.objects.filter(session__episode_id__in=episode_ids).order_by("pk")
    for session, instrument, rater, total in rows.values_list(
        "session_id", "instrument", "rater", "total"
    ):
        responses.setdefault(session, []).append((instrument, rater, total))
    rated = GoalRating.objects.filter(session__episode_id__in=episode_ids)
    goal_rated = set(rated.values_list("session_id", flat=True))
    return _SessionsRead(responses, goal_rated, plans.phases())


def _session_record(session: Session, read: _SessionsRead) -> packed.Record:
    """What a report counts of one session (``alliance.reports.packed``): the client's totals
    on the alliance measure at any status, as the alliance average reads them; due, missed and
    the outcome measure given at attended sessions only."""
    episode, responses = session.episode, read.responses.get(session.pk, [])
    totals = [
        total
        for instrument, rater, total in responses
        if rater == Rater.CLIENT and instrument == episode.alliance_measure
    ]
    due = missed = outcome = 0
    if session.status == SessionStatus.ATTENDED:
        given = [(instrument, rater) for instrument, rater, _total in responses]
        rated = session.pk in read.goal_rated
        due, missed, outcome, _ = measures_of(session, given, goal_rated=rated, kinds=read.kinds)
    status = packed.STATUSES.index(session.status)
    start = packed.microseconds(session.starts_at)
    return (start, float(sum(totals)), len(totals), status, due, missed, outcome)


SESSION_FIELDS = ("pk", "episode_id", "starts_at", "status", "number", "final", "due")


def figures_read(episode_ids: Sequence[int]) -> dict[int, StoredFigures]:
    """Every episode's figures read afresh: its series through the one adapter, a record of
    each of its sessions (``alliance.reports.packed``), in a fixed number of queries however
    many episodes. The sessions are read as plain values (a model instance with prefetched
    responses each cost a report after migrating minutes at a million ratings)."""
    plan = Prefetch("plan", queryset=MeasurePlanItem.objects.order_by("position", "pk"))
    episodes = list(
        Episode.objects.filter(pk__in=episode_ids).select_related("client").prefetch_related(plan)
    )
    series = episodes_series(episodes, expected=False, totals_only=True)
    by_pk = {e.pk: e for e in episodes}
    read = _sessions_read(episode_ids)
    by_episode: dict[int, list[packed.Record]] = {e.pk: [] for e in episodes}
    sessions = Session.objects.filter(episode_id__in=episode_ids).order_by("starts_at", "pk")
    for values in sessions.values_list(*SESSION_FIELDS):
        fields = dict(zip(SESSION_FIELDS, values, strict=True))
        episode = by_pk[fields.pop("episode_id")]
        session = Session(**fields, episode=episode)
        by_episode[episode.pk].append(_session_record(session, read))
    found = {}
    for episode in episodes:
        one = series[episode.pk]
        scores, alliance, attended = _series_figures(one)
        records = packed.pack(by_episode[episode.pk])
        found[episode.pk] = StoredFigures(scores, alliance, attended, records, one.baseline)
    return found


def _fresh(current: str) -> Coalesce:
    """Whether an episode's stored row is current (false where it has none)."""
    row = "report_figures"
    fresh = (
        Q(**{f"{row}__computed": F(f"{row}__generation")})
        & Q(**{f"{row}__basis": current})
        & Q(**{f"{row}__sessions__isnull": False})
        & Q(**{f"{row}__figures__isnull": False})
    )
    return Coalesce(ExpressionWrapper(fresh, output_field=BooleanField()), Value(False))


def _in_range(scope: ReportScope, first: dt.datetime, after: dt.datetime, trusted: bool) -> Q:
    """The scope's episodes opened or closed in the range or with a session in it: where the
    stored row is current, by its first and last session; where it is not (its dates may be
    out of date, and it will be read afresh), by an EXISTS over its sessions, so that after
    migrating a report reads afresh only the episodes in its range. Without the triggers no
    stored date counts."""
    dated = opened_in_range(scope) | closed_in_range(scope)
    sessions = Q(
        Exists(
            Session.objects.filter(
                episode=OuterRef("pk"), starts_at__gte=first, starts_at__lt=after
            )
        )
    )
    if not trusted:
        return dated | sessions
    stored_dates = Q(
        fresh=True,
        report_figures__first_session__lt=after,
        report_figures__last_session__gte=first,
    )
    # The EXISTS last and behind "not current": PostgreSQL and SQLite evaluate it only for
    # the rows that are stale.
    return dated | stored_dates | (Q(fresh=False) & sessions)


def _in_scope(scope: ReportScope, first: dt.datetime, after: dt.datetime, trusted: bool) -> Any:
    closed = ExpressionWrapper(closed_in_range(scope), output_field=BooleanField())
    opened = ExpressionWrapper(opened_in_range(scope), output_field=BooleanField())
    return (
        scope.episodes.annotate(fresh=_fresh(basis()))
        .filter(_in_range(scope, first, after, trusted))
        .annotate(
            closed=closed,
            opened=opened,
            figures_text=Cast("report_figures__figures", TextField()),
        )
        .order_by()
        .values_list(
            "pk",
            "client_id",
            "outcome_measure",
            "client__age_group",
            "closed",
            "report_figures__generation",
            "fresh",
            "report_figures__sessions",
            "figures_text",
            "client__code",
            "started_on",
            "alliance_measure",
            "opened",
            "ending",
        )
    )


def episode_rows(scope: ReportScope, first: dt.datetime, after: dt.datetime) -> list[EpisodeRow]:
    """The scope's episodes opened or closed in the range or with a session in it, each with its
    figures: stored where current, read afresh (and stored) where not. It may hold an episode
    with nothing in the range (a stale row, read afresh): every figure counts only what is in
    the range."""
    trusted = triggers_present(connections[router.db_for_read(EpisodeFigures)])
    # A fixed order by natural keys: floating-point sums then come out the same to the last
    # bit on every run, and after a restore (docs/transfer.md). Sorted here, by code point on
    # every database: sorting the wide rows in PostgreSQL spilled to disk past work_mem.
    rows = sorted(
        _in_scope(scope, first, after, trusted), key=lambda row: (row[9], row[10], row[0])
    )
    good = [trusted and bool(row[6]) for row in rows]
    # One parse of every current row's figures: many small parses cost more than the query.
    texts = [row[8] for ok, row in zip(good, rows, strict=True) if ok]
    parsed = iter(json.loads(f"[{','.join(texts)}]"))
    stored: dict[int, StoredFigures] = {}
    seen: dict[int, int | None] = {}
    for ok, row in zip(good, rows, strict=True):
        if ok:
            stored[row[0]] = StoredFigures.from_json(next(parsed), row[7])
        else:
            seen[row[0]] = row[5]
    current = basis()
    for chunk in _batched(seen, CHUNK):
        found = figures_read(chunk)
        if trusted:
            _store(found, {pk: seen[pk] for pk in chunk}, current)
        stored.update(found)
    return [
        EpisodeRow(pk, client, measure, age, bool(closed), stored[pk], alliance, bool(opened), end)
        for pk, client, measure, age, closed, *_rest, alliance, opened, end in rows
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
                            **_session_dates(found[pk].sessions),
                        )
                        for pk in chunk
                    ],
                    ignore_conflicts=True,  # changed meanwhile: the changed row stays, stale
                )
    except DatabaseError:
        log.warning("stored report figures: could not store %d episodes", len(seen))


def _session_dates(sessions: bytes) -> dict[str, dt.datetime | None]:
    starts = packed.unpack(sessions)["start"]
    if not len(starts):
        return {"first_session": None, "last_session": None}
    return {
        "first_session": packed.moment(starts.min()),
        "last_session": packed.moment(starts.max()),
    }


def stored_sessions(episodes: Sequence[EpisodeRow]) -> StoredSessions:
    """The sessions of these episodes, in one array (one join of the stored bytes)."""
    joined = b"".join(e.figures.sessions for e in episodes)
    size = packed.SESSION_DTYPE.itemsize
    counts = [len(e.figures.sessions) // size for e in episodes]
    index = np.repeat(np.arange(len(episodes), dtype=np.int64), counts)
    clients = np.array([e.client for e in episodes], dtype=np.int64)
    return StoredSessions(index, clients, packed.unpack(joined))


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
