"""The per-episode summary the caseload reads (``EpisodeSummary``): each episode's latest scores,
open alerts, sessions held and booked, and its place in the caseload's order.

Every write that changes one of those calls :func:`episode_summaries_refresh` for its episodes
inside its own transaction: ``alerts_refresh`` (so every rating, correction, voided answer,
attendance and renumbering), acknowledging and snoozing alerts, booking, moving and cancelling
sessions, opening, ending and transferring episodes. A refresh recomputes the whole summary of
each episode it is given from the records, in a fixed number of queries however many episodes
there are, so a summary never drifts by a missed increment; :func:`episode_summaries_rebuild`
does it for every episode (``manage.py rebuild_episode_summaries``).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Max, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from alliance.care.models import Episode, Session, SessionStatus
from alliance.feedback.models import Alert, EpisodeSummary
from alliance.measures.models import Rater, Response
from alliance.science.signals import SEVERITIES

__all__ = [
    "SPARKLINE_SESSIONS",
    "SUMMARY_FIELDS",
    "episode_summaries_rebuild",
    "episode_summaries_refresh",
    "recent_scores",
    "summaries_compute",
]

SPARKLINE_SESSIONS = 8
"""How many of the latest scores per measure a summary keeps (a caseload row's small chart)."""

SUMMARY_FIELDS = [
    "recent_scores",
    "outcome_latest",
    "alliance_latest",
    "open_alerts",
    "open_alert_count",
    "top_severity",
    "need_priority",
    "need_session_at",
    "held_at",
    "booked_at",
    "sessions_attended",
    "updated_at",
]
"""The fields a refresh writes (all but the episode)."""

_BATCH = 500
_HELD = [SessionStatus.ATTENDED, SessionStatus.NO_SHOW]


def recent_scores(
    episodes: Iterable[Episode | int], last: int = SPARKLINE_SESSIONS
) -> dict[tuple[int, str], list[float]]:
    """The client's latest ``last`` totals per episode and measure, oldest first, for every
    episode in one query (a window function ranks each episode's scores newest first)."""
    ids = [e if isinstance(e, int) else e.pk for e in episodes]
    ranked = (
        Response.objects.filter(
            session__episode_id__in=ids, rater=Rater.CLIENT, about_member__isnull=True
        )
        .annotate(
            recency=Window(
                RowNumber(),
                partition_by=[F("session__episode_id"), F("instrument")],
                order_by=[F("session__number").desc(), F("pk").desc()],
            )
        )
        .filter(recency__lte=last)
        .order_by("session__episode_id", "instrument", "session__number", "pk")
        .values_list("session__episode_id", "instrument", "total")
    )
    scores: dict[tuple[int, str], list[float]] = defaultdict(list)
    for episode_id, instrument, total in ranked:
        scores[(episode_id, instrument)].append(total)
    return scores


# rule, severity, session, since, priority, the session's start
_OpenAlert = tuple[str, str, int | None, int | None, int, datetime]


def _open_alerts(ids: Sequence[int]) -> dict[int, list[_OpenAlert]]:
    """Every open alert of these episodes, most urgent first (the caseload's order: priority,
    then the most recent session, then the oldest alert)."""
    rows = (
        Alert.objects.open()
        .filter(episode_id__in=ids)
        .order_by("priority", "-session__number", "pk")
        .values_list(
            "episode_id",
            "rule",
            "severity",
            "session__number",
            "since_session",
            "priority",
            "session__starts_at",
        )
    )
    found: dict[int, list[_OpenAlert]] = defaultdict(list)
    for episode_id, rule, severity, number, since, priority, starts_at in rows:
        found[episode_id].append((rule, severity, number, since or number, priority, starts_at))
    return found


def _sessions(
    ids: Sequence[int], now: datetime
) -> tuple[dict[int, Mapping[str, Any]], dict[int, dict[str, list[datetime]]]]:
    """Per episode: sessions attended and the latest held by ``now`` (one grouped query), and
    the sessions held after ``now`` and booked from ``now`` on (one query, few rows)."""
    held = Q(status__in=_HELD)
    counts: dict[int, Mapping[str, Any]] = {
        row["episode_id"]: row
        for row in Session.objects.filter(episode_id__in=ids)
        .values("episode_id")
        .annotate(
            attended=Count("pk", filter=Q(status=SessionStatus.ATTENDED)),
            last_held=Max("starts_at", filter=held & Q(starts_at__lte=now)),
        )
        .order_by()
    }
    ahead: dict[int, dict[str, list[datetime]]] = defaultdict(lambda: {"held": [], "booked": []})
    rows = (
        Session.objects.filter(episode_id__in=ids)
        .filter(
            (held & Q(starts_at__gt=now)) | Q(status=SessionStatus.SCHEDULED, starts_at__gte=now)
        )
        .order_by("starts_at", "pk")
        .values_list("episode_id", "status", "starts_at")
    )
    for episode_id, status, starts_at in rows:
        kind = "booked" if status == SessionStatus.SCHEDULED else "held"
        ahead[episode_id][kind].append(starts_at)
    return counts, ahead


def _iso(times: Iterable[datetime | None]) -> list[str]:
    return [t.isoformat() for t in times if t is not None]


def summaries_compute(episode_ids: Iterable[int]) -> dict[int, EpisodeSummary]:
    """Each episode's summary computed afresh from its records (not saved): five queries."""
    ids = sorted(set(episode_ids))
    measures = dict(
        (pk, (outcome, alliance))
        for pk, outcome, alliance in Episode.objects.filter(pk__in=ids).values_list(
            "pk", "outcome_measure", "alliance_measure"
        )
    )
    now = timezone.now()
    scores: dict[int, dict[str, list[float]]] = defaultdict(dict)
    for (episode, code), values in recent_scores(list(measures)).items():
        scores[episode][code] = values
    alerts = _open_alerts(list(measures))
    counts, ahead = _sessions(list(measures), now)
    found = {}
    for pk, (outcome, alliance) in measures.items():
        own = scores.get(pk, {})
        open_ = alerts.get(pk, [])
        tally = counts.get(pk, {})
        later = ahead.get(pk, {"held": [], "booked": []})
        found[pk] = EpisodeSummary(
            episode_id=pk,
            recent_scores=own,
            outcome_latest=own[outcome][-1] if own.get(outcome) else None,
            alliance_latest=own[alliance][-1] if own.get(alliance) else None,
            open_alerts=[[rule, severity, n, since] for rule, severity, n, since, *_ in open_],
            open_alert_count=len(open_),
            top_severity=_highest([severity for _r, severity, *_ in open_]),
            need_priority=open_[0][4] if open_ else None,
            need_session_at=open_[0][5] if open_ else None,
            held_at=_iso([tally.get("last_held"), *later["held"]]),
            booked_at=_iso(later["booked"]),
            sessions_attended=tally.get("attended", 0),
            updated_at=now,
        )
    return found


def _highest(severities: Sequence[str]) -> str:
    ranked = [s for s in SEVERITIES if s in severities]
    return ranked[0] if ranked else ""


@transaction.atomic
def episode_summaries_refresh(episodes: Iterable[Episode | int]) -> int:
    """Recompute the summaries of these episodes from their records and store them; returns
    how many. A fixed number of queries per 500 episodes.

    The summary rows are locked (in primary-key order) before the records are read, so two
    writes to one episode at once take turns and the later one's summary sees both."""
    ids = sorted({e if isinstance(e, int) else e.pk for e in episodes})
    for start in range(0, len(ids), _BATCH):
        _refresh_batch(ids[start : start + _BATCH])
    return len(ids)


def _refresh_batch(ids: list[int]) -> None:
    EpisodeSummary.objects.bulk_create(
        [EpisodeSummary(episode_id=pk) for pk in ids], ignore_conflicts=True
    )
    list(EpisodeSummary.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
    fresh = list(summaries_compute(ids).values())
    if len(fresh) == 1:
        # One episode (every write of a form or a booking): a plain UPDATE, one query like
        # bulk_update's, without building a CASE per field (a third of the refresh's time).
        (one,) = fresh
        values = {name: getattr(one, name) for name in SUMMARY_FIELDS}
        EpisodeSummary.objects.filter(pk=one.episode_id).update(**values)
    elif fresh:
        EpisodeSummary.objects.bulk_update(fresh, SUMMARY_FIELDS, batch_size=_BATCH)


def episode_summaries_rebuild() -> int:
    """Every episode's summary recomputed from the records (existing databases, a repair);
    returns how many."""
    ids = list(Episode.objects.order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), _BATCH):
        done += episode_summaries_refresh(ids[start : start + _BATCH])
    return done
