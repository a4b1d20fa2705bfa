"""Every write a page takes, tried as every role (issue 6 §5): the answer each role gets, and that
the record changed only for those allowed. The alliance-work forms have the same table in
tests/care/test_views.py (``POSTS``); the hand-over in tests/portal/test_tablet.py."""

import uuid
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse

from alliance.care.models import (
    CareTeamMember,
    Client,
    Episode,
    Goal,
    MeasurePlanItem,
    PlanDefault,
    Rupture,
    Session,
    SessionStatus,
)
from alliance.feedback.models import Alert
from alliance.measures.models import Response
from alliance.portal.models import Invitation
from alliance.voice.models import AgendaItem
from tests.access.pages_appointments import WRITES as APPOINTMENT_WRITES
from tests.access.pages_care import INTAKE_PAGE, TEAM_PLAN_PAGE, goal_of, rupture_of
from tests.access.pages_clinic import client_response
from tests.access.pages_portal import planned_link
from tests.access.roles import CARE_TEAM_PAGE, ROLES, each_role_alone
from tests.clinic.builders import srs
from tests.factories import PASSWORD

# Only the care team records a session; the team's supervisor reads it (403), everyone else
# is told it does not exist (404); a visitor is sent to log in.
CARE_TEAM_WRITE = {
    "anonymous": 302,
    "clinician": 302,
    "colleague": 404,
    "supervisor": 403,
    "other_supervisor": 404,
    "administrator": 404,
    "outsider": 404,
}
CARE_TEAM_LINK = CARE_TEAM_WRITE | {"supervisor": 404}
# Whoever sees the episode may write (the pages' table, with a redirect for success).
SEES_WRITE = {role: 302 if status == 200 else status for role, status in CARE_TEAM_PAGE.items()}


def _alert(cast: SimpleNamespace) -> Alert:
    alert, _ = Alert.objects.get_or_create(
        episode=cast.episode,
        rule="test_rule",
        defaults={
            "session": cast.session,
            "severity": "low",
            "priority": 9,
            "evidence": {"why": "a test"},
            "advice_code": "test",
            "advice": "Talk it through.",
        },
    )
    return alert


# The measurement plan as the plan form sends it: PHQ-9 at intake and every 4th session.
PLAN_FORM = {
    "plan_phq9_use": "on",
    "plan_phq9_at_intake": "on",
    "plan_phq9_repeat": "sessions",
    "plan_phq9_interval": "4",
    "plan_ors_use": "on",
    "plan_ors_repeat": "sessions",
    "plan_ors_interval": "1",
}


def _primary_of(cast: SimpleNamespace) -> object:
    return CareTeamMember.objects.get(episode=cast.episode, role="primary_therapist").member_id


Write = tuple[
    Callable[[SimpleNamespace], str],
    Callable[[SimpleNamespace], dict[str, object]],
    Callable[[SimpleNamespace], object],
    dict[str, int],
]


def _agenda_item(cast: SimpleNamespace) -> AgendaItem:
    item, _ = AgendaItem.objects.get_or_create(
        session=cast.session, position=1, defaults={"text": "My sister's visit"}
    )
    return item


