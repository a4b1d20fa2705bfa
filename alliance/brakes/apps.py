from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BrakesConfig(AppConfig):
    name = "alliance.brakes"
    verbose_name = _("Brakes on guessing")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from alliance.brakes.login import failure_counted

        # This app is installed after axes, so this runs after axes has counted the failure.
        user_login_failed.connect(failure_counted, dispatch_uid="alliance.brakes.login")
