from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "alliance.portal"
    verbose_name = _("Client portal")

    def ready(self) -> None:
        # Installed here rather than in settings.LOGGING, so a site's own logging set-up
        # cannot bring the tokens back into its logs.
        from alliance.care.hooks import hook_register
        from alliance.portal.logs import keep_secrets_out_of_logs
        from alliance.portal.reminders import episode_messages_plan

        keep_secrets_out_of_logs()
        # Care, a layer down, plans the reminders through this after each booking change.
        hook_register("episode_messages_plan", episode_messages_plan)
