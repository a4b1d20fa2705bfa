from django.urls import path

from alliance.clinic import views

app_name = "clinic"
urlpatterns = [
    path("", views.home, name="home"),
    path("caseload/", views.caseload, name="caseload"),
    path("episodes/<int:episode_id>/", views.episode, name="episode"),
    path("sessions/<int:session_id>/", views.session, name="session"),
]
