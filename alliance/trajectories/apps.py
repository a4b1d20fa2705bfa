from django.apps import AppConfig


class TrajectoriesConfig(AppConfig):
    """No models of its own: the fits are ``feedback.models.TrajectoryFit``."""

    name = "alliance.trajectories"
