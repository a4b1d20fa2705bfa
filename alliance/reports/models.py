"""What the reports keep between runs: each episode's figures, read from its series once and
stored until something they were read from changes (docs/reports.md, *Stored episode figures*).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from alliance.care.models import Episode


class EpisodeFigures(models.Model):
    """One episode's report figures as its series and its sessions gave them: first and last
    score per outcome measure, mean client alliance, attended sessions, and a record of each
    session (status, measures due and missed, the client's alliance totals) with the first and
    last session's start (``alliance.reports.stored``).

    ``generation`` is raised by the database itself (triggers, ``alliance.reports.database``)
    whenever a response, a session, a goal rating, a plan row or the episode changes; the
    figures are good only while ``computed`` equals it and ``basis`` is the running code's. No
    foreign-key constraint: a row never holds up deleting its episode, and an orphan row is
    never read (reports read through the episodes in scope).
    """

    episode = models.OneToOneField(
        Episode,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="report_figures",
        verbose_name=_("episode"),
    )
    generation = models.BigIntegerField(_("changes seen"), default=0)
    computed = models.BigIntegerField(_("figures read at change"), null=True, blank=True)
    basis = models.CharField(_("what the figures were read with"), max_length=64, blank=True)
    figures = models.JSONField(_("figures"), null=True, blank=True)
    # Every session as a fixed-size record (alliance.reports.packed): a report sums hundreds of
    # thousands of them, which JSON would make it parse one by one.
    sessions = models.BinaryField(_("sessions"), null=True, blank=True)
    # The first and last session's start, so that a report picks the episodes with a session in
    # its range from these rows instead of searching every session (only where the row is
    # current; a stale row is read afresh whatever its dates).
    first_session = models.DateTimeField(_("first session"), null=True, blank=True)
    last_session = models.DateTimeField(_("last session"), null=True, blank=True)

    class Meta:
        verbose_name = _("stored episode figures")
        verbose_name_plural = _("stored episode figures")

    def __str__(self) -> str:
        return f"figures of episode {self.episode_id}"
