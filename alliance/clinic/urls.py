from django.urls import path

from alliance.clinic import appointment_views, corrections_views, views

# The supervisor's pages join these under the same "clinic" namespace in ``alliance/urls.py``
# (supervision sits above clinic, so it is not imported here).
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
    path("today/", appointment_views.today, name="today"),
    path(
        "episodes/<int:episode_id>/appointments/new/",
        appointment_views.book,
        name="appointment_book",
    ),
    path(
        "sessions/<int:session_id>/reschedule/",
        appointment_views.reschedule,
        name="appointment_reschedule",
    ),
    path("sessions/<int:session_id>/cancel/", appointment_views.cancel, name="appointment_cancel"),
    path(
        "sessions/<int:session_id>/attended/",
        appointment_views.attended,
        name="appointment_attended",
    ),
    path(
        "sessions/<int:session_id>/no-show/", appointment_views.no_show, name="appointment_no_show"
    ),
    path(
        "sessions/<int:session_id>/withdraw/",
        appointment_views.withdraw,
        name="appointment_withdraw",
    ),
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
]
