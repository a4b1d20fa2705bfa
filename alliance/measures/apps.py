from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "alliance.measures"
    verbose_name = _("Measures")

    def ready(self) -> None:
        # Instrument files are validated at start-up: a broken file stops the server with a
        # message naming the file and the field, instead of failing in front of a client.
        from alliance.measures import catalogue

        catalogue.instruments()
