"""Raising alerts: the database's sessions and responses turned into the science core's plain
series, the rules run by ``alliance.science.signals``, and what they found stored once.

The rules themselves live in the science core; this module only translates.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import replace

from django.db import transaction
from django.utils import timezone

from alliance.accounts.models import User
from alliance.care.models import Episode, Session, SessionStatus
from alliance.care.selectors import new_task_sessions
from alliance.feedback.models import Alert
from alliance.measures import catalogue
from alliance.measures.models import Rater, Response
from alliance.science import signals
from alliance.science.instruments import Instrument, cutoff_for, reliable_change_for
from alliance.science.series import EpisodeSeries, RiskAnswer, SessionPoint
from alliance.science.trajectories import TrajectoryModel, default_model

RATED_STATUSES = (SessionStatus.ATTENDED, SessionStatus.CANCELLED, SessionStatus.NO_SHOW)


def trajectory_model(measure: str) -> TrajectoryModel | None:
    """The expected-trajectory model in use for a measure: the provisional default until a
    clinic has fitted its own. None for a measure without one (no not-on-track alert then)."""
    try:
        return default_model(measure)
    except ValueError:
        return None


@transaction.atomic
def alerts_refresh(episodes: Iterable[Episode]) -> int:
    """Run every alert rule over these episodes and store the alerts not stored before.

    A fixed number of queries whatever the number of episodes. Alerts already stored keep
    their acknowledgement. An open alert whose rule no longer fires (the answers or the
    attendance were corrected) is withdrawn; an acknowledged one stays, as the record of what
    was discussed. Returns how many new alerts were raised.
    """
    by_id = {episode.pk: episode for episode in episodes}
    sessions = _sessions_by_episode(by_id)
    responses = _responses_by_session(by_id)
    new_tasks = new_task_sessions(by_id)
    known = {
        (episode_id, session_id, rule): (pk, acknowledged is None)
        for pk, episode_id, session_id, rule, acknowledged in Alert.objects.filter(
            episode_id__in=by_id
        ).values_list("pk", "episode_id", "session_id", "rule", "acknowledged_at")
    }
    new: list[Alert] = []
    firing: set[tuple[int, int, str]] = set()
    for episode_id, episode in by_id.items():
        episode_sessions = sessions.get(episode_id, [])
        if not episode_sessions:
            continue
        series = episode_series(
            episode, episode_sessions, responses, new_tasks.get(episode_id, set())
        )
        numbered = {session.number: session for session in episode_sessions}
        for found in signals.evaluate(series):
            session = numbered[found.session]
            firing.add((episode_id, session.pk, found.rule))
            if (episode_id, session.pk, found.rule) not in known:
                new.append(_alert_row(episode, session, found))
    Alert.objects.bulk_create(new, ignore_conflicts=True)
    stale = [pk for key, (pk, is_open) in known.items() if is_open and key not in firing]
    if stale:
        Alert.objects.filter(pk__in=stale, acknowledged_at__isnull=True).delete()
    return len(new)


def _sessions_by_episode(by_id: Mapping[int, Episode]) -> dict[int, list[Session]]:
    grouped: dict[int, list[Session]] = defaultdict(list)
    query = Session.objects.filter(episode_id__in=by_id, status__in=RATED_STATUSES)
    for session in query.order_by("episode_id", "number"):
        grouped[session.episode_id].append(session)
    return grouped


def _responses_by_session(by_id: Mapping[int, Episode]) -> dict[int, list[Response]]:
    grouped: dict[int, list[Response]] = defaultdict(list)
    for response in Response.objects.filter(session__episode_id__in=by_id).order_by("pk"):
        grouped[response.session_id].append(response)
    return grouped


def _alert_row(episode: Episode, session: Session, found: signals.Alert) -> Alert:
    return Alert(
        episode=episode,
        session=session,
        rule=found.rule,
        severity=found.severity,
        priority=signals.caseload_priority(found.rule),
        evidence=found.as_record()["evidence"],
        advice_code=found.advice.code,
        advice=found.advice.text,
        pathway=found.pathway or "",
    )


def episode_series(
    episode: Episode,
    sessions: Sequence[Session],
    responses: Mapping[int, list[Response]],
    new_tasks: Set[int] = frozenset(),
) -> EpisodeSeries:
    """The science core's view of one episode: scores per session, the sessions in which a new
    task was agreed, and the expected boundary."""
    outcome = catalogue.instrument(episode.outcome_measure)
    age_group = episode.client.age_group
    cutoff = cutoff_for(outcome, age_group)
    change = reliable_change_for(outcome, age_group)
    points = [
        _point(episode, session, responses.get(session.pk, []), session.number in new_tasks)
        for session in sessions
    ]
    points = _with_expected_boundary(episode.outcome_measure, outcome, points)
    return EpisodeSeries(
        episode=str(episode.pk),
        measure=outcome.code,
        higher_is_better=outcome.higher_is_better,
        cutoff=cutoff.total if cutoff else None,
        reliable_change=change.points if change else None,
        sessions=tuple(points),
    )


def _point(
    episode: Episode, session: Session, responses: list[Response], new_task: bool
) -> SessionPoint:
    def client_total(measure: str) -> Response | None:
        return next(
            (
                r
                for r in responses
                if r.instrument == measure and r.rater == Rater.CLIENT and r.about_member_id is None
            ),
            None,
        )

    outcome = client_total(episode.outcome_measure)
    # The rules refuse an alliance rating on a missed session; a stray one (e.g. entered before
    # the attendance was corrected) is left out rather than stopping every alert.
    attended = session.status == SessionStatus.ATTENDED
    alliance = client_total(episode.alliance_measure) if attended else None
    clinician = (
        None
        if not attended
        else next(
            (
                r
                for r in responses
                if r.instrument == episode.alliance_measure and r.rater == Rater.CLINICIAN
            ),
            None,
        )
    )
    return SessionPoint(
        number=session.number,
        date=timezone.localdate(session.starts_at),
        status=session.status,
        outcome=outcome.total if outcome else None,
        alliance=alliance.total if alliance else None,
        alliance_items=_aspect_items(alliance) if alliance else {},
        clinician_alliance=clinician.total if clinician else None,
        risk_answers=tuple(_risk_answers(responses)),
        new_task=new_task,
    )


def _aspect_items(response: Response) -> dict[str, float]:
    """Alliance item values keyed by their English label ("goals_and_topics"), which the repair
    advice reads to tell which part of the alliance is strained."""
    instrument = catalogue.instrument(response.instrument)
    return {
        _slug(item.label.get("en", item.code)): float(response.items[item.code])
        for item in instrument.scored_items
        if item.code in response.items
    }


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def _risk_answers(responses: list[Response]) -> Iterable[RiskAnswer]:
    for response in responses:
        instrument = catalogue.instrument(response.instrument)
        for item in instrument.items:
            if item.risk_above is not None and item.code in response.items:
                yield RiskAnswer(
                    item=item.code,
                    value=float(response.items[item.code]),
                    threshold=item.risk_above,
                )


def _with_expected_boundary(
    measure: str, outcome: Instrument, points: list[SessionPoint]
) -> list[SessionPoint]:
    model = trajectory_model(measure)
    scored = [p for p in points if p.outcome is not None]
    if model is None or not scored:
        return points
    path = model.expected_path(intake=scored[0].outcome, sessions=[p.number for p in points])
    edge = path.lower if outcome.higher_is_better else path.upper
    return [replace(p, expected_boundary=float(b)) for p, b in zip(points, edge, strict=True)]


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by: User, note: str = "") -> Alert:
    """Mark an alert as discussed; the note says what was talked about or changed.

    Acknowledging twice keeps the first acknowledgement (who, when and the note): the row is
    locked so two clicks at once cannot overwrite each other. Checking that ``by`` may see the
    episode is the caller's job (``alliance.access.visible_alerts``).
    """
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.acknowledged_at is None:
        locked.acknowledged_at = timezone.now()
        locked.acknowledged_by = by
        locked.acknowledgement_note = note.strip()
        locked.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement_note"])
    for name in ("acknowledged_at", "acknowledged_by", "acknowledgement_note"):
        setattr(alert, name, getattr(locked, name))
    return alert
