from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "alliance.portal"
    verbose_name = _("Client portal")

    def ready(self) -> None:
        # Installed here rather than in settings.LOGGING, so a site's own logging set-up
        # cannot bring the tokens back into its logs.
        from alliance.portal.logs import keep_secrets_out_of_logs

        keep_secrets_out_of_logs()
