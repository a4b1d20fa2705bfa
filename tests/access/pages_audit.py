"""The audit log: administrators only; everyone else gets 404, as for a page that does not
exist. Searching and the CSV's contents are tested in tests/audit/test_search.py."""

from django.urls import reverse

from tests.access.roles import ROLES

ADMINISTRATORS_ONLY = dict.fromkeys(ROLES, 404) | {"anonymous": 302, "administrator": 200}

PAGES = {
    "audit:events": (lambda c: reverse("audit:events"), ADMINISTRATORS_ONLY),
    "audit:export": (lambda c: reverse("audit:export"), ADMINISTRATORS_ONLY),
}
