from django.urls import path

from alliance.care import episode_views, views

app_name = "care"
urlpatterns = [
    path("clients/new/", views.client_add, name="client_add"),
    # Episodes and measurement plans (issue 11): alliance/care/episode_views.py
    path(
        "clients/<int:client_id>/episodes/new/",
        episode_views.episode_open,
        name="episode_open",
    ),
    path("episodes/<int:episode_id>/care-team/", episode_views.care_team, name="care_team"),
    path(
        "episodes/<int:episode_id>/transfer/",
        episode_views.episode_transfer,
        name="episode_transfer",
    ),
    path("episodes/<int:episode_id>/end/", episode_views.episode_end, name="episode_end"),
    path("episodes/<int:episode_id>/plan/", episode_views.episode_plan, name="episode_plan"),
    path("plans/", episode_views.plan_defaults, name="plan_defaults"),
    path("teams/<int:team_id>/plans/", episode_views.team_plan, name="team_plan"),
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
