"""The alliance-work pages (care app), tried as every role by test_urls_by_role.py.

Each page is a GET form page and the POST endpoint behind it; the POSTs are tried as every role in
tests/care/test_views.py. Records a page needs (a goal, a task, a rupture) are made on demand.
"""

from types import SimpleNamespace

from django.urls import reverse

from alliance.care.models import Goal, Rupture, Task
from tests.access.roles import CARE_TEAM_PAGE, STAFF_PAGE


def goal_of(cast: SimpleNamespace) -> Goal:
    goal, _ = Goal.objects.get_or_create(
        episode=cast.episode, defaults={"text": "Sleep better", "created_by": cast.clinician}
    )
    return goal


def task_of(cast: SimpleNamespace) -> Task:
    task, _ = Task.objects.get_or_create(
        episode=cast.episode,
        defaults={
            "agreed_in": cast.session,
            "what": "A walk each morning",
            "client_agreed": True,
            "created_by": cast.clinician,
        },
    )
    return task


def rupture_of(cast: SimpleNamespace) -> Rupture:
    rupture, _ = Rupture.objects.get_or_create(
        session=cast.session,
        defaults={
            "markers": ["minimal_response"],
            "noticed_by": "clinician",
            "resolution": "partly_resolved",
            "recorded_by": cast.clinician,
        },
    )
    return rupture


# Anyone with a role in the organisation adds clients; someone with no role is refused.
INTAKE_PAGE = STAFF_PAGE | {"outsider": 403}

# Episode pages (issue 11): whoever sees the episode and may change it (its care team, the
# team's supervisor). The team default plans: an administrator or the team's supervisor; the
# organisation's other staff are refused (403), someone with no role there is told nothing.
TEAM_PLAN_PAGE = {
    "anonymous": 302,
    "clinician": 403,
    "colleague": 403,
    "supervisor": 200,
    "other_supervisor": 403,
    "administrator": 200,
    "outsider": 404,
}

PAGES = {
    "care:client_add": (lambda c: reverse("care:client_add"), INTAKE_PAGE),
    "care:episode_open": (
        lambda c: reverse("care:episode_open", args=[c.episode.client_id]),
        CARE_TEAM_PAGE,
    ),
    "care:care_team": (lambda c: reverse("care:care_team", args=[c.episode.pk]), CARE_TEAM_PAGE),
    "care:episode_transfer": (
        lambda c: reverse("care:episode_transfer", args=[c.episode.pk]),
        CARE_TEAM_PAGE,
    ),
    "care:episode_end": (
        lambda c: reverse("care:episode_end", args=[c.episode.pk]),
        CARE_TEAM_PAGE,
    ),
    "care:episode_plan": (
        lambda c: reverse("care:episode_plan", args=[c.episode.pk]),
        CARE_TEAM_PAGE,
    ),
    "care:plan_defaults": (lambda c: reverse("care:plan_defaults"), STAFF_PAGE),
    "care:team_plan": (lambda c: reverse("care:team_plan", args=[c.team_a.pk]), TEAM_PLAN_PAGE),
    "care:goal_add": (lambda c: reverse("care:goal_add", args=[c.episode.pk]), CARE_TEAM_PAGE),
    "care:goal_edit": (lambda c: reverse("care:goal_edit", args=[goal_of(c).pk]), CARE_TEAM_PAGE),
    "care:goal_ratings": (
        lambda c: reverse("care:goal_ratings", args=[c.session.pk]),
        CARE_TEAM_PAGE,
    ),
    "care:task_add": (lambda c: reverse("care:task_add", args=[c.session.pk]), CARE_TEAM_PAGE),
    "care:task_review": (
        lambda c: reverse("care:task_review", args=[c.session.pk, task_of(c).pk]),
        CARE_TEAM_PAGE,
    ),
    "care:rupture_add": (
        lambda c: reverse("care:rupture_add", args=[c.session.pk]),
        CARE_TEAM_PAGE,
    ),
    "care:rupture_edit": (
        lambda c: reverse("care:rupture_edit", args=[rupture_of(c).pk]),
        CARE_TEAM_PAGE,
    ),
    "care:reflection": (lambda c: reverse("care:reflection", args=[c.session.pk]), CARE_TEAM_PAGE),
}
