"""Goals in the client's own words, with history, and their 0-10 ratings (goal-based outcomes).

Change per goal uses the GBO file's reliable-change value, 2.45 points (Edbrooke-Childs et al.
2015, unverified; docs/science/change.md).
"""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from alliance.care.models import Goal, GoalRating, GoalStatus
from alliance.care.selectors import episode_work
from alliance.care.services import (
    goal_add,
    goal_rating_value,
    goal_ratings_record,
    goal_replace,
    goal_update,
)
from tests.factories import make_clinic, make_episode, make_session


def _goal(clinic: SimpleNamespace, text: str = "Sleep through the night") -> Goal:
    return goal_add(episode=clinic.episode, text=text, agreed=True, by=clinic.clinician)


def test_a_goal_is_stored_in_the_clients_words_with_its_first_version(
    clinic: SimpleNamespace,
) -> None:
    goal = goal_add(
        episode=clinic.episode,
        text="  to stop feeling like a ghost at work  ",
        agreed=False,
        by=clinic.clinician,
        session=clinic.session,
    )
    assert goal.text == "to stop feeling like a ghost at work"
    assert (goal.status, goal.version, goal.set_in) == ("active", 1, clinic.session)
    assert [(v.version, v.text, v.status) for v in goal.versions.all()] == [
        (1, goal.text, "active")
    ]


def test_it_refuses_a_fourth_active_goal(clinic: SimpleNamespace) -> None:
    for n in range(3):
        _goal(clinic, f"Goal {n}")
    with pytest.raises(ValidationError, match="already has 3 active goals"):
        _goal(clinic, "One too many")
    assert Goal.objects.count() == 3


def test_a_new_goal_fits_once_another_is_achieved(clinic: SimpleNamespace) -> None:
    goals = [_goal(clinic, f"Goal {n}") for n in range(3)]
    goal_update(goal=goals[0], status=GoalStatus.ACHIEVED, by=clinic.clinician)
    assert _goal(clinic, "A fourth, now that one is reached").is_active


def test_it_refuses_to_reopen_a_goal_when_three_are_active(clinic: SimpleNamespace) -> None:
    dropped = _goal(clinic, "Old goal")
    goal_update(goal=dropped, status=GoalStatus.DROPPED, by=clinic.clinician)
    for n in range(3):
        _goal(clinic, f"Goal {n}")
    with pytest.raises(ValidationError, match="Mark one achieved, changed or dropped first"):
        goal_update(goal=dropped, status=GoalStatus.ACTIVE, by=clinic.clinician)


def test_it_refuses_an_empty_goal(clinic: SimpleNamespace) -> None:
    with pytest.raises(ValidationError) as refused:
        _goal(clinic, "   ")
    assert "text" in refused.value.message_dict


def test_a_goal_from_another_episodes_session_is_refused(clinic: SimpleNamespace) -> None:
    other = make_session(make_episode(clinic.team_a, clinic.clinician), 1)
    with pytest.raises(ValidationError) as refused:
        goal_add(episode=clinic.episode, text="x", agreed=True, by=clinic.clinician, session=other)
    assert "session" in refused.value.message_dict


def test_every_change_of_wording_or_status_is_kept(clinic: SimpleNamespace) -> None:
    goal = _goal(clinic, "Sleep better")
    goal_update(goal=goal, text="Sleep six hours", by=clinic.colleague, note="client's words")
    goal_update(goal=goal, status=GoalStatus.ACHIEVED, by=clinic.clinician)
    history = [(v.version, v.text, v.status, v.recorded_by) for v in goal.versions.all()]
    assert history == [
        (1, "Sleep better", "active", clinic.clinician),
        (2, "Sleep six hours", "active", clinic.colleague),
        (3, "Sleep six hours", "achieved", clinic.clinician),
    ]


def test_saving_without_a_change_writes_no_version(clinic: SimpleNamespace) -> None:
    goal = _goal(clinic, "Sleep better")
    goal_update(goal=goal, text="Sleep better ", agreed=True, by=clinic.clinician)
    assert goal.versions.count() == 1


