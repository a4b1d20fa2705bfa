"""Organisations, teams, staff users and their roles."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLINICIAN = "clinician", _("Clinician")
    PRESCRIBER = "prescriber", _("Prescriber")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMINISTRATOR = "administrator", _("Administrator")


TEAM_ROLES = (Role.CLINICIAN, Role.PRESCRIBER, Role.SUPERVISOR)


MOBILE_NUMBER = RegexValidator(
    r"^\+?[0-9][0-9 ]{6,19}$",
    _(
        "Mobile number: digits and spaces, with an optional + and country code first "
        "(7 to 20 characters), e.g. +44 7700 900123."
    ),
)


class User(AbstractUser):
    """A member of staff. Clients never have accounts: they answer by tablet, link or kiosk code.

    ``mobile``: optional; a risk answer of one of their clients is also texted to it, where the
    site sends text messages (``ALLIANCE_SMS_BACKEND``), with no clinical detail.

    ``language``: the language of every staff page after log-in (one of settings.LANGUAGES);
    empty: the browser's. Not model choices, so a site that adds a language needs no migration."""

    mobile = models.CharField(
        _("mobile number"),
        max_length=32,
        blank=True,
        validators=[MOBILE_NUMBER],
        help_text=_(
            "Optional. Only used to text you that a client of yours needs attention today, "
            "where this site sends text messages."
        ),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_("The language of every page after you log in. Empty: your browser's."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Organisation(models.Model):
    """A clinic or agency: the unit that owns clients, teams, settings and exports."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    admin_sees_clinical_data = models.BooleanField(
        _("administrators see clinical data"),
        default=False,
        help_text=_(
            "Off: administrators see clinical detail only for clients whose care team they are on."
        ),
    )
    require_two_factor = models.BooleanField(
        _("require two-factor log-in"),
        default=False,
        help_text=_(
            "On: every member must set up a code from an app on their phone before they can "
            "open any page (docs/security.md)."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A clinical team inside an organisation; supervisors see their teams' episodes."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="teams", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_name_unique_in_org")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role: in a team (clinician, prescriber, supervisor) or in the organisation
    (administrator). A user may hold several memberships, in several teams."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("team"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # Team roles need a team; the administrator role belongs to the whole organisation.
            models.CheckConstraint(
                condition=(Q(role=Role.ADMINISTRATOR) & Q(team__isnull=True))
                | (Q(role__in=TEAM_ROLES) & Q(team__isnull=False)),
                name="membership_team_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "team", "role"], name="membership_unique_team_role"
            ),
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=Q(role=Role.ADMINISTRATOR),
                name="membership_unique_administrator",
            ),
        ]

    def __str__(self) -> str:
        where = self.team or self.organisation
        return f"{self.user} ({self.get_role_display()}, {where})"

    def clean(self) -> None:
        team = self.team if self.team_id else None
        if team is not None and team.organisation_id != self.organisation_id:
            raise ValidationError({"team": _("The team belongs to another organisation.")})
