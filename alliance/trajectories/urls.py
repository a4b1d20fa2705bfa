"""Expected-trajectory URLs, included by the project at ``/trajectories/``."""

from django.urls import path

from alliance.trajectories import views

app_name = "trajectories"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:measure>/", views.measure_page, name="measure"),
    path("<slug:measure>/status/", views.measure_status, name="status"),
    path("<slug:measure>/refit/", views.refit, name="refit"),
    path("<slug:measure>/default/", views.use_default, name="use_default"),
    path("fits/<int:fit_id>/activate/", views.activate, name="activate"),
]