WRITES: dict[str, Write] = {
    "voice:agenda_item_covered": (
        lambda c: reverse("voice:agenda_item_covered", args=[_agenda_item(c).pk]),
        lambda c: {"covered": "1"},
        lambda c: AgendaItem.objects.get(session=c.session).is_covered,
        {role: 404 for role in ROLES} | {"anonymous": 302, "clinician": 302},
    ),
    "voice:episode_sharing": (
        lambda c: reverse("voice:episode_sharing", args=[c.episode.pk]),
        lambda c: {"share": "1"},
        lambda c: Episode.objects.get(pk=c.episode.pk).share_progress_with_client,
        CARE_TEAM_WRITE,
    ),
    "care:client_add": (
        lambda c: reverse("care:client_add"),
        lambda c: {
            "organisation": c.org.pk,
            "code": "NEW001",
            "display_name": "Robin Hart",
            "birth_year": 1984,
        },
        lambda c: Client.objects.count(),
        {role: 302 if status == 200 else status for role, status in INTAKE_PAGE.items()},
    ),
    "care:episode_open": (
        lambda c: reverse("care:episode_open", args=[c.episode.client_id]),
        lambda c: {
            "team": c.team_a.pk,
            "setting": "family",
            "started_on": "2026-03-02",
            "primary": c.clinician.pk,
            **PLAN_FORM,
        },
        lambda c: Episode.objects.count(),
        SEES_WRITE,
    ),
    "care:care_team": (
        lambda c: reverse("care:care_team", args=[c.episode.pk]),
        lambda c: {"primary": c.clinician.pk, "member_0": c.colleague.pk, "role_0": "team_member"},
        lambda c: CareTeamMember.objects.filter(episode=c.episode).count(),
        SEES_WRITE,
    ),
    "care:episode_transfer": (
        lambda c: reverse("care:episode_transfer", args=[c.episode.pk]),
        lambda c: {"mode": "care_team", "team": c.team_a.pk, "primary": c.colleague.pk},
        _primary_of,
        SEES_WRITE,
    ),
    "care:episode_end": (
        lambda c: reverse("care:episode_end", args=[c.episode.pk]),
        lambda c: {"ending": "planned"},
        lambda c: Episode.objects.get(pk=c.episode.pk).ending,
        SEES_WRITE,
    ),
    "care:episode_plan": (
        lambda c: reverse("care:episode_plan", args=[c.episode.pk]),
        lambda c: PLAN_FORM,
        lambda c: MeasurePlanItem.objects.filter(episode=c.episode).count(),
        SEES_WRITE,
    ),
    "care:team_plan": (
        lambda c: reverse("care:team_plan", args=[c.team_a.pk]),
        lambda c: {"setting": "group", **PLAN_FORM},
        lambda c: PlanDefault.objects.filter(team=c.team_a, setting="group").count(),
        {role: 302 if status == 200 else status for role, status in TEAM_PLAN_PAGE.items()},
    ),
    "clinic:session_start": (
        lambda c: reverse("clinic:session_start", args=[c.episode.pk]),
        lambda c: {"confirm_unbooked": "1"},
        lambda c: Session.objects.filter(episode=c.episode).count(),
        CARE_TEAM_WRITE,
    ),
    "clinic:session_attendance": (
        lambda c: reverse("clinic:session_attendance", args=[c.session.pk]),
        lambda c: {"status": "cancelled", "present": []},
        lambda c: Session.objects.get(pk=c.session.pk).status,
        CARE_TEAM_WRITE,
    ),
    "clinic:session_rating": (
        lambda c: reverse("clinic:session_rating", args=[c.session.pk]),
        lambda c: {**srs(36.0), "idempotency_key": str(uuid.uuid4())},
        lambda c: Response.objects.filter(session=c.session).count(),
        CARE_TEAM_WRITE,
    ),
    "clinic:response_void": (
        lambda c: reverse("clinic:response_void", args=[c.session.pk, client_response(c).pk]),
        lambda c: {"reason": "Entered for the wrong client"},
        lambda c: Response.objects.filter(session=c.session).count(),
        CARE_TEAM_WRITE,
    ),
    "clinic:session_paper": (
        lambda c: reverse("clinic:session_paper", args=[c.session.pk]),
        lambda c: {"measure": "srs", **srs(36.0), "idempotency_key": str(uuid.uuid4())},
        lambda c: Response.objects.filter(session=c.session, method="paper").count(),
        CARE_TEAM_WRITE,
    ),
    "clinic:session_correct": (
        lambda c: reverse("clinic:session_correct", args=[c.session.pk]),
        lambda c: {
            "starts_at": "2026-01-06T11:00",
            "status": "attended",
            "reason": "Typed the wrong day",
        },
        lambda c: Session.objects.get(pk=c.session.pk).starts_at,
        CARE_TEAM_WRITE,
    ),
    "feedback:alert_acknowledge": (
        lambda c: reverse("feedback:alert_acknowledge", args=[_alert(c).pk]),
        lambda c: {"note": "Talked it through together."},
        lambda c: Alert.objects.filter(acknowledged_at__isnull=False).count(),
        # Only the care team closes an alert (issue 13): the team's supervisor reads it (403).
        CARE_TEAM_WRITE,
    ),
    "feedback:alert_snooze": (
        lambda c: reverse("feedback:alert_snooze", args=[_alert(c).pk]),
        lambda c: {"reason": "We agreed to talk about it next time."},
        lambda c: Alert.objects.get(pk=_alert(c).pk).state,
        CARE_TEAM_WRITE,
    ),
    "feedback:session_alerts_acknowledge": (
        lambda c: reverse("feedback:session_alerts_acknowledge", args=[_alert(c).session_id]),
        lambda c: {"note": "Talked them through together."},
        lambda c: Alert.objects.filter(acknowledged_at__isnull=False).count(),
        CARE_TEAM_WRITE,
    ),
    "care:goal_edit": (
        lambda c: reverse("care:goal_edit", args=[goal_of(c).pk]),
        lambda c: {"text": "Sleep six hours", "status": "active", "version": goal_of(c).version},
        lambda c: Goal.objects.get(pk=goal_of(c).pk).text,
        SEES_WRITE,
    ),
    "care:rupture_edit": (
        lambda c: reverse("care:rupture_edit", args=[rupture_of(c).pk]),
        lambda c: {
            "rupture-withdrawal": ["minimal_response"],
            "rupture-noticed_by": "both",
            "rupture-resolution": "resolved",
        },
        lambda c: Rupture.objects.get(pk=rupture_of(c).pk).resolution,
        SEES_WRITE,
    ),
    # Only the care team resends or cancels a client's link; others are told it does not exist.
    "portal:link_cancel": (
        lambda c: reverse("portal:link_cancel", args=[planned_link(c).pk]),
        lambda c: {},
        lambda c: Invitation.objects.get(pk=planned_link(c).pk).cancelled_at,
        CARE_TEAM_LINK,
    ),
    "portal:link_resend": (
        lambda c: reverse("portal:link_resend", args=[planned_link(c).pk]),
        lambda c: {},
        lambda c: Invitation.objects.filter(session=planned_link(c).session).count(),
        CARE_TEAM_LINK,
    ),
}

