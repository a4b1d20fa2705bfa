"""Two clinicians on one care team save the same goal at the same moment: both versions are in
the goal's history, numbered without a gap or a duplicate, and neither edit is lost."""

from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse

from alliance.accounts.models import User
from alliance.care.models import CareRole, CareTeamMember, Goal, GoalVersion
from alliance.care.services import goal_add
from tests.ops.concurrency.conftest import ROUNDS, at_once, postgresql_only

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]


def _editor(editor: User, goal: Goal, text: str):  # type: ignore[no-untyped-def]
    browser = Browser()
    browser.force_login(editor)
    url = reverse("care:goal_edit", args=[goal.pk])
    form = {"text": text, "agreed": "on", "status": "active", "note": f"{editor.username} said so"}

    def save() -> int:
        return browser.post(url, form).status_code

    return save


def test_two_edits_at_once_both_stay_in_the_history(clinic: SimpleNamespace) -> None:
    CareTeamMember.objects.create(
        episode=clinic.episode, member=clinic.colleague, role=CareRole.CASE_MANAGER
    )
    goal = goal_add(episode=clinic.episode, text="Sleep better", agreed=True, by=clinic.clinician)
    for n in range(ROUNDS):
        mine, theirs = f"Sleep six hours ({n})", f"Sleep through the night ({n})"
        answers = at_once(
            _editor(clinic.clinician, goal, mine), _editor(clinic.colleague, goal, theirs)
        )
        assert answers == [302, 302], f"round {n}: {answers}"
        texts = set(GoalVersion.objects.filter(goal=goal).values_list("text", flat=True))
        assert {mine, theirs} <= texts, f"round {n}: an edit was lost"
    versions = list(GoalVersion.objects.filter(goal=goal).values_list("version", flat=True))
    assert versions == list(range(1, 2 * ROUNDS + 2))
    goal.refresh_from_db()
    assert goal.version == 2 * ROUNDS + 1
    assert goal.text == GoalVersion.objects.get(goal=goal, version=goal.version).text
