"""Raising alerts: the database's sessions and responses turned into the science core's plain
series, the rules run by ``alliance.science.signals``, and what they found stored once.

The rules themselves live in the science core; this module only translates.
"""

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import replace

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from numpy.linalg import LinAlgError

from alliance.accounts.models import Organisation, User
from alliance.care.models import Episode, Session, SessionStatus
from alliance.care.selectors import new_task_sessions
from alliance.feedback.models import Alert, FitStatus, TrajectoryFit
from alliance.feedback.selectors import (
    TRAJECTORY_MEASURES,
    DataSummary,
    active_models,
    closed_episode_ratings,
    data_summary,
)
from alliance.measures import catalogue
from alliance.measures.models import Rater, Response
from alliance.science import signals
from alliance.science.instruments import Instrument, cutoff_for, reliable_change_for
from alliance.science.series import EpisodeSeries, RiskAnswer, SessionPoint
from alliance.science.trajectories import FittedOn, TrajectoryModel, default_model, fit_trajectory

logger = logging.getLogger(__name__)

RATED_STATUSES = (SessionStatus.ATTENDED, SessionStatus.CANCELLED, SessionStatus.NO_SHOW)


def alert_settings() -> signals.SignalSettings:
    """The alert thresholds in force: the site's settings (``ALLIANCE["ALERTS"]``) over the
    science core's documented defaults."""
    return signals.SignalSettings(**settings.ALLIANCE["ALERTS"])


def band_percentile() -> float:
    """The expected band's lower percentile in force (setting ``ALLIANCE_BAND_PERCENTILE``)."""
    return float(settings.ALLIANCE["BAND_PERCENTILE"])


def trajectory_model(
    measure: str, organisation: Organisation | int | None = None
) -> TrajectoryModel | None:
    """The expected-trajectory model in use for a measure: the organisation's active local fit
    when it has one (one query), else the provisional default. None for a measure without one
    (no not-on-track alert then)."""
    if organisation is not None:
        organisation_id = organisation if isinstance(organisation, int) else organisation.pk
        local = active_models([organisation_id]).get((organisation_id, measure))
        if local is not None:
            return local
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
    # Read afresh with their clients: the rules need the age group and the organisation, and
    # callers pass episodes loaded in many ways.
    by_id = Episode.objects.select_related("client").in_bulk([e.pk for e in episodes])
    sessions = _sessions_by_episode(by_id)
    responses = _responses_by_session(by_id)
    new_tasks = new_task_sessions(by_id)
    local_models = active_models({e.client.organisation_id for e in by_id.values()})
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
            episode,
            episode_sessions,
            responses,
            new_tasks.get(episode_id, set()),
            local_models=local_models,
        )
        numbered = {session.number: session for session in episode_sessions}
        for found in signals.evaluate(series, alert_settings()):
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
    *,
    local_models: Mapping[tuple[int, str], TrajectoryModel] | None = None,
) -> EpisodeSeries:
    """The science core's view of one episode: scores per session, the sessions in which a new
    task was agreed, and the expected boundary.

    ``local_models`` (``selectors.active_models``) saves the query for the organisation's model
    when many episodes are read at once."""
    outcome = catalogue.instrument(episode.outcome_measure)
    age_group = episode.client.age_group
    cutoff = cutoff_for(outcome, age_group)
    change = reliable_change_for(outcome, age_group)
    points = [
        _point(episode, session, responses.get(session.pk, []), session.number in new_tasks)
        for session in sessions
    ]
    organisation_id = episode.client.organisation_id
    if local_models is None:
        model = trajectory_model(episode.outcome_measure, organisation_id)
    else:
        model = local_models.get((organisation_id, episode.outcome_measure)) or trajectory_model(
            episode.outcome_measure
        )
    points = _with_expected_boundary(model, outcome, points)
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
    model: TrajectoryModel | None, outcome: Instrument, points: list[SessionPoint]
) -> list[SessionPoint]:
    scored = [p for p in points if p.outcome is not None]
    if model is None or not scored:
        return points
    path = model.expected_path(
        intake=scored[0].outcome,
        sessions=[p.number for p in points],
        percentile=band_percentile(),
    )
    edge = path.lower if outcome.higher_is_better else path.upper
    return [replace(p, expected_boundary=float(b)) for p, b in zip(points, edge, strict=True)]


