"""Feedback URLs, included by the project at ``/feedback/``."""

from django.urls import path

from alliance.feedback import views

app_name = "feedback"
urlpatterns = [
    path("alerts/<int:alert_id>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("alerts/<int:alert_id>/snooze/", views.alert_snooze, name="alert_snooze"),
    path(
        "sessions/<int:session_id>/acknowledge/",
        views.session_alerts_acknowledge,
        name="session_alerts_acknowledge",
    ),
]
