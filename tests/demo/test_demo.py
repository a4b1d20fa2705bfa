"""The demo clinic: what `make demo` loads is realistic, complete and logs in as documented.

Loading takes seconds, so the clinic is loaded once for the module (committed, removed again
afterwards) and each test reads it inside its own transaction; each test checks several things.
"""

import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client as Browser

from alliance.accounts.models import Role, Team, User
from alliance.care.models import (
    Client,
    Episode,
    Goal,
    MeasurePlanItem,
    PlanDefault,
    Rupture,
    Session,
    Task,
)
from alliance.care.plans import due_for_session, missed_measures
from alliance.demo.clinic import DEMO_PASSWORD, DemoSummary, _remove_earlier_demo, load_demo
from alliance.feedback.models import Alert
from alliance.measures.models import Response
from alliance.portal.models import Invitation

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[DemoSummary]:
    """What `make demo` loads, written once for the module; removed again afterwards so other
    tests never see it. A test's own changes roll back with its transaction."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        yield load_demo(seed=7, today=TODAY)
        with transaction.atomic():
            _remove_earlier_demo()


def test_the_demo_clinic_has_the_documented_shape_users_and_roles(demo: DemoSummary) -> None:
    assert Team.objects.count() == 2
    assert 100 <= Client.objects.count() <= 140
    statuses = set(Session.objects.values_list("status", flat=True))
    assert statuses == {"attended", "cancelled", "no_show", "scheduled"}
    numbers = Session.objects.values_list("number", flat=True)
    assert min(numbers) == 1 and max(numbers) <= 33
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


def test_the_printed_demo_token_reads_the_therapists_clients_through_the_api(
    demo: DemoSummary,
) -> None:
    response = Browser().get("/api/v1/clients", HTTP_AUTHORIZATION=f"Bearer {demo.api_token}")
    assert response.status_code == 200
    assert response.json()["count"] >= 3


def test_loading_the_demo_again_replaces_it(demo: DemoSummary) -> None:
    clients = Client.objects.count()
    load_demo(seed=7, today=TODAY)
    assert Client.objects.count() == clients
    assert User.objects.filter(username="therapist").count() == 1


def test_the_demo_has_a_week_to_show(demo: DemoSummary) -> None:
    """Issue 11, point 8: next week's bookings, plans that differ by team (Adults North gives the
    PHQ-9 and GAD-7 at intake, every 4th session and at the end), links outstanding and one
    voided response."""
    booked = Session.objects.filter(status="scheduled")
    assert booked.exists()
    week = TODAY + dt.timedelta(days=10)
    assert all(TODAY < s.starts_at.date() <= week + dt.timedelta(weeks=2) for s in booked)
    assert booked.exclude(series=None).exists() and booked.filter(mode="video").exists()
    adults = Team.objects.get(name="Adults North")
    assert set(
        PlanDefault.objects.filter(team=adults, interval=4).values_list("instrument", flat=True)
    ) == {"phq9", "gad7"}
    assert not PlanDefault.objects.exclude(team=adults).exists()
    planned = MeasurePlanItem.objects.filter(episode__team=adults, instrument="phq9")
    episode = planned.first().episode
    given = set(
        Response.objects.filter(session__episode=episode, instrument="phq9").values_list(
            "session__number", flat=True
        )
    )
    assert given and all(n == 1 or n % 4 == 0 or n == max(given) for n in given)
    attended = episode.sessions.filter(status="attended").order_by("number")
    assert all(due_for_session(s) == s.due and s.due for s in attended)
    assert all(missed_measures(s) == [] for s in attended)
    assert Invitation.objects.filter(session__status="scheduled", used_at=None).count() >= 3
    [voided] = Response.everything.exclude(voided_at=None)
    assert voided.void_reason and voided.voided_by
    assert Response.objects.filter(session=voided.session, method="paper").exists()
