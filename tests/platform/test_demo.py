"""The demo clinic: what `make demo` loads is realistic, complete and logs in as documented.

Loading takes seconds, so each test checks several things on one loaded clinic.
"""

import datetime as dt

import pytest
from django.test import Client as Browser

from alliance.accounts.models import Role, Team, User
from alliance.care.models import Client, Episode, Goal, Rupture, Session, Task
from alliance.demo import DEMO_PASSWORD, load_demo
from alliance.feedback.models import Alert
from alliance.measures.models import Response

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)


def test_the_demo_clinic_has_the_documented_shape_users_and_roles() -> None:
    load_demo(seed=7, today=TODAY)
    assert Team.objects.count() == 2
    assert 100 <= Client.objects.count() <= 140
    statuses = set(Session.objects.values_list("status", flat=True))
    assert statuses == {"attended", "cancelled", "no_show"}
    numbers = Session.objects.values_list("number", flat=True)
    assert min(numbers) == 1 and max(numbers) <= 30
    measures = set(Response.objects.values_list("instrument", flat=True))
    assert {"ors", "srs", "phq9", "gad7"} <= measures
    assert Response.objects.filter(rater="clinician").exists()
    assert Episode.objects.filter(ended_on__isnull=True).exists()
    assert Episode.objects.filter(ending="ghosted").exists()
    assert Alert.objects.filter(acknowledged_at__isnull=True).exists()
    assert Goal.objects.exists() and Task.objects.exists() and Rupture.objects.exists()

    for username in ("therapist", "therapist2", "prescriber", "supervisor", "admin"):
        assert Browser().login(username=username, password=DEMO_PASSWORD), username

    def roles(username: str) -> set[str]:
        return set(User.objects.get(username=username).memberships.values_list("role", flat=True))

    assert roles("therapist") == {Role.CLINICIAN}
    assert roles("prescriber") == {Role.PRESCRIBER}
    assert Role.SUPERVISOR in roles("supervisor")
    assert roles("admin") == {Role.ADMINISTRATOR}

    browser = Browser()
    browser.login(username="therapist", password=DEMO_PASSWORD)
    response = browser.get("/caseload/")
    assert response.status_code == 200
    assert len(response.context["episodes"]) >= 3


def test_the_printed_demo_token_reads_the_therapists_clients_through_the_api() -> None:
    summary = load_demo(seed=7, today=TODAY)
    response = Browser().get("/api/v1/clients", HTTP_AUTHORIZATION=f"Bearer {summary.api_token}")
    assert response.status_code == 200
    assert response.json()["count"] >= 3


def test_loading_the_demo_again_replaces_it() -> None:
    load_demo(seed=7, today=TODAY)
    clients = Client.objects.count()
    load_demo(seed=7, today=TODAY)
    assert Client.objects.count() == clients
    assert User.objects.filter(username="therapist").count() == 1
