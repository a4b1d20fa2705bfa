"""Episodes of care and their care teams."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from alliance.accounts.models import Team
from alliance.care.models.clients import Client
from alliance.measures import catalogue


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
