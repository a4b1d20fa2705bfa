from django.urls import path

from alliance.clinic import supervision_views, views

app_name = "clinic"
urlpatterns = [
    path("", views.home, name="home"),
    path("caseload/", views.caseload, name="caseload"),
    path("episodes/<int:episode_id>/", views.episode, name="episode"),
    path("episodes/<int:episode_id>/sessions/start/", views.session_start, name="session_start"),
    path("sessions/<int:session_id>/", views.session, name="session"),
    path(
        "sessions/<int:session_id>/attendance/", views.session_attendance, name="session_attendance"
    ),
    path("sessions/<int:session_id>/rating/", views.session_rating, name="session_rating"),
    path("team/", supervision_views.team, name="team"),
    path(
        "clinicians/<int:clinician_id>/development/",
        supervision_views.development,
        name="development",
    ),
]
