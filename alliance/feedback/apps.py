from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "alliance.feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        # A site's threshold override is checked at start-up: an unknown instrument or a value
        # off the instrument's scale stops the server with a message naming it.
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        from alliance.measures import catalogue
        from alliance.science.series import check_threshold_overrides

        try:
            check_threshold_overrides(settings.ALLIANCE["THRESHOLDS"], catalogue.instruments())
        except ValueError as error:
            raise ImproperlyConfigured(f"ALLIANCE_THRESHOLDS: {error}") from None
