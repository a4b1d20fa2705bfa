"""Measurement plans: which measure is due in which session."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliance.accounts.models import Team
from alliance.care.models.episodes import Episode, Setting
from alliance.measures import catalogue


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