def test_a_changed_goal_is_replaced_by_the_new_one_and_both_keep_their_history(
    clinic: SimpleNamespace,
) -> None:
    old = _goal(clinic, "Get a job")
    new = goal_replace(goal=old, text="Feel calmer at interviews", agreed=True, by=clinic.clinician)
    old.refresh_from_db()
    assert old.status == "changed" and new.replaces == old and new.is_active
    assert [v.status for v in old.versions.all()] == ["active", "changed"]
    with pytest.raises(ValidationError, match="edit the new goal instead"):
        goal_update(goal=old, status=GoalStatus.ACTIVE, by=clinic.clinician)


def test_only_an_active_goal_can_change_into_another(clinic: SimpleNamespace) -> None:
    goal = _goal(clinic)
    goal_update(goal=goal, status=GoalStatus.DROPPED, by=clinic.clinician)
    with pytest.raises(ValidationError, match="Only an active goal"):
        goal_replace(goal=goal, text="Something else", agreed=True, by=clinic.clinician)


def test_the_status_changed_goes_through_replacement_only(clinic: SimpleNamespace) -> None:
    with pytest.raises(ValidationError) as refused:
        goal_update(goal=_goal(clinic), status=GoalStatus.CHANGED, by=clinic.clinician)
    assert "choose one of active, achieved, dropped" in str(refused.value)


def test_ratings_are_stored_per_goal_and_session(clinic: SimpleNamespace) -> None:
    first, second = _goal(clinic, "A"), _goal(clinic, "B")
    goal_ratings_record(
        session=clinic.session, ratings={first.pk: 3, second.pk: "7"}, by=clinic.clinician
    )
    stored = dict(GoalRating.objects.values_list("goal_id", "rating"))
    assert stored == {first.pk: 3, second.pk: 7}


def test_rating_again_in_the_same_session_corrects_and_keeps_the_earlier_value(
    clinic: SimpleNamespace,
) -> None:
    goal = _goal(clinic)
    goal_ratings_record(session=clinic.session, ratings={goal.pk: 3}, by=clinic.clinician)
    goal_ratings_record(session=clinic.session, ratings={goal.pk: 4}, by=clinic.colleague)
    rating = GoalRating.objects.get()
    assert rating.rating == 4 and rating.recorded_by == clinic.colleague
    assert [(e["rating"], e["replaced_by"]) for e in rating.earlier] == [(3, clinic.colleague.pk)]


@pytest.mark.parametrize("value", [11, -1, 7.5, "seven", "", None, True])
def test_it_refuses_a_rating_off_the_0_to_10_whole_number_scale(
    clinic: SimpleNamespace, value: object
) -> None:
    goal = _goal(clinic)
    with pytest.raises(ValidationError) as refused:
        goal_ratings_record(session=clinic.session, ratings={goal.pk: value}, by=clinic.clinician)
    assert "Give a whole number from 0 to 10" in str(refused.value.message_dict[f"goal_{goal.pk}"])
    assert not GoalRating.objects.exists()


def test_it_refuses_to_rate_another_clients_goal(clinic: SimpleNamespace) -> None:
    other = goal_add(
        episode=make_episode(clinic.team_a, clinic.clinician), text="x", agreed=True,
        by=clinic.clinician,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="Rate only this client's goals"):
        goal_ratings_record(session=clinic.session, ratings={other.pk: 5}, by=clinic.clinician)


def test_the_database_refuses_a_rating_above_ten(clinic: SimpleNamespace) -> None:
    goal = _goal(clinic)
    with pytest.raises(IntegrityError), transaction.atomic():
        GoalRating.objects.create(
            goal=goal, session=clinic.session, rating=11, recorded_by=clinic.clinician
        )


