from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "alliance.care"
    verbose_name = _("Care")

    def ready(self) -> None:
        from alliance.audit.records import record_kind_register
        from alliance.care import models

        # What the audit log (a layer down) records looks at, and the path to its client.
        record_kind_register("client", models.Client, "pk")
        record_kind_register("episode", models.Episode, "client_id")
        record_kind_register("session", models.Session, "episode__client_id")
        record_kind_register("goal", models.Goal, "episode__client_id")
        record_kind_register("goal_rating", models.GoalRating, "goal__episode__client_id")
        record_kind_register("task", models.Task, "episode__client_id")
        record_kind_register("rupture", models.Rupture, "session__episode__client_id")
