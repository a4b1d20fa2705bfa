"""The expected-trajectory pages, tried as every role by test_urls_by_role.py.

Administrators and supervisors of the organisation may look; others are refused (403) rather
than sent away, since the page holds no client's data. The POSTs (refit, put in use, back to the
default) are tried as every role in tests/trajectories/test_views.py.
"""

from django.urls import reverse

TRAJECTORY_PAGE = {
    "anonymous": 302,
    "clinician": 403,
    "colleague": 403,
    "supervisor": 200,
    "other_supervisor": 200,
    "administrator": 200,
    "outsider": 403,
}

PAGES = {
    "trajectories:index": (lambda c: reverse("trajectories:index"), TRAJECTORY_PAGE),
    "trajectories:measure": (
        lambda c: reverse("trajectories:measure", args=["ors"]),
        TRAJECTORY_PAGE,
    ),
    "trajectories:status": (
        lambda c: reverse("trajectories:status", args=["ors"]),
        TRAJECTORY_PAGE,
    ),
}

NOT_GET_PAGES = {"trajectories:refit", "trajectories:use_default", "trajectories:activate"}
