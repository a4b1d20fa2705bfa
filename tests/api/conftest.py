"""The standing cast with an API token each, and one record of every kind on the clinician's
episode, so each route can be tried as each role."""

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client as Browser

from alliance.api.models import Scope
from alliance.api.services import token_create
from alliance.care.models import Goal, Rupture, Task
from alliance.feedback.models import Alert
from alliance.measures.services import response_record
from tests.access.roles import ROLES

STAFF_ROLES = [role for role in ROLES if role != "anonymous"]
# Who sees the clinician's client: the clinician (care team) and the team's supervisor.
SEES = {"clinician", "supervisor"}
# Who records its sessions (the client's answers, attendance, ratings): the care team only. The
# supervisor reads them, as on the pages.
RECORDS = {"clinician"}


def expected_record_status(role: str) -> int:
    """The answer to recording a response on the clinician's session, as ``role``."""
    if role == "anonymous":
        return 401
    return 201 if role in RECORDS else 403 if role in SEES else 404


PHQ9_MILD = {f"phq9_{n}": 1 for n in range(1, 10)} | {"phq9_9": 0}


class Api:
    """A test client that sends a bearer token (none for the anonymous role)."""

    def __init__(self, secret: str | None):
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        self.browser = Browser(headers=headers)

    def get(self, url: str, **params: Any) -> Any:
        return self.browser.get(url, params)

    def post(self, url: str, body: Any, content_type: str = "application/json") -> Any:
        return self.browser.post(url, body, content_type=content_type)


def add_records(cast: SimpleNamespace) -> None:
    cast.response = response_record(session=cast.session, instrument_code="phq9", values=PHQ9_MILD)
    cast.alert = Alert.objects.create(
        episode=cast.episode,
        session=cast.session,
        rule="test_rule",
        severity="low",
        priority=9,
        evidence={"why": "a test"},
        advice_code="test",
        advice="Talk it through.",
    )
    cast.goal = Goal.objects.create(
        episode=cast.episode, text="Sleep better", created_by=cast.clinician
    )
    cast.task = Task.objects.create(
        episode=cast.episode,
        agreed_in=cast.session,
        what="A walk each morning",
        client_agreed=True,
        created_by=cast.clinician,
    )
    cast.rupture = Rupture.objects.create(
        session=cast.session,
        markers=["minimal_response"],
        noticed_by="clinician",
        resolution="resolved",
        recorded_by=cast.clinician,
    )


@pytest.fixture
def cast(clinic: SimpleNamespace) -> SimpleNamespace:
    add_records(clinic)
    clinic.secrets = {
        role: token_create(user=getattr(clinic, role), name="test", scope=Scope.READ_WRITE).secret
        for role in STAFF_ROLES
    }
    return clinic


def api_as(cast: SimpleNamespace, role: str) -> Api:
    return Api(cast.secrets.get(role))
