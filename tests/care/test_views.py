"""The alliance-work forms over HTTP: who may post, what is stored, where it goes back to, and
what a mistake looks like (a message naming the field and the allowed values, nothing stored)."""

from collections.abc import Callable
from html import unescape
from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse

from alliance.care.models import Goal, GoalRating, Reflection, Rupture, Task
from alliance.care.services import goal_add, task_agree
from tests.access.pages_care import goal_of, rupture_of, task_of
from tests.access.roles import CARE_TEAM_PAGE, ROLES
from tests.factories import PASSWORD, make_episode, make_session


def _browser(role: str = "clinician") -> Browser:
    browser = Browser()
    if role != "anonymous":
        assert browser.login(username=role.replace("_", ""), password=PASSWORD)
    return browser


def _session_page(clinic: SimpleNamespace) -> str:
    return reverse("clinic:session", args=[clinic.session.pk])


RUPTURE = {
    "rupture-withdrawal": ["minimal_response"],
    "rupture-confrontation": ["complaints_about_progress"],
    "rupture-noticed_by": "both",
    "rupture-expressive_repair": ["invite_discussion"],
    "rupture-resolution": "resolved",
    "rupture-note": "She said the sessions felt pointless; we talked about it.",
}

# Each endpoint: (url, form data, how many records of the kind exist afterwards).
Post = tuple[
    Callable[[SimpleNamespace], str],
    Callable[[SimpleNamespace], dict[str, object]],
    Callable[[], int],
]
POSTS: dict[str, Post] = {
    "goal_add": (
        lambda c: reverse("care:goal_add", args=[c.episode.pk]),
        lambda c: {"goal-text": "Feel less alone", "goal-agreed": "on"},
        lambda: Goal.objects.count(),
    ),
    "goal_ratings": (
        lambda c: reverse("care:goal_ratings", args=[c.session.pk]),
        lambda c: {f"ratings-goal_{goal_of(c).pk}": "6"},
        lambda: GoalRating.objects.count(),
    ),
    "task_add": (
        lambda c: reverse("care:task_add", args=[c.session.pk]),
        lambda c: {"task-what": "Call a friend once", "task-client_agreed": "yes"},
        lambda: Task.objects.count(),
    ),
    "task_review": (
        lambda c: reverse("care:task_review", args=[c.session.pk, task_of(c).pk]),
        lambda c: {f"review-{task_of(c).pk}-outcome": "done"},
        lambda: Task.objects.exclude(outcome="not_reviewed").count(),
    ),
    "rupture_add": (
        lambda c: reverse("care:rupture_add", args=[c.session.pk]),
        lambda c: RUPTURE,
        lambda: Rupture.objects.count(),
    ),
    "reflection": (
        lambda c: reverse("care:reflection", args=[c.session.pk]),
        lambda c: {"reflection-experiences": ["warmth"], "reflection-text": ""},
        lambda: Reflection.objects.count(),
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(POSTS))
def test_each_role_may_post_exactly_where_they_may_see(
    clinic: SimpleNamespace, endpoint: str, role: str
) -> None:
    url, data, count = POSTS[endpoint]
    target, payload = url(clinic), data(clinic)
    before = count()
    response = _browser(role).post(target, payload)
    expected = CARE_TEAM_PAGE[role]
    if expected == 200:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert count() == before + 1
    else:
        assert response.status_code == expected
        assert count() == before


def test_a_saved_form_goes_back_to_the_page_it_came_from_with_a_message(
    clinic: SimpleNamespace,
) -> None:
    browser = _browser()
    url = reverse("care:rupture_add", args=[clinic.session.pk])
    back = _session_page(clinic) + "#care-session-ruptures"
    response = browser.post(url, RUPTURE | {"next": back}, follow=False)
    assert response["Location"] == back
    stored = Rupture.objects.get()
    assert stored.markers == ["minimal_response", "complaints_about_progress"]
    assert stored.strategies == ["invite_discussion"] and stored.noticed_by == "both"


def test_a_form_never_sends_the_user_to_another_site(clinic: SimpleNamespace) -> None:
    url = reverse("care:rupture_add", args=[clinic.session.pk])
    response = _browser().post(url, RUPTURE | {"next": "https://example.org/"})
    assert response["Location"] == _session_page(clinic)


def test_a_goal_added_from_the_client_page_goes_back_there(clinic: SimpleNamespace) -> None:
    response = _browser().post(
        reverse("care:goal_add", args=[clinic.episode.pk]), {"goal-text": "Sleep"}
    )
    assert response["Location"] == reverse("clinic:episode", args=[clinic.episode.pk])
    assert Goal.objects.get().agreed is False


def test_a_rupture_without_markers_is_shown_again_with_a_message(
    clinic: SimpleNamespace,
) -> None:
    data = {k: v for k, v in RUPTURE.items() if "withdrawal" not in k and "confrontation" not in k}
    response = _browser().post(reverse("care:rupture_add", args=[clinic.session.pk]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Choose at least one marker" in body and "withdrawal marker" in body
    assert "pointless" in body  # what was typed is still there
    assert not Rupture.objects.exists()


def test_an_unknown_code_gets_a_message_naming_the_allowed_values(
    clinic: SimpleNamespace,
) -> None:
    data = RUPTURE | {"rupture-noticed_by": "the cat"}
    body = (
        _browser()
        .post(reverse("care:rupture_add", args=[clinic.session.pk]), data)
        .content.decode()
    )
    assert "Choose who noticed it from: The client said it, The clinician noticed, Both" in body
    assert not Rupture.objects.exists()


def test_a_rating_above_ten_is_refused_with_the_allowed_range(clinic: SimpleNamespace) -> None:
    goal = goal_of(clinic)
    response = _browser().post(
        reverse("care:goal_ratings", args=[clinic.session.pk]), {f"ratings-goal_{goal.pk}": "12"}
    )
    assert "Give a whole number from 0 (not at all close) to 10" in response.content.decode()
    assert not GoalRating.objects.exists()


def test_rating_no_goal_at_all_asks_for_one(clinic: SimpleNamespace) -> None:
    goal_of(clinic)
    response = _browser().post(reverse("care:goal_ratings", args=[clinic.session.pk]), {})
    assert "Give at least one goal a rating" in response.content.decode()


def test_a_fourth_goal_is_refused_with_the_reason(clinic: SimpleNamespace) -> None:
    for n in range(3):
        goal_add(episode=clinic.episode, text=f"g{n}", agreed=True, by=clinic.clinician)
    response = _browser().post(
        reverse("care:goal_add", args=[clinic.episode.pk]), {"goal-text": "One more"}
    )
    assert "already has 3 active goals" in response.content.decode()
    assert Goal.objects.count() == 3


def test_a_task_needs_the_clients_answer_yes_or_no(clinic: SimpleNamespace) -> None:
    response = _browser().post(
        reverse("care:task_add", args=[clinic.session.pk]), {"task-what": "Walk"}
    )
    assert "Choose yes or no: Yes, No." in response.content.decode()
    assert not Task.objects.exists()


def test_a_task_for_another_clients_goal_is_refused(clinic: SimpleNamespace) -> None:
    other_session = make_session(clinic.episode, 2)
    elsewhere = goal_add(
        episode=make_episode(clinic.team_a, clinic.clinician),
        text="theirs",
        agreed=True,
        by=clinic.clinician,
    )
    response = _browser().post(
        reverse("care:task_add", args=[other_session.pk]),
        {"task-what": "Walk", "task-client_agreed": "no", "task-goal": elsewhere.pk},
    )
    assert "Choose one of this client's active goals, or none." in unescape(
        response.content.decode()
    )
    assert not Task.objects.exists()


def test_a_task_is_reviewed_only_through_a_session_of_its_own_episode(
    clinic: SimpleNamespace,
) -> None:
    other = make_session(make_episode(clinic.team_a, clinic.clinician), 1)
    task = task_of(clinic)
    url = reverse("care:task_review", args=[other.pk, task.pk])
    assert _browser().post(url, {f"review-{task.pk}-outcome": "done"}).status_code == 404


def test_changing_a_goal_into_another_needs_the_new_words(clinic: SimpleNamespace) -> None:
    goal = goal_of(clinic)
    url = reverse("care:goal_edit", args=[goal.pk])
    data = {"text": goal.text, "status": "changed"}
    assert "Write the new goal in the client" in _browser().post(url, data).content.decode()
    _browser().post(url, data | {"new_text": "Sleep without pills", "note": "her idea"})
    goal.refresh_from_db()
    assert goal.status == "changed" and goal.replaced_by.text == "Sleep without pills"


def test_the_goal_page_shows_its_history(clinic: SimpleNamespace) -> None:
    goal = goal_of(clinic)
    goal.versions.create(
        version=1, text="Sleep", agreed=False, status="active", recorded_by=clinic.clinician
    )
    browser = _browser()
    browser.post(
        reverse("care:goal_edit", args=[goal.pk]),
        {"text": "Sleep six hours", "agreed": "on", "status": "active", "note": "her words"},
    )
    body = browser.get(reverse("care:goal_edit", args=[goal.pk])).content.decode()
    assert "Sleep six hours" in body and "“Sleep”" in body and "her words" in body


def test_a_save_over_a_newer_version_is_refused_and_then_allowed(
    clinic: SimpleNamespace,
) -> None:
    goal = goal_of(clinic)
    url = reverse("care:goal_edit", args=[goal.pk])
    opened_at = goal.version
    other = {
        "text": "Sleep six hours",
        "agreed": "on",
        "status": "active",
        "version": opened_at,
    }
    # Another person, or the same clinician in another tab: both start from the same version.
    _browser().post(url, other)
    mine = {"text": goal.text, "status": "active", "note": "not agreed", "version": opened_at}
    page = unescape(_browser().post(url, mine).content.decode())
    assert "Someone else saved this goal while you had it open" in page
    goal.refresh_from_db()
    assert (goal.text, goal.agreed) == ("Sleep six hours", True)
    # The form now carries the version the clinician has seen: saving again is their choice.
    assert f'name="version" value="{goal.version}"' in page
    _browser().post(url, mine | {"version": goal.version})
    goal.refresh_from_db()
    assert (goal.text, goal.agreed) == ("Sleep better", False)
    assert goal.version == opened_at + 2 and goal.versions.count() == 2


def test_a_changed_goal_cannot_be_edited_any_more(clinic: SimpleNamespace) -> None:
    goal = goal_of(clinic)
    goal.status = "changed"
    goal.save()
    response = _browser().post(
        reverse("care:goal_edit", args=[goal.pk]), {"text": "x", "status": "active"}
    )
    assert "edit the new goal instead" in response.content.decode()
    goal.refresh_from_db()
    assert goal.text == "Sleep better"


def test_the_rupture_page_opens_with_the_stored_choices(clinic: SimpleNamespace) -> None:
    rupture = rupture_of(clinic)
    body = _browser().get(reverse("care:rupture_edit", args=[rupture.pk])).content.decode()
    assert 'value="minimal_response"' in body
    assert 'value="minimal_response" id="id_rupture-withdrawal_1" checked' in body


def test_only_get_and_post_are_allowed(clinic: SimpleNamespace) -> None:
    url = reverse("care:reflection", args=[clinic.session.pk])
    assert _browser().put(url).status_code == 405


def test_a_task_agreed_in_the_service_shows_on_its_review_page(clinic: SimpleNamespace) -> None:
    task = task_agree(
        session=clinic.session, what="Breathe", client_agreed=True, by=clinic.clinician
    )
    url = reverse("care:task_review", args=[clinic.session.pk, task.pk])
    body = _browser("supervisor").get(url).content.decode()
    assert "Breathe" in body and "What came of it?" in body