def test_the_database_refuses_a_second_rating_of_a_goal_in_one_session(
    clinic: SimpleNamespace,
) -> None:
    goal = _goal(clinic)
    GoalRating.objects.create(
        goal=goal, session=clinic.session, rating=1, recorded_by=clinic.clinician
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        GoalRating.objects.create(
            goal=goal, session=clinic.session, rating=2, recorded_by=clinic.clinician
        )


def test_the_database_refuses_a_blank_goal(clinic: SimpleNamespace) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Goal.objects.create(episode=clinic.episode, text="", created_by=clinic.clinician)


@pytest.mark.parametrize(
    ("first", "latest", "change"),
    [
        (2, 5, "reliably_improved"),  # +3 >= 2.45
        (4, 6, "no_reliable_change"),  # +2 < 2.45
        (7, 4, "reliably_deteriorated"),
    ],
)
def test_the_client_page_shows_change_from_the_first_to_the_latest_rating(
    clinic: SimpleNamespace, first: int, latest: int, change: str
) -> None:
    goal = _goal(clinic)
    later = make_session(clinic.episode, 2)
    goal_ratings_record(session=clinic.session, ratings={goal.pk: first}, by=clinic.clinician)
    goal_ratings_record(session=later, ratings={goal.pk: latest}, by=clinic.clinician)
    (progress,) = episode_work(clinic.clinician, clinic.episode).active_goals
    assert (progress.first.rating, progress.latest.rating) == (first, latest)
    assert progress.change is not None and progress.change.value == change


def test_a_goal_rated_once_has_no_change_yet(clinic: SimpleNamespace) -> None:
    goal = _goal(clinic)
    goal_ratings_record(session=clinic.session, ratings={goal.pk: 4}, by=clinic.clinician)
    (progress,) = episode_work(clinic.clinician, clinic.episode).active_goals
    assert progress.change is None and progress.latest.rating == 4


@given(st.integers(min_value=-50, max_value=50))
def test_a_rating_is_accepted_exactly_when_it_is_a_whole_number_from_0_to_10(value: int) -> None:
    if 0 <= value <= 10:
        assert goal_rating_value(value) == value == goal_rating_value(str(value))
    else:
        with pytest.raises(ValidationError):
            goal_rating_value(value)


class TestTheThreeGoalRule(TestCase):  # type: ignore[misc]
    """Whatever the order of adding, achieving and reopening, never more than three active."""

    @settings(max_examples=25, deadline=None)
    @given(st.lists(st.sampled_from(["add", "achieve", "reopen"]), max_size=10))
    def test_never_more_than_three_goals_are_active(self, steps: list[str]) -> None:
        cast = SimpleNamespace(**make_clinic())
        for step in steps:
            goals = list(Goal.objects.filter(episode=cast.episode).order_by("pk"))
            try:
                if step == "add":
                    goal_add(episode=cast.episode, text="g", agreed=True, by=cast.clinician)
                elif goals:
                    status = GoalStatus.ACHIEVED if step == "achieve" else GoalStatus.ACTIVE
                    target = goals[0] if step == "achieve" else goals[-1]
                    goal_update(goal=target, status=status, by=cast.clinician)
            except ValidationError:
                pass
            assert Goal.objects.filter(episode=cast.episode, status="active").count() <= 3


def test_a_change_from_an_older_version_is_refused_and_writes_nothing(
    clinic: SimpleNamespace,
) -> None:
    goal = _goal(clinic)
    goal_update(goal=goal, text="Sleep six hours", by=clinic.colleague)
    with pytest.raises(ValidationError, match="Someone else saved this goal"):
        goal_update(goal=goal, agreed=False, by=clinic.clinician, expected_version=1)
    with pytest.raises(ValidationError, match="Someone else saved this goal"):
        goal_replace(goal=goal, text="Nap", agreed=True, by=clinic.clinician, expected_version=1)
    goal.refresh_from_db()
    assert (goal.version, goal.agreed, goal.status) == (2, True, GoalStatus.ACTIVE)
    assert goal.versions.count() == 2