WRITES |= APPOINTMENT_WRITES


def _browser(cast: SimpleNamespace, role: str) -> Browser:
    browser = Browser()
    if role != "anonymous":
        assert browser.login(username=getattr(cast, role).username, password=PASSWORD)
    return browser


@pytest.mark.parametrize("write", sorted(WRITES))
def test_each_role_gets_the_expected_answer_and_changes_only_what_it_may(
    clinic: SimpleNamespace, write: str
) -> None:
    clinic.session.status = SessionStatus.ATTENDED
    clinic.session.save(update_fields=["status"])
    url, data, state, expected = WRITES[write]
    wrong = []
    for role in ROLES:
        with each_role_alone(clinic) as cast:
            target, payload = url(cast), data(cast)
            before = state(cast)
            answer = _browser(cast, role).post(target, payload)
            if answer.status_code != expected[role]:
                body = answer.content.decode()[:1500]
                wrong.append(f"{role}: {answer.status_code}, not {expected[role]}: {body}")
                continue
            if role == "anonymous" and not answer["Location"].startswith(reverse("login")):
                wrong.append(f"anonymous sent to {answer['Location']}")
            changed = state(cast) != before
            allowed = expected[role] == 302 and role != "anonymous"
            if changed != allowed:
                wrong.append(f"{role}: changed {changed}, may {allowed}: {before} -> {state(cast)}")
    assert wrong == [], write
