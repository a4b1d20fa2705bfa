from urllib.parse import urlencode

from django.urls import reverse

from tests.access.roles import ROLES, STAFF_PAGE

RANGE = {"date_from": "2026-01-01", "date_to": "2026-12-31"}


def _report(c, name="reports:home", fmt="", **scope):  # type: ignore[no-untyped-def]
    base = reverse(name, args=[fmt]) if fmt else reverse(name)
    return f"{base}?{urlencode({'organisation': c.org.name, **RANGE, **scope})}"


# Organisation reports: administrators (every team) and supervisors (their own teams).
ORGANISATION_REPORT = dict.fromkeys(ROLES, 404) | {
    "anonymous": 302,
    "supervisor": 200,
    "other_supervisor": 200,
    "administrator": 200,
}
# The other team has no episode in the standing clinic: the page says nothing happened (200),
# and a download refuses with 400, like the command line's non-zero exit.
ORGANISATION_DOWNLOAD = ORGANISATION_REPORT | {"other_supervisor": 400}
# Team reports: the team's supervisors only.
TEAM_REPORT = dict.fromkeys(ROLES, 404) | {"anonymous": 302, "supervisor": 200}
# Clinician reports: the clinician and the supervisors of their team.
CLINICIAN_REPORT = dict.fromkeys(ROLES, 404) | {
    "anonymous": 302,
    "clinician": 200,
    "supervisor": 200,
}

PAGES = {
    "reports:home": (lambda c: reverse("reports:home"), STAFF_PAGE),
    "reports:home (organisation)": (lambda c: _report(c), ORGANISATION_REPORT),
    "reports:home (team)": (lambda c: _report(c, team=c.team_a.name), TEAM_REPORT),
    "reports:home (clinician)": (
        lambda c: _report(c, clinician=c.clinician.username),
        CLINICIAN_REPORT,
    ),
    "reports:download": (lambda c: _report(c, "reports:download", "csv"), ORGANISATION_DOWNLOAD),
    "reports:download (team pdf)": (
        lambda c: _report(c, "reports:download", "pdf", team=c.team_a.name),
        TEAM_REPORT,
    ),
    "reports:download (clinician json)": (
        lambda c: _report(c, "reports:download", "json", clinician=c.clinician.username),
        CLINICIAN_REPORT,
    ),
}
