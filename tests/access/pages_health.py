"""The health check in the role table: open to everyone, the same answer for all."""

from django.urls import reverse

from tests.access.roles import ROLES

PAGES = {
    "healthz": (lambda c: reverse("healthz"), dict.fromkeys(ROLES, 200)),
}
