from django.urls import reverse

from tests.access.roles import ADMIN_PAGE, CARE_TEAM_PAGE, ROLES, STAFF_PAGE

# The corrections pages (void, paper, date and attendance): the care team only; the team's
# supervisor reads the session but may not correct it (403); everyone else is told it does not
# exist (404).
CORRECTING_PAGE = CARE_TEAM_PAGE | {"supervisor": 403}


def client_response(cast):  # type: ignore[no-untyped-def]
    """A client's ORS in the cast's session (made once)."""
    from alliance.measures.models import Response
    from alliance.measures.services import response_record

    found = Response.objects.filter(session=cast.session, instrument="ors").first()
    return found or response_record(
        session=cast.session,
        instrument_code="ors",
        values={"ors_1": 4.5, "ors_2": 6, "ors_3": 5.2, "ors_4": 3.3},
    )


PAGES = {
    "clinic:home": (lambda c: reverse("clinic:home"), dict.fromkeys(ROLES, 302)),
    "clinic:caseload": (lambda c: reverse("clinic:caseload"), STAFF_PAGE),
    "clinic:episode": (lambda c: reverse("clinic:episode", args=[c.episode.pk]), CARE_TEAM_PAGE),
    "clinic:session": (lambda c: reverse("clinic:session", args=[c.session.pk]), CARE_TEAM_PAGE),
    "clinic:response_void": (
        lambda c: reverse("clinic:response_void", args=[c.session.pk, client_response(c).pk]),
        CORRECTING_PAGE,
    ),
    "clinic:session_paper": (
        lambda c: reverse("clinic:session_paper", args=[c.session.pk]),
        CORRECTING_PAGE,
    ),
    "clinic:session_correct": (
        lambda c: reverse("clinic:session_correct", args=[c.session.pk]),
        CORRECTING_PAGE,
    ),
    "login": (lambda c: reverse("login"), dict.fromkeys(ROLES, 200)),
    "admin:index": (lambda c: reverse("admin:index"), ADMIN_PAGE),
    "admin:care_client_changelist": (lambda c: reverse("admin:care_client_changelist"), ADMIN_PAGE),
}

# Writes: POST only, each tried by every role in tests/clinic/ (test_session_start.py,
# test_session_page.py, test_acknowledge.py).
NOT_GET_PAGES = {
    "set_language",
    "clinic:session_start",
    "clinic:session_attendance",
    "clinic:session_rating",
    "feedback:alert_acknowledge",
    "feedback:alert_snooze",
    "feedback:session_alerts_acknowledge",
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
