"""Raising alerts: the database's sessions and responses turned into the science core's plain
series, the rules run by ``alliance.science.signals``, and what they found stored once.

The rules themselves live in the science core; this module only translates.
"""

import dataclasses
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from numpy.linalg import LinAlgError

from alliance.accounts.models import Organisation, User
from alliance.care.models import Episode, Session
from alliance.care.selectors import new_task_sessions
from alliance.clinical_settings import clinical_settings
from alliance.feedback import tasks
from alliance.feedback.models import Alert, AlertState, FitStatus, TrajectoryFit
from alliance.feedback.selectors import (
    TRAJECTORY_MEASURES,
    DataSummary,
    active_models,
    closed_episode_statistics,
    data_summary,
)
from alliance.feedback.series import (  # the readers' public names stay importable from here
    RATED_STATUSES,
    band_percentile,
    episode_series,
    responses_by_session,
    series_number,
    series_sessions,
    sessions_by_episode,
    threshold_overrides,
    thresholds,
    trajectory_model,
)
from alliance.feedback.summaries import episode_summaries_refresh
from alliance.measures import catalogue
from alliance.replica import replica_reads
from alliance.science import signals
from alliance.science.growth import fit_growth_from_statistics
from alliance.science.trajectories import (
    FittedOn,
    TrajectoryModel,
)

logger = logging.getLogger(__name__)

__all__ = [
    "RATED_STATUSES",
    "AlertWithdrawn",
    "RefitRefused",
    "SnoozeRefused",
    "alert_acknowledge",
    "alert_settings",
    "alert_snooze",
    "alerts_acknowledge_session",
    "alerts_refresh",
    "band_percentile",
    "episode_series",
    "local_model_fit",
    "refusal_message",
    "threshold_overrides",
    "thresholds",
    "trajectory_default_restore",
    "trajectory_fit_activate",
    "trajectory_fit_run",
    "trajectory_model",
    "trajectory_refit_request",
]


def alert_settings() -> signals.SignalSettings:
    """The alert thresholds in force: the site's settings (``ALLIANCE["ALERTS"]``) over the
    science core's documented defaults. Its alliance cutoffs are the SRS's in force
    (:func:`thresholds`); the refresh reads each alliance measure's own."""
    srs = thresholds("srs")
    return dataclasses.replace(
        clinical_settings().signals,
        alliance_cutoff=srs.cutoff if srs.cutoff is not None else 36.0,
        alliance_item_cutoff=srs.item_cutoff if srs.item_cutoff is not None else 9.0,
    )


_CLOSED_FATES = {"superseded": AlertState.SUPERSEDED, "resolved": AlertState.RESOLVED}


@transaction.atomic
def alerts_refresh(episodes: Iterable[Episode], *, notify: bool = True) -> int:
    """Run every alert rule over these episodes, store the alerts not stored before, and move
    each along its life (docs/clinic.md, "An alert's life").

    Of one rule (and measure) on one episode, only the alert of the latest session the rule
    judged stays open, saying since which session it has fired; earlier ones are superseded,
    and one whose rule no longer holds at a later rating is resolved (kept, with the session
    that resolved it). A risk answer stays open until a person acknowledges it. Acknowledged
    alerts keep their acknowledgement; a snoozed one wakes when a later session is recorded.
    An open alert whose rule no longer fires at its session at all (the answers or the
    attendance were corrected) is withdrawn. New risk answers are e-mailed to the care team and
    the team's supervisors once the transaction commits (``notify=False``: the demo's history).

    A fixed number of queries whatever the number of episodes. Returns how many new alerts
    were raised.
    """
    # Read afresh with their clients: the rules need the age group and the organisation, and
    # callers pass episodes loaded in many ways.
    by_id = Episode.objects.select_related("client").in_bulk([e.pk for e in episodes])
    sessions = sessions_by_episode(by_id)
    responses = responses_by_session(by_id)
    new_tasks = new_task_sessions(by_id)
    local_models = active_models({e.client.organisation_id for e in by_id.values()})
    known = {
        (row.episode_id, row.session_id, row.rule, row.measure): row
        for row in Alert.objects.filter(episode_id__in=by_id).only(
            "pk",
            "episode_id",
            "session_id",
            "rule",
            "measure",
            "state",
            "since_session",
            "closed_by_session",
            "closed_at",
            "snoozed_at_session",
        )
    }
    rules = alert_settings()
    now = timezone.now()
    new: list[Alert] = []
    changed: list[Alert] = []
    firing: set[tuple[int, int, str, str]] = set()
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
        latest = series_number(episode_sessions[-1])
        for state in signals.alert_states(series, rules):
            session = numbered[state.alert.session]
            key = (episode_id, session.pk, state.alert.rule, state.alert.measure)
            firing.add(key)
            row = known.get(key)
            if row is None:
                row = _alert_row(episode, session, state.alert)
                _move(row, state, latest, now)
                new.append(row)
            elif _move(row, state, latest, now):
                changed.append(row)
    Alert.objects.bulk_create(new, ignore_conflicts=True)
    if changed:
        Alert.objects.bulk_update(
            changed, ["state", "since_session", "closed_by_session", "closed_at"], batch_size=500
        )
    stale = [
        row.pk
        for key, row in known.items()
        if key not in firing and row.state != AlertState.ACKNOWLEDGED
    ]
    if stale:
        Alert.objects.filter(pk__in=stale).exclude(state=AlertState.ACKNOWLEDGED).delete()
    # The caseload's summary follows every rating from here (alliance.feedback.summaries).
    episode_summaries_refresh(by_id)
    if notify:
        _notify_new_risk_answers(by_id)
    return len(new)


