"""Clients, episodes of care, care teams and sessions."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from alliance.accounts.models import Organisation, Team
from alliance.measures import catalogue


class AgeGroup(models.TextChoices):
    """Norm groups used by the instruments' cutoffs (Child ORS 6-12, ORS from 13)."""

    CHILD = "child", _("Child (6-12)")
    ADOLESCENT = "adolescent", _("Adolescent (13-17)")
    ADULT = "adult", _("Adult (18+)")


class Client(models.Model):
    """A person in care. Identified in the product by a pseudonymous code; the display name is
    shown only to the people caring for them."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="clients")
    code = models.CharField(_("pseudonymous code"), max_length=40)
    display_name = models.CharField(_("display name"), max_length=200)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    age_group = models.CharField(_("age group"), max_length=12, choices=AgeGroup.choices)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("mobile phone"), max_length=32, blank=True)
    consents_to_electronic_contact = models.BooleanField(
        _("consents to e-mail and text messages"), default=False
    )
    # Intake (issue 11): consent per channel, the day it was given, the language to write in,
    # and who added the client (who sees them until they have an episode: ``access``).
    consents_to_email = models.BooleanField(_("consents to e-mail"), default=False)
    consents_to_sms = models.BooleanField(_("consents to text messages"), default=False)
    contact_consent_on = models.DateField(_("consent given on"), null=True, blank=True)
    # One of settings.LANGUAGES (checked by the intake form; not model choices, so a site that
    # offers another language needs no migration).
    preferred_language = models.CharField(_("preferred language"), max_length=10, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="client_code_unique"),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__range=(1900, 2100)),
                name="client_birth_year_plausible",
            ),
            models.CheckConstraint(
                condition=Q(age_group__in=AgeGroup.values), name="client_age_group_valid"
            ),
            # Consent to e-mail or text messages says when it was given.
            models.CheckConstraint(
                condition=Q(consents_to_email=False, consents_to_sms=False)
                | Q(contact_consent_on__isnull=False),
                name="client_consent_has_a_date",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Setting(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    COUPLE = "couple", _("Couple")
    FAMILY = "family", _("Family")
    GROUP = "group", _("Group")
    DAY_PROGRAMME = "day_programme", _("Day programme")
    MEDICATION = "medication", _("Medication management")


class Ending(models.TextChoices):
    PLANNED = "planned", _("Planned ending")
    CLIENT_INITIATED = "client_initiated", _("Client-initiated ending")
    GHOSTED = "ghosted", _("No contact (stopped coming without a word)")
    TRANSFERRED = "transferred", _("Transferred")


MEASURE_KINDS = {"outcome_measure": "outcome", "alliance_measure": "alliance"}
"""The episode's measure fields and the instrument kind each one takes."""
MEASURE_REFUSED = {
    "outcome": _("%(code)s is not an installed outcome measure; choose one of %(allowed)s."),
    "alliance": _("%(code)s is not an installed alliance measure; choose one of %(allowed)s."),
}


# Goal-based outcomes are an outcome measure in their own right (Law & Jacob): an episode may
# follow the client's goals as its outcome (issue 12: any installed instrument works).
KINDS_TAKEN = {"outcome": ("outcome", "goal"), "alliance": ("alliance",)}


def measure_codes(kind: str) -> list[str]:
    """The codes of the installed instruments an episode's field of this kind ("outcome",
    "alliance") takes, sorted."""
    taken = KINDS_TAKEN.get(kind, (kind,))
    return sorted(code for code, i in catalogue.instruments().items() if i.kind in taken)


def measure_choices(kind: str) -> list[tuple[str, str]]:
    """(code, English name) pairs of one kind, for a form's list."""
    instruments = catalogue.instruments()
    return [(code, instruments[code].name.get("en", code)) for code in measure_codes(kind)]


