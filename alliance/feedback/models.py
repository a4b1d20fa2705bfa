"""Alerts raised by the science core's rules, their acknowledgement, and the per-episode summary
the caseload reads."""

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliance.care.models import Episode, Session


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Act today")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class AlertState(models.TextChoices):
    """Where an alert is in its life (docs/clinic.md, "An alert's life")."""

    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    SNOOZED = "snoozed", _("Snoozed until the next session")
    SUPERSEDED = "superseded", _("Superseded by a newer alert")
    RESOLVED = "resolved", _("Resolved by a later score")


class AlertQuerySet(models.QuerySet["Alert"]):
    def open(self) -> "AlertQuerySet":
        """Alerts waiting for a person: neither acknowledged, snoozed, superseded nor resolved."""
        return self.filter(state=AlertState.OPEN)


class Alert(models.Model):
    """One rule firing for one session of an episode. It stores the rule, the numbers that
    triggered it and the advice shown, so a clinician can see why and a researcher can audit.

    Its life: open; then acknowledged by a person, snoozed until the next session (with a
    reason), superseded by the same rule's alert at a later session, or resolved when a later
    rating no longer meets the rule. Risk answers are only ever closed by a person."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="alerts")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="alerts")
    rule = models.CharField(_("rule"), max_length=40)
    measure = models.CharField(
        _("measure"),
        max_length=20,
        blank=True,
        default="",
        help_text=_("For an alert on another outcome measure (e.g. PHQ-9 beside the ORS)."),
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    priority = models.PositiveSmallIntegerField(
        _("caseload priority"), help_text=_("Lower comes first on the caseload.")
    )
    evidence = models.JSONField(_("what triggered it"))
    advice_code = models.CharField(_("advice"), max_length=60)
    advice = models.TextField(_("advice shown"))
    pathway = models.CharField(_("repair pathway"), max_length=30, blank=True)
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    acknowledgement_note = models.TextField(_("note"), blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=AlertState.choices, default=AlertState.OPEN
    )
    since_session = models.PositiveSmallIntegerField(
        _("since session"),
        null=True,
        blank=True,
        help_text=_("First session of the run of sessions in a row at which the rule fired."),
    )
    closed_at = models.DateTimeField(_("superseded or resolved"), null=True, blank=True)
    closed_by_session = models.PositiveSmallIntegerField(
        _("superseded or resolved by session"), null=True, blank=True
    )
    snoozed_at = models.DateTimeField(_("snoozed"), null=True, blank=True)
    snoozed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    snooze_reason = models.TextField(_("why snoozed"), blank=True)
    snoozed_at_session = models.PositiveSmallIntegerField(
        _("snoozed at session"),
        null=True,
        blank=True,
        help_text=_("The episode's latest session when snoozed; a later one ends the snooze."),
    )
    notified_at = models.DateTimeField(_("care team told"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated to the supervisor"), null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [
            models.Index(fields=["episode", "acknowledged_at"]),
            models.Index(fields=["episode", "state"], name="alert_episode_state"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "session", "rule", "measure"],
                name="alert_once_per_rule_measure_and_session",
            ),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="alert_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=AlertState.values), name="alert_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state=AlertState.ACKNOWLEDGED) | Q(acknowledged_at__isnull=False),
                name="alert_acknowledged_state_has_a_time",
            ),
            models.CheckConstraint(
                condition=~Q(state=AlertState.SNOOZED) | ~Q(snooze_reason=""),
                name="alert_snooze_has_a_reason",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="alert_acknowledged_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} ({self.episode})"

    @property
    def is_open(self) -> bool:
        return self.state == AlertState.OPEN


class FitStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Fitting")
    DONE = "done", _("Fitted")
    FAILED = "failed", _("Failed")


class TrajectoryFit(models.Model):
    """One fit of a measure's expected-trajectory model on an organisation's closed episodes.

    Every fit is kept. A refit is queued, run by the background worker (its state is recorded
    here), and when done becomes a candidate; an administrator makes it the one in use. At most
    one fit per organisation and measure is active; none active means the provisional default.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="trajectory_fits"
    )
    measure = models.CharField(_("measure"), max_length=20)
    status = models.CharField(
        _("status"), max_length=10, choices=FitStatus.choices, default=FitStatus.QUEUED
    )
    message = models.TextField(_("message"), blank=True)
    model_json = models.TextField(
        _("model"), blank=True, help_text=_("TrajectoryModel.to_json() of the fitted model.")
    )
    n_episodes = models.PositiveIntegerField(_("closed episodes"), default=0)
    n_ratings = models.PositiveIntegerField(_("ratings"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    is_active = models.BooleanField(_("in use"), default=False)
    activated_at = models.DateTimeField(_("put in use"), null=True, blank=True)

    class Meta:
        verbose_name = _("trajectory fit")
        verbose_name_plural = _("trajectory fits")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "measure"],
                condition=Q(is_active=True),
                name="one_active_trajectory_fit",
            ),
            models.CheckConstraint(
                condition=Q(status__in=FitStatus.values), name="trajectory_fit_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(is_active=False) | Q(status=FitStatus.DONE),
                name="only_a_finished_fit_is_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} fit {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (FitStatus.DONE, FitStatus.FAILED)


class EpisodeSummary(models.Model):
    """What the caseload shows of one episode, kept up to date by the writes that change it
    (``alliance.feedback.summaries.episode_summaries_refresh``, called by ``alerts_refresh``
    after every rating, and by acknowledging, snoozing, booking, moving, cancelling, opening and
    ending), so the caseload reads one row per client instead of recomputing it per request.

    ``need_priority`` and ``need_session_at`` are the caseload's order: the most urgent open
    alert's priority, then the start of that alert's session (most recent first). Times that
    move with the clock are kept as short lists so the page picks "last" and "next" at its own
    moment: ``held_at`` the latest session held before the refresh and those held after it,
    ``booked_at`` the booked sessions from the refresh on. It can always be rebuilt from the
    records: ``manage.py rebuild_episode_summaries``."""

    episode = models.OneToOneField(
        Episode, on_delete=models.CASCADE, primary_key=True, related_name="summary"
    )
    # {"ors": [18.0, 20.5, ...]}: each measure's latest client totals (at most 8), oldest first.
    recent_scores = models.JSONField(_("latest scores per measure"), default=dict)
    outcome_latest = models.FloatField(_("latest outcome score"), null=True, blank=True)
    alliance_latest = models.FloatField(_("latest alliance score"), null=True, blank=True)
    # [[rule, severity, session number, since session], ...], most urgent first.
    open_alerts = models.JSONField(_("open alerts"), default=list)
    open_alert_count = models.PositiveIntegerField(_("open alerts"), default=0)
    top_severity = models.CharField(
        _("highest open severity"), max_length=10, choices=Severity.choices, blank=True
    )
    need_priority = models.PositiveSmallIntegerField(_("need order"), null=True, blank=True)
    need_session_at = models.DateTimeField(_("session of the most urgent alert"), null=True)
    held_at = models.JSONField(_("sessions held"), default=list)
    booked_at = models.JSONField(_("sessions booked"), default=list)
    sessions_attended = models.PositiveIntegerField(_("sessions attended"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("episode summary")
        verbose_name_plural = _("episode summaries")

    def __str__(self) -> str:
        return f"summary of {self.episode_id}"

    def last_held(self, now: dt.datetime) -> dt.datetime | None:
        """The latest session held (attended or missed) that started by ``now``."""
        return last_held(self.held_at, now)

    def next_booked(self, now: dt.datetime) -> dt.datetime | None:
        """The first booked session starting at or after ``now``."""
        return next_booked(self.booked_at, now)


def last_held(held_at: Sequence[str], now: dt.datetime) -> dt.datetime | None:
    """Of a summary's ``held_at``, the latest session that started by ``now`` (the caseload
    reads the stored list without building a summary per row)."""
    held = [t for t in _times(held_at) if t <= now]
    return held[-1] if held else None


def next_booked(booked_at: Sequence[str], now: dt.datetime) -> dt.datetime | None:
    """Of a summary's ``booked_at``, the first session starting at or after ``now``."""
    return next((t for t in _times(booked_at) if t >= now), None)


def _times(values: Sequence[str]) -> list[dt.datetime]:
    return [dt.datetime.fromisoformat(value) for value in values]
