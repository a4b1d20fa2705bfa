"""The alliance work: goals, agreed tasks, ruptures and reflections."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliance.care.models.episodes import Episode
from alliance.care.models.sessions import Session

# The alliance work (DOMAIN.md, "The alliance, as defined by Bordin" and "Ruptures and their
# repair"): goals, goal ratings, agreed tasks, ruptures and the clinician's reflections. Marker,
# strategy and experience codes, and their pathways, come from ``alliance.science.ruptures``;
# the services check them before anything is stored.

MAX_ACTIVE_GOALS = 3  # goal-based outcomes rate up to three goals a session (Law & Jacob 2015)


def _not_blank(field: str) -> Q:
    return ~Q(**{field: ""})


class GoalStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ACHIEVED = "achieved", _("Achieved")
    CHANGED = "changed", _("Changed into another goal")
    DROPPED = "dropped", _("Dropped")


class Goal(models.Model):
    """What the client wants from therapy, in the client's own words, stored as said. Every
    change of wording, agreement or status is kept in :class:`GoalVersion`; a goal that changed
    into another points from the new goal to the old one (``replaces``)."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="goals")
    text = models.TextField(_("the goal, in the client's words"), max_length=500)
    agreed = models.BooleanField(_("agreed together"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=GoalStatus.choices, default=GoalStatus.ACTIVE
    )
    set_in = models.ForeignKey(
        Session,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="goals_set",
        verbose_name=_("set in session"),
    )
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces the goal"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["episode", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=GoalStatus.values), name="goal_status_valid"
            ),
            models.CheckConstraint(condition=_not_blank("text"), name="goal_text_not_blank"),
            models.CheckConstraint(condition=Q(version__gte=1), name="goal_version_positive"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_active(self) -> bool:
        return self.status == GoalStatus.ACTIVE


class GoalVersion(models.Model):
    """Every version of a goal, the first included: what it said, whether it was agreed, its
    status, and who changed it when and why."""

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("the goal, in the client's words"))
    agreed = models.BooleanField(_("agreed together"))
    status = models.CharField(_("status"), max_length=10, choices=GoalStatus.choices)
    note = models.CharField(_("why it changed"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("goal version")
        verbose_name_plural = _("goal versions")
        ordering = ["goal", "version"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "version"], name="goal_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.goal_id} v{self.version}"


class GoalRating(models.Model):
    """How close the client is to a goal in one session, 0 (not at all) to 10 (reached): the
    goal-based outcome (GBO). A correction in the same session keeps the earlier values in
    ``earlier``."""

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="ratings")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="goal_ratings")
    rating = models.PositiveSmallIntegerField(_("progress (0-10)"))
    earlier = models.JSONField(_("earlier values"), default=list, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("goal rating")
        verbose_name_plural = _("goal ratings")
        constraints = [
            models.UniqueConstraint(fields=["goal", "session"], name="goal_rating_once_a_session"),
            models.CheckConstraint(
                condition=Q(rating__gte=0, rating__lte=10), name="goal_rating_0_to_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/10"


class TaskOutcome(models.TextChoices):
    NOT_REVIEWED = "not_reviewed", _("Not reviewed yet")
    DONE = "done", _("Done")
    PARTLY = "partly", _("Partly done")
    NOT_DONE = "not_done", _("Not done")


class Task(models.Model):
    """Work agreed with the client, in or between sessions (Bordin's tasks): what it is, the
    rationale linking it to a goal, whether the client agreed, and what came of it, reviewed at
    the same or a later session. Adherence is a behavioural sign of the alliance. Earlier reviews
    are kept in ``history``."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="tasks")
    agreed_in = models.ForeignKey(
        Session,
        on_delete=models.PROTECT,
        related_name="tasks_agreed",
        verbose_name=_("agreed in session"),
    )
    what = models.TextField(_("the task"), max_length=500)
    goal = models.ForeignKey(
        Goal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("serves the goal"),
    )
    rationale = models.TextField(_("how it serves the goal"), max_length=1000, blank=True)
    client_agreed = models.BooleanField(_("the client agreed"))
    outcome = models.CharField(
        _("what came of it"),
        max_length=12,
        choices=TaskOutcome.choices,
        default=TaskOutcome.NOT_REVIEWED,
    )
    reviewed_in = models.ForeignKey(
        Session,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks_reviewed",
        verbose_name=_("reviewed in session"),
    )
    review_note = models.TextField(_("review note"), max_length=1000, blank=True)
    history = models.JSONField(_("earlier reviews"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["episode", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=TaskOutcome.values), name="task_outcome_valid"
            ),
            models.CheckConstraint(condition=_not_blank("what"), name="task_what_not_blank"),
            # A reviewed task says in which session; one not reviewed yet has no review session.
            models.CheckConstraint(
                condition=(Q(outcome=TaskOutcome.NOT_REVIEWED) & Q(reviewed_in__isnull=True))
                | (~Q(outcome=TaskOutcome.NOT_REVIEWED) & Q(reviewed_in__isnull=False)),
                name="task_review_has_a_session",
            ),
        ]

    def __str__(self) -> str:
        return self.what


class NoticedBy(models.TextChoices):
    CLIENT = "client", _("The client said it")
    CLINICIAN = "clinician", _("The clinician noticed")
    BOTH = "both", _("Both")
    SUPERVISOR = "supervisor", _("A supervisor, on review")


class Resolution(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    PARTLY = "partly_resolved", _("Partly resolved")
    NOT_RESOLVED = "not_resolved", _("Not resolved")


class Rupture(models.Model):
    """A strain in the alliance noticed in a session: its 3RS markers, who noticed, the repair
    strategies used and whether it was resolved. Markers and strategies are stored as codes from
    ``alliance.science.ruptures``; earlier versions are kept in ``history``."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="ruptures")
    markers = models.JSONField(_("markers"))
    noticed_by = models.CharField(_("who noticed"), max_length=12, choices=NoticedBy.choices)
    strategies = models.JSONField(_("repair strategies used"), default=list, blank=True)
    resolution = models.CharField(_("resolved?"), max_length=16, choices=Resolution.choices)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    history = models.JSONField(_("earlier versions"), default=list, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("rupture")
        verbose_name_plural = _("ruptures")
        ordering = ["session", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(noticed_by__in=NoticedBy.values), name="rupture_noticed_by_valid"
            ),
            models.CheckConstraint(
                condition=Q(resolution__in=Resolution.values), name="rupture_resolution_valid"
            ),
            models.CheckConstraint(condition=~Q(markers=[]), name="rupture_has_a_marker"),
        ]

    def __str__(self) -> str:
        return f"Rupture in {self.session}"


class Reflection(models.Model):
    """The clinician's own experience of a session: a few words from a short list and free
    text. Private to its author and the supervisors of the episode's team (see
    ``alliance.care.selectors.visible_reflections``); never shown in the admin."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="reflections")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reflections"
    )
    experiences = models.JSONField(_("what I felt"), default=list, blank=True)
    text = models.TextField(_("reflection"), max_length=4000, blank=True)
    history = models.JSONField(_("earlier versions"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "author"], name="reflection_once_per_author_and_session"
            ),
            models.CheckConstraint(
                condition=~Q(experiences=[]) | _not_blank("text"),
                name="reflection_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"Reflection by {self.author} on {self.session}"