def _move(row: Alert, state: signals.AlertState, latest: int, now: datetime) -> bool:
    """Bring a stored alert to where the rules put it; whether anything changed. A person's
    acknowledgement stands; a snooze stands until a session after the one it was made at."""
    if row.state == AlertState.ACKNOWLEDGED:
        return False
    before = (row.state, row.since_session, row.closed_by_session)
    row.since_session = state.since
    if state.fate == "open":
        snoozed = row.state == AlertState.SNOOZED and (row.snoozed_at_session or 0) >= latest
        row.state = AlertState.SNOOZED if snoozed else AlertState.OPEN
        row.closed_by_session, row.closed_at = None, None
    else:
        row.state = _CLOSED_FATES[state.fate]
        row.closed_by_session = state.by_session
        if before[0] != row.state or row.closed_at is None:
            row.closed_at = now
    return before != (row.state, row.since_session, row.closed_by_session)


def _notify_new_risk_answers(by_id: Mapping[int, Episode]) -> None:
    """Once the answers are committed, the worker tells the care team (one query here)."""
    waiting = list(
        Alert.objects.filter(
            episode_id__in=by_id,
            rule="risk_answer",
            state=AlertState.OPEN,
            notified_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    for pk in waiting:
        transaction.on_commit(partial(tasks.notify_risk_alert.enqueue, pk))


def _alert_row(episode: Episode, session: Session, found: signals.Alert) -> Alert:
    return Alert(
        episode=episode,
        session=session,
        rule=found.rule,
        measure=found.measure,
        severity=found.severity,
        priority=signals.caseload_priority(found.rule),
        evidence=found.as_record()["evidence"],
        advice_code=found.advice.code,
        advice=found.advice.text,
        pathway=found.pathway or "",
    )


class AlertWithdrawn(Alert.DoesNotExist):
    """The alert was withdrawn (its rule no longer fires) after the caller found it."""


_CLOSABLE = (AlertState.OPEN, AlertState.SNOOZED)


def _acknowledge(
    locked: Alert, by: User, note: str, now: datetime, closable: Sequence[str] = _CLOSABLE
) -> bool:
    if locked.state not in closable:
        return False
    locked.state = AlertState.ACKNOWLEDGED
    locked.acknowledged_at = now
    locked.acknowledged_by = by
    locked.acknowledgement_note = note.strip()
    return True


_ACKNOWLEDGEMENT = ["state", "acknowledged_at", "acknowledged_by", "acknowledgement_note"]


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by: User, note: str = "") -> Alert:
    """Mark an alert as discussed; the note says what was talked about or changed.

    Acknowledging twice keeps the first acknowledgement (who, when and the note): the row is
    locked so two clicks at once cannot overwrite each other. An alert already superseded or
    resolved can still be acknowledged (the clinician records that it was discussed). Checking
    that ``by`` is on the episode's care team is the caller's job
    (``alliance.access.may_close_alert``).
    """
    locked = Alert.objects.select_for_update().filter(pk=alert.pk).first()
    if locked is None:
        # A rating that arrived a moment ago withdrew it (alerts_refresh).
        raise AlertWithdrawn(alert.pk)
    everything_but_acknowledged = [s for s in AlertState.values if s != AlertState.ACKNOWLEDGED]
    if _acknowledge(locked, by, note, timezone.now(), everything_but_acknowledged):
        locked.save(update_fields=_ACKNOWLEDGEMENT)
        episode_summaries_refresh([locked.episode_id])
    for name in ("state", *_ACKNOWLEDGEMENT[1:]):
        setattr(alert, name, getattr(locked, name))
    return alert


@transaction.atomic
def alerts_acknowledge_session(*, session: Session, by: User, note: str = "") -> int:
    """Acknowledge every open (or snoozed) alert of a session in one click; returns how many.

    The rows are locked, so a second click at the same moment finds them acknowledged and
    acknowledges nothing. The caller asks ``alliance.access.may_close_session_alerts``."""
    now = timezone.now()
    locked = list(Alert.objects.select_for_update().filter(session=session, state__in=_CLOSABLE))
    done = [alert for alert in locked if _acknowledge(alert, by, note, now)]
    if done:
        Alert.objects.bulk_update(done, _ACKNOWLEDGEMENT)
        episode_summaries_refresh([session.episode_id])
    return len(done)


class SnoozeRefused(ValidationError):
    """A snooze without a reason, or of a risk answer; the message names the field."""


@transaction.atomic
def alert_snooze(*, alert: Alert, by: User, reason: str) -> Alert:
    """Hide an open alert until the episode's next session, with the reason why (required).

    At the next session the rules decide again: the alert is superseded if the rule still
    fires, resolved if it no longer holds, or wakes up open. A risk answer cannot be snoozed:
    a person acknowledges it. The caller asks ``alliance.access.may_close_alert``."""
    reason = reason.strip()
    if not reason:
        raise SnoozeRefused({"reason": _("Say why this can wait until the next session.")})
    locked = Alert.objects.select_for_update().filter(pk=alert.pk).first()
    if locked is None:
        raise AlertWithdrawn(alert.pk)
    if locked.rule == "risk_answer":
        raise SnoozeRefused(
            {"reason": _("A risk answer cannot wait: assess it today and acknowledge it.")}
        )
    if locked.state == AlertState.OPEN:
        latest = (
            series_sessions(Session.objects.filter(episode_id=locked.episode_id))
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
        locked.state = AlertState.SNOOZED
        locked.snoozed_at, locked.snoozed_by, locked.snooze_reason = timezone.now(), by, reason
        locked.snoozed_at_session = latest
        locked.save(
            update_fields=[
                "state",
                "snoozed_at",
                "snoozed_by",
                "snooze_reason",
                "snoozed_at_session",
            ]
        )
        episode_summaries_refresh([locked.episode_id])
    for name in ("state", "snoozed_at", "snoozed_by", "snooze_reason", "snoozed_at_session"):
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
    ``by`` administers the organisation (``access.may_refit_trajectories``).
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
    tasks.refit_trajectory.enqueue(fit.pk)
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
    ValueError when the fit fails.

    The ratings stay in the database: a ``GROUP BY`` there returns each episode's sums
    (``selectors.closed_episode_statistics``), and the REML fit runs on those, the same fit as
    ``fit_trajectory`` on the ratings themselves (issue 16). Both read from the replica when
    there is one (``DATABASE_REPLICA_URL``, alliance/replica.py)."""
    with replica_reads():
        data = data_summary(organisation_id, [measure])[measure]
        if not data.enough:
            raise RefitRefused(refusal_message(data))
        closed = closed_episode_statistics(organisation_id, measure)
    # The scores after intake, conditional on the intake score (used once: issue 18).
    growth = fit_growth_from_statistics(closed.statistics)
    if not growth.converged:
        raise ValueError(_("The fit did not converge; the model in use is unchanged."))
    scoring = catalogue.instrument(measure).scoring
    first, last = closed.first_answered, closed.last_answered
    fitted_on = FittedOn(
        n_episodes=closed.n_episodes,
        n_ratings=closed.n_ratings,
        first_rating=timezone.localdate(first) if first else None,
        last_rating=timezone.localdate(last) if last else None,
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
