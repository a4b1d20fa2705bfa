"""Counters that slow down guessing: wrong kiosk codes, unknown link tokens, wrong passwords at
the tablet and at log-in, password-reset e-mails. See ``alliance.brakes.services``."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Brake(models.Model):
    """How many tries one kind of guess had from one source (an address, a kiosk, an account)
    since ``since``, the start of its window. The source is stored only as a keyed hash.

    One row a source, counted up under a row lock before the guess is checked, so requests sent
    at the same moment cannot all slip under the limit."""

    kind = models.CharField(_("kind"), max_length=30)
    key_hash = models.CharField(_("hash of the source"), max_length=64)
    count = models.PositiveIntegerField(_("tries"), default=0)
    since = models.DateTimeField(_("window started"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("brake")
        verbose_name_plural = _("brakes")
        constraints = [
            models.UniqueConstraint(fields=["kind", "key_hash"], name="brake_one_row_a_source"),
            models.CheckConstraint(condition=~Q(kind=""), name="brake_kind_named"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key_hash[:8]}: {self.count} since {self.since:%Y-%m-%d %H:%M}"
