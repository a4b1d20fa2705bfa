from django.urls import reverse

# The team page is for supervisors only (each sees their own teams); a development page is for
# the clinician and the supervisors of their teams only. Everyone else gets 404, as for a
# missing page.
TEAM_PAGE = {
    "anonymous": 302,
    "clinician": 404,
    "colleague": 404,
    "supervisor": 200,
    "other_supervisor": 200,
    "administrator": 404,
    "outsider": 404,
}
CLINICIAN_DEVELOPMENT_PAGE = {
    "anonymous": 302,
    "clinician": 200,
    "colleague": 404,
    "supervisor": 200,
    "other_supervisor": 404,
    "administrator": 404,
    "outsider": 404,
}

PAGES = {
    "clinic:team": (lambda c: reverse("clinic:team"), TEAM_PAGE),
    "clinic:development": (
        lambda c: reverse("clinic:development", args=[c.clinician.pk]),
        CLINICIAN_DEVELOPMENT_PAGE,
    ),
}
