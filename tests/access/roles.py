"""The role table every page is tried against (see test_urls_by_role.py).

Each app adds its pages in its own module under ``tests/access/pages_<app>.py`` as a dict
``PAGES = {url_name: (build_url(cast) -> str, {role: expected status})}``, and names any URL
that is not a plain GET page in ``NOT_GET_PAGES``.
"""

ROLES = [
    "anonymous",
    "clinician",
    "colleague",
    "supervisor",
    "other_supervisor",
    "administrator",
    "outsider",
]

# Shorthands for the common answers.
STAFF_PAGE = {
    "anonymous": 302,
    "clinician": 200,
    "colleague": 200,
    "supervisor": 200,
    "other_supervisor": 200,
    "administrator": 200,
    "outsider": 200,
}
CARE_TEAM_PAGE = {
    "anonymous": 302,
    "clinician": 200,
    "colleague": 404,
    "supervisor": 200,
    "other_supervisor": 404,
    "administrator": 404,
    "outsider": 404,
}
ADMIN_PAGE = {
    "anonymous": 302,
    "clinician": 302,
    "colleague": 302,
    "supervisor": 302,
    "other_supervisor": 302,
    "administrator": 200,
    "outsider": 302,
}
