"""The role table every page is tried against (see test_urls_by_role.py).

Each app adds its pages in its own module under ``tests/access/pages_<app>.py`` as a dict
``PAGES = {url_name: (build_url(cast) -> str, {role: expected status})}``, and names any URL
that is not a plain GET page in ``NOT_GET_PAGES``.

Each page or write is tried as every role in one test with one cast: each role's try runs in
``each_role_alone``, a savepoint rolled back afterwards on a copy of the cast, so every role
meets the same records (building the cast once per role and page was a quarter of the suite's
database time), and the test names every role whose answer was wrong, not just the first.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

from django.db import transaction

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


@contextmanager
def each_role_alone(cast: SimpleNamespace) -> Iterator[SimpleNamespace]:
    """A copy of the cast (helpers that make a record on first use keep it on the copy) for one
    role's try, inside a savepoint that is rolled back: nothing the try wrote is seen by the
    next role."""
    with transaction.atomic():
        yield SimpleNamespace(**vars(cast))
        transaction.set_rollback(True)
