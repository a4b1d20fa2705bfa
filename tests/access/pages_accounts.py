"""Two-factor log-in pages. None of the standing cast has an authenticator app, so the code
page sends each of them on (302); the organisation's security page is its administrators'."""

from django.urls import reverse

from tests.access.roles import ROLES, STAFF_PAGE

ADMINISTRATORS_ONLY = {role: 404 for role in ROLES} | {"anonymous": 302, "administrator": 200}

PAGES = {
    "accounts:two_factor": (lambda cast: reverse("accounts:two_factor"), STAFF_PAGE),
    "accounts:two_factor_verify": (
        lambda cast: reverse("accounts:two_factor_verify"),
        {role: 302 for role in ROLES},
    ),
    "accounts:organisation_security": (
        lambda cast: reverse("accounts:organisation_security", args=[cast.org.pk]),
        ADMINISTRATORS_ONLY,
    ),
    # Typing the password again before a privileged change: any member of staff.
    "accounts:reauthenticate": (lambda cast: reverse("accounts:reauthenticate"), STAFF_PAGE),
    # The user's own settings (their language): any member of staff.
    "accounts:settings": (lambda cast: reverse("accounts:settings"), STAFF_PAGE),
}

# POST only, tried in tests/security/test_two_factor.py.
NOT_GET_PAGES = {"accounts:two_factor_remove"}
