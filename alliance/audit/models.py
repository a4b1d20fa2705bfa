"""The audit log: one row for each view or change of clinical data, never updated or deleted."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER_AGENT_LENGTH = 200


class Action(models.TextChoices):
    VIEW = "view", _("Viewed")
    CREATE = "create", _("Created")
    CHANGE = "change", _("Changed")
    DELETE = "delete", _("Deleted")
    EXPORT = "export", _("Exported")
    IMPORT = "import", _("Imported")
    LOG_IN = "log_in", _("Logged in")
    LOG_OUT = "log_out", _("Logged out")
    LOG_IN_FAILED = "log_in_failed", _("Log-in failed")


class Via(models.TextChoices):
    PAGE = "page", _("Staff, on a page")
    API = "api", _("Staff, by API token")
    LINK = "link", _("Client, by link")
    KIOSK = "kiosk", _("Client, at the kiosk")
    TABLET = "tablet", _("Client, on the clinic tablet")
    COMMAND = "command", _("Command line")
    ANONYMOUS = "anonymous", _("Not logged in")


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Bulk updates and deletes would bypass the model's refusals, so they refuse too."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit events are never changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events are never deleted.")


class AuditEvent(models.Model):
    """Who saw or changed which clinical record, when and from where.

    It holds references only (the kind and id of the record, the client's id) and never clinical
    content: no names, no answers, no free text, no query strings, no request bodies. Rows are only
    ever added: ``save()`` refuses an update, ``delete()`` refuses, and database triggers refuse an
    UPDATE, DELETE or REPLACE by any other route (migrations 0002 and 0003). Each row stores the
    hash of the one before it and its own (``manage.py audit_verify`` checks them); the database
    writes both, so an instance just created still holds empty hashes until read again. The actor
    and organisation are kept as plain ids without a foreign-key constraint, so that deleting a
    user or an organisation never needs to touch the log; the actor's username is copied for the
    same reason.
    """

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_name = models.CharField(_("username"), max_length=150, blank=True, db_index=True)
    via = models.CharField(_("how"), max_length=10, choices=Via.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    action = models.CharField(_("what"), max_length=15, choices=Action.choices)
    route = models.CharField(_("page or endpoint"), max_length=100, blank=True)
    method = models.CharField(_("HTTP method"), max_length=10, blank=True)
    status = models.PositiveSmallIntegerField(_("answer"), null=True, blank=True)
    object_kind = models.CharField(_("record kind"), max_length=20, blank=True)
    object_id = models.BigIntegerField(_("record id"), null=True, blank=True)
    client_id = models.BigIntegerField(_("client id"), null=True, blank=True, db_index=True)
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=USER_AGENT_LENGTH, blank=True)
    detail = models.CharField(
        _("detail"),
        max_length=200,
        blank=True,
        help_text=_("A short note without clinical content, such as a file's record count."),
    )
    # A privileged change (a role, a setting, a password, a token): what it was and became,
    # in words without secrets or clinical content ("off", "on", "clinician in team 3").
    before = models.CharField(_("before"), max_length=200, blank=True)
    after = models.CharField(_("after"), max_length=200, blank=True)
    # The chain (alliance/audit/database.py): written by the database as the row is inserted.
    previous_hash = models.CharField(
        _("hash of the previous event"), max_length=64, blank=True, default="", editable=False
    )
    hash = models.CharField(_("hash"), max_length=64, blank=True, default="", editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "-at"], name="audit_org_at"),
            models.Index(fields=["object_kind", "object_id"], name="audit_object"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=Action.values), name="audit_action"),
            models.CheckConstraint(condition=Q(via__in=Via.values), name="audit_via"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.action} {self.object_ref}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("An audit event is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("An audit event is never deleted.")

    @property
    def object_ref(self) -> str:
        if not self.object_kind:
            return ""
        return f"{self.object_kind} {self.object_id}" if self.object_id else self.object_kind
