from django.urls import path

from alliance.voice import views

app_name = "voice"
urlpatterns = [
    path("agenda/<int:item_id>/covered/", views.agenda_item_covered, name="agenda_item_covered"),
    path("episodes/<int:episode_id>/sharing/", views.episode_sharing, name="episode_sharing"),
    path(
        "episodes/<int:episode_id>/progress-summary/",
        views.progress_summary,
        name="progress_summary",
    ),
    path("sessions/<int:session_id>/intake/", views.intake_invite, name="intake_invite"),
    path("progress/", views.client_progress, name="client_progress"),
]
