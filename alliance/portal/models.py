"""Invitations for a client to answer measures. Wrong codes and links are counted by
``alliance.brakes``."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.care.models import Session
from alliance.measures.models import Response


class Channel(models.TextChoices):
    TABLET = "tablet", _("Clinic tablet")
    LINK = "link", _("Link sent to the client")
    KIOSK = "kiosk", _("Waiting-room kiosk code")


class Delivery(models.TextChoices):
    NONE = "", _("Not sent")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message")


class Purpose(models.TextChoices):
    """Why a link was sent: by a clinician's button, or planned by ``alliance.portal.reminders``."""

    BY_HAND = "", _("Sent by a clinician")
    REMINDER = "reminder", _("Reminder before the session")
    # The outcome measure before treatment, sent when the first appointment is booked; its
    # answer is the episode's ``voice.Baseline``, not session 1's (issue 19, point 5).
    BASELINE = "baseline", _("Before treatment, when the first session was booked")
    AFTER_VIDEO = "after_video", _("After a video session")


class Invitation(models.Model):
    """An invitation for the client to answer one or more measures for one session, by tablet,
    link or kiosk code.

    Only a hash of a link token or kiosk code is stored, so a copy of the database opens no
    form. An invitation is used once every measure in it has been answered; it then opens
    nothing, and neither does an expired one.
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="invitations")
    measures = models.JSONField(_("measures"), help_text=_("Instrument codes, in order."))
    about_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For alliance measures: the care-team member rated; empty means the team."),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    delivery = models.CharField(
        _("sent by"), max_length=10, choices=Delivery.choices, blank=True, default=Delivery.NONE
    )
    secret_hash = models.CharField(
        _("hash of the link token or kiosk code"), max_length=64, blank=True, db_index=True
    )
    # Empty for a message Alliance planned and sent itself (a reminder, a link after a video).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitations_created",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    # Links planned ahead (docs/portal.md, "Reminders"): sent by the worker at ``send_at``.
    purpose = models.CharField(
        _("purpose"), max_length=12, choices=Purpose.choices, blank=True, default=Purpose.BY_HAND
    )
    send_at = models.DateTimeField(_("to be sent"), null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    opened_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    # Why a planned message was not sent (no consent any more, the provider refused ...).
    not_sent_reason = models.CharField(_("why it was not sent"), max_length=300, blank=True)
    responses = models.ManyToManyField(
        Response, blank=True, related_name="invitations", verbose_name=_("responses")
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="invitation_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(delivery__in=Delivery.values), name="invitation_delivery_valid"
            ),
            # A link or a code is only as good as its secret; a tablet needs none.
            models.CheckConstraint(
                condition=Q(channel=Channel.TABLET, secret_hash="")
                | (~Q(channel=Channel.TABLET) & ~Q(secret_hash="")),
                name="invitation_secret_matches_channel",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="invitation_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=Q(purpose__in=Purpose.values), name="invitation_purpose_valid"
            ),
            # A planned message goes by link, and only a planned one has a sending time.
            models.CheckConstraint(
                condition=Q(purpose="") | Q(channel=Channel.LINK, send_at__isnull=False),
                name="invitation_planned_is_a_link",
            ),
            # One planned message of each purpose per session that is still to be sent.
            models.UniqueConstraint(
                fields=["session", "purpose"],
                condition=~Q(purpose="") & Q(sent_at__isnull=True, cancelled_at__isnull=True),
                name="invitation_one_planned_per_purpose",
            ),
            # Kiosk codes are short and may recur over the years; link tokens never do.
            models.UniqueConstraint(
                fields=["secret_hash"],
                condition=Q(channel=Channel.LINK),
                name="invitation_link_token_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} for {self.session}"

    def is_open(self, now: datetime | None = None) -> bool:
        """Not used, not cancelled, not expired, and (when planned) sent."""
        return (
            self.used_at is None
            and self.cancelled_at is None
            and (self.send_at is None or self.sent_at is not None)
            and self.expires_at > (now or timezone.now())
        )

    def state(self, now: datetime | None = None) -> str:
        """One word for the session page: planned, sent, opened, answered, expired, cancelled,
        not_sent (a planned message that could not go)."""
        if self.used_at is not None:
            return "answered"
        if self.cancelled_at is not None:
            return "not_sent" if self.not_sent_reason else "cancelled"
        if self.send_at is not None and self.sent_at is None:
            return "planned"
        if self.expires_at <= (now or timezone.now()):
            return "expired"
        return "opened" if self.opened_at is not None else "sent"


class SecretKind(models.TextChoices):
    """The kinds of guess the portal counts (``alliance.brakes``), each apart."""

    KIOSK = "kiosk", _("Kiosk code")
    LINK = "link", _("Link token")
