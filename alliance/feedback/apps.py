from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "alliance.feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        # A site's threshold override is checked at start-up: an unknown instrument or a value
        # off the instrument's scale stops the server with a message naming it.
        # Every other clinical setting is checked here too (alliance.clinical_settings).
        from django.core.exceptions import ImproperlyConfigured

        from alliance.audit.records import record_kind_register
        from alliance.care.hooks import hook_register
        from alliance.clinical_settings import clinical_settings
        from alliance.feedback.models import Alert
        from alliance.feedback.services import alerts_refresh
        from alliance.feedback.summaries import episode_summaries_refresh
        from alliance.measures import catalogue
        from alliance.science.series import check_threshold_overrides

        overrides = clinical_settings().thresholds
        try:
            check_threshold_overrides(overrides, catalogue.instruments())
        except ValueError as error:
            raise ImproperlyConfigured(f"ALLIANCE_THRESHOLDS: {error}") from None
        # Care, a layer down, refreshes what feedback derives from its records through these.
        hook_register("alerts_refresh", alerts_refresh)
        hook_register("episode_summaries_refresh", episode_summaries_refresh)
        # What the audit log (a layer down) records looks at, and the path to its client.
        record_kind_register("alert", Alert, "episode__client_id")
