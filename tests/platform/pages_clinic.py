from django.urls import reverse

from tests.platform.roles import ADMIN_PAGE, CARE_TEAM_PAGE, ROLES, STAFF_PAGE

PAGES = {
    "clinic:home": (lambda c: reverse("clinic:home"), dict.fromkeys(ROLES, 302)),
    "clinic:caseload": (lambda c: reverse("clinic:caseload"), STAFF_PAGE),
    "clinic:episode": (lambda c: reverse("clinic:episode", args=[c.episode.pk]), CARE_TEAM_PAGE),
    "clinic:session": (lambda c: reverse("clinic:session", args=[c.session.pk]), CARE_TEAM_PAGE),
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
