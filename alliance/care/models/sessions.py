"""Sessions: booked, attended, cancelled or missed."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliance.care.models.episodes import Episode


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    ATTENDED = "attended", _("Attended")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("Did not attend")
    WITHDRAWN = "withdrawn", _("Withdrawn (opened by mistake)")


NUMBERED_STATUSES = (SessionStatus.SCHEDULED, SessionStatus.ATTENDED, SessionStatus.NO_SHOW)
"""Sessions of these statuses are numbered 1, 2, ... by date; a cancelled or withdrawn session
has no number, so it leaves no gap in the chart (issue 11)."""


class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video")
    PHONE = "phone", _("Phone")


class CancelledBy(models.TextChoices):
    NOBODY = "", _("Not cancelled")
    CLIENT = "client", _("The client")
    CLINIC = "clinic", _("The clinic")


class Session(models.Model):
    """One appointment in an episode: booked ahead (scheduled) or started now, then attended,
    a no-show, cancelled or withdrawn. Sessions that happen or may happen (``NUMBERED_STATUSES``)
    are numbered from 1 in date order; cancelled and withdrawn ones have no number."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(_("number in the episode"), null=True, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=50)
    mode = models.CharField(
        _("how"), max_length=10, choices=SessionMode.choices, default=SessionMode.IN_PERSON
    )
    status = models.CharField(
        _("status"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    attended_by = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="sessions_attended",
        verbose_name=_("staff present"),
    )
    # Booked sessions of one weekly or fortnightly series share this.
    series = models.UUIDField(_("booked series"), null=True, blank=True, db_index=True)
    cancelled_by = models.CharField(
        _("cancelled by"), max_length=8, choices=CancelledBy.choices, blank=True, default=""
    )
    reason = models.CharField(_("reason for cancelling or withdrawing"), max_length=300, blank=True)
    # The session planned as the last one: measures given "at the end" are due.
    final = models.BooleanField(_("planned last session"), default=False)
    # The measures due, fixed when the session starts (later plan changes leave it as it was).
    due = models.JSONField(_("measures due"), default=list, blank=True)
    # Earlier dates, lengths and statuses: [{"at", "by", "starts_at", "status", ..., "reason"}].
    history = models.JSONField(_("earlier versions"), default=list, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )
    booked_at = models.DateTimeField(_("booked"), null=True, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["episode", "number"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "number"], name="session_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="session_number_positive"),
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="session_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(mode__in=SessionMode.values), name="session_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(cancelled_by__in=CancelledBy.values), name="session_cancelled_by_valid"
            ),
            # Only a cancelled session says who cancelled it (the booking services require it;
            # sessions cancelled before booking existed may not say).
            models.CheckConstraint(
                condition=Q(status=SessionStatus.CANCELLED) | Q(cancelled_by=""),
                name="session_cancelled_by_only_when_cancelled",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="session_length_plausible",
            ),
        ]

    def __str__(self) -> str:
        if self.number is None:
            day = f"{self.starts_at:%Y-%m-%d}"
            return f"{self.get_status_display()} session on {day} of {self.episode}"
        return f"Session {self.number} of {self.episode}"