class Episode(models.Model):
    """One episode of care: from first contact to ending, with its care team and sessions."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="episodes")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="episodes")
    setting = models.CharField(
        _("setting"), max_length=20, choices=Setting.choices, default=Setting.INDIVIDUAL
    )
    started_on = models.DateField(_("started"))
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    ending = models.CharField(_("ending"), max_length=20, choices=Ending.choices, blank=True)
    # The primary measures: the expected path, the outcome alerts and the alliance alerts read
    # these. The measurement plan (``MeasurePlanItem``) lists every measure the episode uses and
    # when each is given; it includes these two unless the clinic chose otherwise.
    outcome_measure = models.CharField(_("outcome measure"), max_length=20, default="ors")
    alliance_measure = models.CharField(_("alliance measure"), max_length=20, default="srs")
    share_progress_with_client = models.BooleanField(
        _("client may see their progress chart"), default=False
    )
    # A transfer that ends this episode and starts a new one links the new one to this one.
    continues = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="continued_by",
        verbose_name=_("continues the episode"),
    )
    # Earlier care teams, plans and endings: [{"at", "by", "what", "before", "after", "note"}].
    history = models.JSONField(_("earlier versions"), default=list, blank=True)

    class Meta:
        verbose_name = _("episode")
        verbose_name_plural = _("episodes")
        indexes = [models.Index(fields=["team", "ended_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="episode_ends_after_start",
            ),
            # An ended episode says how it ended; an open one has no ending yet.
            models.CheckConstraint(
                condition=(Q(ended_on__isnull=True) & Q(ending=""))
                | (Q(ended_on__isnull=False) & Q(ending__in=Ending.values)),
                name="episode_ending_matches_end_date",
            ),
            models.CheckConstraint(
                condition=Q(setting__in=Setting.values), name="episode_setting_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client.code} from {self.started_on:%Y-%m-%d}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.check_measures()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_active(self) -> bool:
        return self.ended_on is None

    def clean(self) -> None:
        if (
            self.client_id
            and self.team_id
            and self.client.organisation_id != self.team.organisation_id
        ):
            raise ValidationError({"team": _("The team belongs to another organisation.")})
        self.check_measures()

    def check_measures(self) -> None:
        """Refuse a measure code that is not an installed instrument of the right kind, naming
        the field and the codes allowed. The catalogue is read from files at run time, so no
        database constraint can hold it: ``save`` calls this instead."""
        errors = {}
        for field, kind in MEASURE_KINDS.items():
            allowed = measure_codes(kind)
            code = getattr(self, field)
            if code not in allowed:
                errors[field] = MEASURE_REFUSED[kind] % {
                    "code": code or '""',
                    "allowed": ", ".join(allowed),
                }
        if errors:
            raise ValidationError(errors)


class CareRole(models.TextChoices):
    PRIMARY_THERAPIST = "primary_therapist", _("Primary therapist")
    PRESCRIBER = "prescriber", _("Prescriber")
    CASE_MANAGER = "case_manager", _("Case manager")
    TEAM_MEMBER = "team_member", _("Team member")


class CareTeamMember(models.Model):
    """A member of staff on an episode's care team. Being on the care team is what lets a
    clinician see the client's record."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="care_team")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_roles"
    )
    role = models.CharField(_("role"), max_length=20, choices=CareRole.choices)
    joined_on = models.DateField(_("joined"), null=True, blank=True)

    class Meta:
        verbose_name = _("care team member")
        verbose_name_plural = _("care team members")
        constraints = [
            models.UniqueConstraint(fields=["episode", "member"], name="care_team_member_once"),
            models.UniqueConstraint(
                fields=["episode"],
                condition=Q(role=CareRole.PRIMARY_THERAPIST),
                name="care_team_one_primary_therapist",
            ),
            models.CheckConstraint(
                condition=Q(role__in=CareRole.values), name="care_team_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} ({self.get_role_display()})"


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


class PlanRepeat(models.TextChoices):
    NONE = "", _("Not repeated")
    SESSIONS = "sessions", _("Every N sessions")
    WEEKS = "weeks", _("Every N weeks")


class PlanEntry(models.Model):
    """When one measure is given: at intake, at the end, every N sessions or every N weeks (any
    combination). ``alliance.science.plans`` decides what is due from these."""

    instrument = models.CharField(_("measure"), max_length=20)
    at_intake = models.BooleanField(_("at intake"), default=False)
    at_end = models.BooleanField(_("at the end"), default=False)
    repeat = models.CharField(
        _("repeated"), max_length=10, choices=PlanRepeat.choices, blank=True, default=""
    )
    interval = models.PositiveSmallIntegerField(_("every"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        self.check_instrument()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def check_instrument(self) -> None:
        """Refuse a code that is not an installed instrument (the catalogue is files, so no
        database constraint can hold it: ``save`` calls this)."""
        installed = sorted(catalogue.instruments())
        if self.instrument not in installed:
            raise ValidationError(
                {
                    "instrument": _(
                        "%(code)s is not an installed measure; choose one of %(allowed)s."
                    )
                    % {"code": self.instrument or '""', "allowed": ", ".join(installed)}
                }
            )


def plan_rules(prefix: str) -> list[models.BaseConstraint]:
    """The database rules every plan table keeps."""
    return [
        models.CheckConstraint(
            condition=Q(repeat__in=PlanRepeat.values), name=f"{prefix}_repeat_valid"
        ),
        # An interval of 1 to 52 exactly when the measure is repeated.
        models.CheckConstraint(
            condition=(Q(repeat="") & Q(interval__isnull=True))
            | (~Q(repeat="") & Q(interval__gte=1, interval__lte=52)),
            name=f"{prefix}_interval_matches_repeat",
        ),
        models.CheckConstraint(
            condition=Q(at_intake=True) | Q(at_end=True) | ~Q(repeat=""),
            name=f"{prefix}_given_sometime",
        ),
    ]


class MeasurePlanItem(PlanEntry):
    """One measure of an episode's measurement plan."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="plan")

    class Meta:
        verbose_name = _("measurement plan item")
        verbose_name_plural = _("measurement plan")
        ordering = ["episode", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "instrument"], name="plan_measure_once"),
            *plan_rules("plan"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} in {self.episode}"


class PlanDefault(PlanEntry):
    """A clinic's default plan for a team and setting: a new episode's plan starts from it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="plan_defaults")
    setting = models.CharField(_("setting"), max_length=20, choices=Setting.choices)

    class Meta:
        verbose_name = _("default measurement plan item")
        verbose_name_plural = _("default measurement plans")
        ordering = ["team", "setting", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "setting", "instrument"], name="plan_default_measure_once"
            ),
            models.CheckConstraint(
                condition=Q(setting__in=Setting.values), name="plan_default_setting_valid"
            ),
            *plan_rules("plan_default"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} for {self.team} ({self.setting})"


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
