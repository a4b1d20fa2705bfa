from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicConfig(AppConfig):
    name = "alliance.clinic"
    verbose_name = _("Clinic")