class AlertWithdrawn(Alert.DoesNotExist):
    """The alert was withdrawn (its rule no longer fires) after the caller found it."""


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by: User, note: str = "") -> Alert:
    """Mark an alert as discussed; the note says what was talked about or changed.

    Acknowledging twice keeps the first acknowledgement (who, when and the note): the row is
    locked so two clicks at once cannot overwrite each other. Checking that ``by`` may see the
    episode is the caller's job (``alliance.access.visible_alerts``).
    """
    locked = Alert.objects.select_for_update().filter(pk=alert.pk).first()
    if locked is None:
        # A rating that arrived a moment ago withdrew it (alerts_refresh).
        raise AlertWithdrawn(alert.pk)
    if locked.acknowledged_at is None:
        locked.acknowledged_at = timezone.now()
        locked.acknowledged_by = by
        locked.acknowledgement_note = note.strip()
        locked.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement_note"])
    for name in ("acknowledged_at", "acknowledged_by", "acknowledgement_note"):
        setattr(alert, name, getattr(locked, name))
    return alert


class RefitRefused(Exception):
    """A refit asked for when the clinic's closed episodes are too few; the message says how
    many more are needed."""


def refusal_message(data: DataSummary) -> str:
    """Plain words for why a local fit is not possible yet."""
    parts = []
    if data.episodes_needed:
        parts.append(
            _("%(n)d more closed episodes with ratings (%(have)d of %(need)d)")
            % {"n": data.episodes_needed, "have": data.n_episodes, "need": data.min_episodes}
        )
    if data.ratings_needed:
        parts.append(
            _("%(n)d more ratings (an average of %(per)s per episode is needed)")
            % {"n": data.ratings_needed, "per": f"{data.min_ratings_per_episode:g}"}
        )
    return _("Not enough data for a local fit yet: it needs %(what)s.") % {
        "what": _(" and ").join(parts)
    }


@transaction.atomic
def trajectory_refit_request(
    *, organisation: Organisation, measure: str, by: User | None
) -> TrajectoryFit:
    """Queue a refit of ``measure`` on the organisation's closed episodes for the worker.

    Raises :class:`RefitRefused` below the threshold (``ALLIANCE["TRAJECTORY_MIN_EPISODES"]``)
    or while another refit of the measure is still waiting or running. The caller checks that
    ``by`` administers the organisation (``selectors.can_refit_trajectories``).
    """
    if measure not in TRAJECTORY_MEASURES:
        raise RefitRefused(_("measure: choose one of %s.") % ", ".join(TRAJECTORY_MEASURES))
    # Locking the organisation's row makes two clicks at once queue one refit, not two.
    Organisation.objects.select_for_update().get(pk=organisation.pk)
    busy = TrajectoryFit.objects.filter(
        organisation=organisation,
        measure=measure,
        status__in=[FitStatus.QUEUED, FitStatus.RUNNING],
    )
    if busy.exists():
        raise RefitRefused(_("A refit of this measure is already waiting or running."))
    data = data_summary(organisation.pk, [measure])[measure]
    if not data.enough:
        raise RefitRefused(refusal_message(data))
    fit = TrajectoryFit.objects.create(organisation=organisation, measure=measure, requested_by=by)
    # Imported here: the task module imports this one.
    from alliance.feedback.tasks import refit_trajectory

    refit_trajectory.enqueue(fit.pk)
    fit.refresh_from_db()
    return fit


