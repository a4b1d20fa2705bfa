from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoiceConfig(AppConfig):
    name = "alliance.voice"
    verbose_name = _("The client's voice")

    def ready(self) -> None:
        from alliance.care.hooks import hook_register
        from alliance.voice.selectors import goal_start_text

        # Care's "add a goal" page, a layer down, starts from the client's hopes through this.
        hook_register("goal_start_text", goal_start_text)
