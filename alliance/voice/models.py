"""The client's own words (issue 19): the topics they want to talk about in a session, a
comment with their alliance rating, and their hopes and theory of change at intake; and the
team's choice to let clients see their own progress.

Free text here is clinical and private to the care team (``alliance.access.may_read_client_words``);
research exports leave it out.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.accounts.models import Team
from alliance.care.models import Episode, Session
from alliance.measures.models import Method, Response
from alliance.portal.models import Invitation

MAX_AGENDA_ITEMS = 3
AGENDA_TEXT_LENGTH = 200
COMMENT_LENGTH = 1000
HOPES_LENGTH = 2000


class AgendaItem(models.Model):
    """One thing the client wants to talk about in a session, in their own words, given with
    the outcome measure; the clinician marks it covered."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="agenda_items")
    response = models.ForeignKey(
        Response, on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("topic"), max_length=AGENDA_TEXT_LENGTH)
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    covered_at = models.DateTimeField(_("covered"), null=True, blank=True)
    covered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["session", "position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "position"], name="agenda_item_position"),
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=MAX_AGENDA_ITEMS),
                name="agenda_item_position_in_range",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="agenda_item_text_not_blank"),
            models.CheckConstraint(
                condition=Q(covered_at__isnull=True, covered_by__isnull=True)
                | Q(covered_at__isnull=False, covered_by__isnull=False),
                name="agenda_item_covered_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"Agenda item {self.position} of {self.session}"

    @property
    def is_covered(self) -> bool:
        return self.covered_at is not None


class AgendaItemChange(models.Model):
    """History of an agenda item's covered mark: every change kept, with who and when."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="changes")
    covered = models.BooleanField(_("covered"))
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("agenda item change")
        verbose_name_plural = _("agenda item changes")
        ordering = ["item", "changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.item} covered={self.covered}"


class AllianceComment(models.Model):
    """What the client wrote after an alliance measure ("Anything you would like your clinician
    to know about today's session?"), one per response."""

    response = models.OneToOneField(
        Response, on_delete=models.PROTECT, related_name="client_comment"
    )
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="client_comments")
    text = models.TextField(_("comment"), max_length=COMMENT_LENGTH)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("alliance comment")
        verbose_name_plural = _("alliance comments")
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="alliance_comment_not_blank")
        ]

    def __str__(self) -> str:
        return f"Comment on {self.response}"


class ClientHopes(models.Model):
    """At intake, with the expectancy measure: what the client hopes will be different and how
    they think change happens for them (both optional, at least one given)."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="client_hopes")
    response = models.OneToOneField(
        Response, on_delete=models.PROTECT, null=True, blank=True, related_name="client_hopes"
    )
    hopes = models.TextField(_("what they hope will be different"), blank=True)
    theory_of_change = models.TextField(_("how they think change happens for them"), blank=True)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("client's hopes")
        verbose_name_plural = _("client's hopes")
        ordering = ["episode", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(hopes="") | ~Q(theory_of_change=""), name="client_hopes_not_blank"
            )
        ]

    def __str__(self) -> str:
        return f"Hopes for {self.episode}"


class Baseline(models.Model):
    """The episode's outcome measure answered **before treatment** (issue 19, point 5): by the
    link sent when the episode's first appointment was booked, so change between booking and
    the first session is measured. It belongs to the episode, not to a session: the chart shows
    it as session 0, while the expected path and the alert rules still start from the first
    session's score. One per episode; scored by ``alliance.science.instruments`` like a
    ``Response``. Not edited once stored (a second answer is refused), so it has no history."""

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="baseline")
    invitation = models.OneToOneField(
        Invitation, on_delete=models.PROTECT, null=True, blank=True, related_name="baseline"
    )
    instrument = models.CharField(_("measure"), max_length=20)
    method = models.CharField(_("how"), max_length=12, choices=Method.choices)
    items = models.JSONField(_("item values"))
    total = models.FloatField(_("total"))
    subscales = models.JSONField(_("subscale scores"), default=dict)
    band = models.CharField(_("severity band"), max_length=40, blank=True)
    prorated = models.BooleanField(_("prorated for missing items"), default=False)
    answered_at = models.DateTimeField(_("answered"))
    idempotency_key = models.UUIDField(_("submission key"), unique=True)

    class Meta:
        verbose_name = _("baseline before treatment")
        verbose_name_plural = _("baselines before treatment")
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=Method.values), name="baseline_method_valid"
            )
        ]

    def __str__(self) -> str:
        return f"Baseline {self.instrument} {self.total:g} of {self.episode}"


class TeamSharing(models.Model):
    """A team's choice to let its clients see their own progress page (the clinician still
    switches it on for each episode: ``Episode.share_progress_with_client``)."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="sharing")
    clients_may_see_progress = models.BooleanField(
        _("clients may see their own progress"), default=False
    )

    class Meta:
        verbose_name = _("team sharing")
        verbose_name_plural = _("team sharing")

    def __str__(self) -> str:
        return f"Sharing for {self.team}"
