from types import SimpleNamespace

import pytest
from django.test import Client as Browser

from alliance.audit.models import Action, AuditEvent
from tests.factories import PASSWORD


@pytest.fixture
def browser_as(clinic: SimpleNamespace):  # type: ignore[no-untyped-def]
    """A logged-in test browser for one of the standing cast."""

    def log_in(role: str) -> Browser:
        browser = Browser()
        assert browser.login(username=getattr(clinic, role).username, password=PASSWORD)
        return browser

    return log_in


def request_events() -> list[AuditEvent]:
    """Events from requests, leaving out the log-ins the tests make."""
    auth = [Action.LOG_IN, Action.LOG_OUT, Action.LOG_IN_FAILED]
    return list(AuditEvent.objects.exclude(action__in=auth).order_by("pk"))
