"""Responses to instruments, with every earlier version kept."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Rater(models.TextChoices):
    CLIENT = "client", _("Client")
    CLINICIAN = "clinician", _("Clinician")
    TEAM_MEMBER = "team_member", _("Other team member")
    COLLATERAL = "collateral", _("Family member or carer")


STAFF_RATERS = (Rater.CLINICIAN, Rater.TEAM_MEMBER)


class Author(models.TextChoices):
    """Who recorded the answers, as an outside system said (FHIR ``QuestionnaireResponse
    .author``); empty when nobody said, and the rater recorded them."""

    NOT_SAID = "", _("The rater")
    PATIENT = "patient", _("Client")
    PRACTITIONER = "practitioner", _("Member of staff")
    RELATED_PERSON = "related_person", _("Family member or carer")


class Method(models.TextChoices):
    TABLET = "tablet", _("Clinic tablet")
    LINK = "link", _("Link sent to the client")
    KIOSK = "kiosk", _("Waiting-room kiosk code")
    PAPER = "paper", _("Entered from paper")
    CLINICIAN = "clinician", _("Entered by the clinician")
    IMPORT = "import", _("Imported")


class CountedResponses(models.Manager["Response"]):
    """Responses that count: every one but those voided. The default manager, so charts, alerts,
    reports, the API and reverse relations (``session.responses``) never see a voided response;
    ``Response.everything`` reaches them all (history, audit, full export, submission keys)."""

    def get_queryset(self) -> models.QuerySet["Response"]:
        return super().get_queryset().filter(voided_at__isnull=True)


class Response(models.Model):
    """One completed measure in one session: the current version of the answers and the scores
    computed from them by ``alliance.science.instruments``. Earlier versions live in
    :class:`ResponseVersion`. A response entered by mistake is voided, never deleted: it stays in
    the history and the audit log and leaves the chart and the alerts."""

    # By name: care, a layer up, imports measures (docs/architecture.md, "The map").
    session = models.ForeignKey("care.Session", on_delete=models.PROTECT, related_name="responses")
    instrument = models.CharField(_("measure"), max_length=20)
    rater = models.CharField(_("answered by"), max_length=12, choices=Rater.choices)
    rater_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ratings_given",
        help_text=_("The member of staff who rated, when a clinician or team member rated."),
    )
    about_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alliance_ratings_about",
        help_text=_(
            "For alliance measures: the care-team member rated; empty means the whole team."
        ),
    )
    author = models.CharField(
        _("recorded by (as sent)"),
        max_length=16,
        choices=Author.choices,
        blank=True,
        default="",
        help_text=_(
            "Who recorded the answers, as the system that sent them said; empty when "
            "it did not say."
        ),
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by member of staff"),
    )
    method = models.CharField(_("how"), max_length=12, choices=Method.choices)
    items = models.JSONField(_("item values"))
    total = models.FloatField(_("total"))
    subscales = models.JSONField(_("subscale scores"), default=dict)
    band = models.CharField(_("severity band"), max_length=40, blank=True)
    risk_items = models.JSONField(_("risk answers"), default=list)
    prorated = models.BooleanField(_("prorated for missing items"), default=False)
    answered_at = models.DateTimeField(_("answered"))
    idempotency_key = models.UUIDField(_("submission key"), unique=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voided by"),
    )
    void_reason = models.CharField(_("why it was voided"), max_length=300, blank=True)

    objects = CountedResponses()
    everything = models.Manager()  # noqa: DJ012 (a manager, not a field)

    class Meta:
        base_manager_name = "everything"
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        indexes = [models.Index(fields=["session", "instrument"])]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="response_version_positive"),
            models.CheckConstraint(
                condition=Q(rater__in=Rater.values), name="response_rater_valid"
            ),
            models.CheckConstraint(
                condition=Q(method__in=Method.values), name="response_method_valid"
            ),
            # Staff ratings say who rated, so a clinician's view is never mistaken for the client's.
            models.CheckConstraint(
                condition=Q(rater__in=STAFF_RATERS, rater_user__isnull=False)
                | (~Q(rater__in=STAFF_RATERS) & Q(rater_user__isnull=True)),
                name="response_staff_rater_named",
            ),
            # A member of staff named as the author is named by their user, and only then.
            models.CheckConstraint(
                condition=Q(author=Author.PRACTITIONER, author_user__isnull=False)
                | (~Q(author=Author.PRACTITIONER) & Q(author_user__isnull=True)),
                name="response_staff_author_named",
            ),
            models.CheckConstraint(
                condition=Q(author__in=Author.values), name="response_author_valid"
            ),
            # A voided response says who voided it and why.
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True, voided_by__isnull=True, void_reason="")
                | (Q(voided_at__isnull=False, voided_by__isnull=False) & ~Q(void_reason="")),
                name="response_void_says_who_and_why",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.total:g} ({self.get_rater_display()})"


class ResponseVersion(models.Model):
    """Every version of a response, the first included, so a correction never loses what was
    recorded before it."""

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    items = models.JSONField(_("item values"))
    total = models.FloatField(_("total"))
    subscales = models.JSONField(_("subscale scores"), default=dict)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    reason = models.CharField(_("reason for the change"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("response version")
        verbose_name_plural = _("response versions")
        ordering = ["response", "version"]
        constraints = [
            models.UniqueConstraint(fields=["response", "version"], name="response_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id} v{self.version}"
