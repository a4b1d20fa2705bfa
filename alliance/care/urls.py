from django.urls import path

from alliance.care import views

app_name = "care"
urlpatterns = [
    path("clients/new/", views.client_add, name="client_add"),
    path("episodes/<int:episode_id>/goals/new/", views.goal_add, name="goal_add"),
    path("goals/<int:goal_id>/", views.goal_edit, name="goal_edit"),
    path("sessions/<int:session_id>/goal-ratings/", views.goal_ratings, name="goal_ratings"),
    path("sessions/<int:session_id>/tasks/new/", views.task_add, name="task_add"),
    path(
        "sessions/<int:session_id>/tasks/<int:task_id>/review/",
        views.task_review,
        name="task_review",
    ),
    path("sessions/<int:session_id>/ruptures/new/", views.rupture_add, name="rupture_add"),
    path("ruptures/<int:rupture_id>/", views.rupture_edit, name="rupture_edit"),
    path("sessions/<int:session_id>/reflection/", views.reflection, name="reflection"),
]
