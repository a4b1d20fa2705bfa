"""Clients, episodes of care, care teams and sessions."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from alliance.accounts.models import Organisation, Team


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
    outcome_measure = models.CharField(_("outcome measure"), max_length=20, default="ors")
    alliance_measure = models.CharField(_("alliance measure"), max_length=20, default="srs")
    share_progress_with_client = models.BooleanField(
        _("client may see their progress chart"), default=False
    )

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


class Session(models.Model):
    """One appointment in an episode, numbered from 1 in the order they were scheduled."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(_("number in the episode"))
    starts_at = models.DateTimeField(_("starts"))
    status = models.CharField(
        _("status"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    attended_by = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="sessions_attended",
        verbose_name=_("staff present"),
    )

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
        ]

    def __str__(self) -> str:
        return f"Session {self.number} of {self.episode}"
