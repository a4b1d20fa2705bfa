"""Clients: who is cared for, in which organisation."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliance.accounts.models import Organisation


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
