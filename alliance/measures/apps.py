from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "alliance.measures"
    verbose_name = _("Measures")

    def ready(self) -> None:
        # Instrument files are validated at start-up: a broken file stops the server with a
        # message naming the file and the field, instead of failing in front of a client.
        from alliance.audit.records import record_kind_register
        from alliance.measures import catalogue
        from alliance.measures.models import Response

        catalogue.instruments()
        # What the audit log (a layer down) records looks at, and the path to its client.
        record_kind_register("response", Response, "session__episode__client_id")
