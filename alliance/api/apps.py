from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "alliance.api"
    label = "api"
    verbose_name = _("API and FHIR")

    def ready(self) -> None:
        from alliance.api.auth import request_token
        from alliance.audit.records import hook_register

        # The audit log, a layer down, records the token's user through this.
        hook_register("request_token", request_token)
