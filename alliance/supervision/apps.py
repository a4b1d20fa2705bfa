from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """No models of its own: it reads the alerts, episodes and ratings of the apps below it."""

    name = "alliance.supervision"