def trajectory_fit_run(*, fit_id: int) -> TrajectoryFit:
    """Fit the queued model (the worker calls this): ratings in one query, the growth model by
    REML, the result stored as JSON with its provenance. Records running / done / failed and a
    message as it goes; running it again on a finished fit does nothing."""
    claimed = TrajectoryFit.objects.filter(pk=fit_id, status=FitStatus.QUEUED).update(
        status=FitStatus.RUNNING, message=_("Reading the closed episodes.")
    )
    fit = TrajectoryFit.objects.get(pk=fit_id)
    if not claimed:
        return fit
    try:
        model, data = local_model_fit(fit.organisation_id, fit.measure)
    except (ValueError, RefitRefused, ArithmeticError, LinAlgError) as error:
        logger.warning("trajectory fit %s failed: %s", fit_id, error)
        return _finish(fit, FitStatus.FAILED, str(error))
    except Exception:
        # Anything unforeseen: the page must not show "fitting" for ever; the task fails too.
        logger.exception("trajectory fit %s stopped with an error", fit_id)
        _finish(fit, FitStatus.FAILED, _("The fit stopped with an error; see the server log."))
        raise
    fit.model_json = model.to_json()
    fit.n_episodes, fit.n_ratings = data.n_episodes, data.n_ratings
    return _finish(fit, FitStatus.DONE, _("Fitted. Check the preview, then put it in use."))


def _finish(fit: TrajectoryFit, status: str, message: str) -> TrajectoryFit:
    fit.status, fit.message, fit.finished_at = status, message, timezone.now()
    fit.save(
        update_fields=["status", "message", "finished_at", "model_json", "n_episodes", "n_ratings"]
    )
    return fit


def local_model_fit(organisation_id: int, measure: str) -> tuple[TrajectoryModel, DataSummary]:
    """Fit a local model on the organisation's closed episodes now, without storing it (the
    worker's fit, and the command's ``--preview``). Raises RefitRefused below the threshold and
    ValueError when the fit fails."""
    ratings = closed_episode_ratings(organisation_id, measure)
    data = data_summary(organisation_id, [measure])[measure]
    if not data.enough:
        raise RefitRefused(refusal_message(data))
    # The scores after intake, conditional on the intake score (used once: issue 18).
    growth = fit_trajectory(ratings, group="episode", session="session", score="score")
    if not growth.converged:
        raise ValueError(_("The fit did not converge; the model in use is unchanged."))
    scoring = catalogue.instrument(measure).scoring
    dates = ratings["answered_at"]
    fitted_on = FittedOn(
        n_episodes=int(ratings["episode"].nunique()),
        n_ratings=len(ratings),
        first_rating=timezone.localdate(dates.min()) if len(dates) else None,
        last_rating=timezone.localdate(dates.max()) if len(dates) else None,
    )
    model = TrajectoryModel.from_fit(
        measure,
        growth,
        fitted_on=fitted_on,
        fitted_at=timezone.now(),
        score_range=(float(scoring.min), float(scoring.max)),
    )
    return model, data


@transaction.atomic
def trajectory_fit_activate(*, fit: TrajectoryFit) -> TrajectoryFit:
    """Put a finished fit in use for its organisation and measure (also how an earlier fit is
    restored); the fit in use before it is kept, inactive."""
    locked = TrajectoryFit.objects.select_for_update().get(pk=fit.pk)
    if locked.status != FitStatus.DONE:
        raise RefitRefused(_("Only a finished fit can be put in use."))
    TrajectoryFit.objects.filter(
        organisation_id=locked.organisation_id, measure=locked.measure, is_active=True
    ).exclude(pk=locked.pk).update(is_active=False)
    locked.is_active, locked.activated_at = True, timezone.now()
    locked.save(update_fields=["is_active", "activated_at"])
    return locked


@transaction.atomic
def trajectory_default_restore(*, organisation: Organisation, measure: str) -> int:
    """Go back to the provisional default for a measure; every fit is kept. Returns how many
    fits were taken out of use (0 or 1)."""
    return TrajectoryFit.objects.filter(
        organisation=organisation, measure=measure, is_active=True
    ).update(is_active=False)
