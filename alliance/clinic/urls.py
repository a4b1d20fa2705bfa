from django.urls import path

from alliance.clinic import corrections_views, supervision_views, views

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
    path(
        "sessions/<int:session_id>/responses/<int:response_id>/void/",
        corrections_views.response_void,
        name="response_void",
    ),
    path("sessions/<int:session_id>/paper/", corrections_views.session_paper, name="session_paper"),
    path(
        "sessions/<int:session_id>/correct/",
        corrections_views.session_correct,
        name="session_correct",
    ),
    path("team/", supervision_views.team, name="team"),
    path(
        "clinicians/<int:clinician_id>/development/",
        supervision_views.development,
        name="development",
    ),
]
