"""Tasks agreed with the client and what came of them (adherence)."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from alliance.care.models import GoalStatus, Task
from alliance.care.selectors import episode_work, new_task_sessions, session_work
from alliance.care.services import goal_add, goal_update, task_agree, task_review
from tests.factories import make_episode, make_session


def _task(clinic: SimpleNamespace, session=None, **extra) -> Task:  # type: ignore[no-untyped-def]
    return task_agree(
        session=session or clinic.session,
        what="Write down three worries before bed",
        client_agreed=True,
        by=clinic.clinician,
        **extra,
    )


def test_a_task_records_what_the_goal_it_serves_why_and_the_clients_agreement(
    clinic: SimpleNamespace,
) -> None:
    goal = goal_add(episode=clinic.episode, text="Sleep better", agreed=True, by=clinic.clinician)
    task = _task(clinic, goal=goal, rationale="  Worries written down wait till morning ")
    assert (task.episode, task.agreed_in, task.goal) == (clinic.episode, clinic.session, goal)
    assert task.rationale == "Worries written down wait till morning"
    assert task.client_agreed and task.outcome == "not_reviewed" and task.reviewed_in is None


def test_it_refuses_a_task_for_another_clients_goal(clinic: SimpleNamespace) -> None:
    other = make_episode(clinic.team_a, clinic.clinician)
    goal = goal_add(episode=other, text="x", agreed=True, by=clinic.clinician)
    with pytest.raises(ValidationError) as refused:
        _task(clinic, goal=goal)
    assert "goal" in refused.value.message_dict


def test_it_refuses_a_task_for_a_goal_no_longer_active(clinic: SimpleNamespace) -> None:
    goal = goal_add(episode=clinic.episode, text="x", agreed=True, by=clinic.clinician)
    goal_update(goal=goal, status=GoalStatus.DROPPED, by=clinic.clinician)
    with pytest.raises(ValidationError, match="active goals"):
        _task(clinic, goal=goal)


def test_it_refuses_a_task_without_words(clinic: SimpleNamespace) -> None:
    with pytest.raises(ValidationError) as refused:
        task_agree(session=clinic.session, what=" ", client_agreed=True, by=clinic.clinician)
    assert "what" in refused.value.message_dict


def test_a_task_is_reviewed_at_a_later_session(clinic: SimpleNamespace) -> None:
    task = _task(clinic)
    later = make_session(clinic.episode, 2)
    reviewed = task_review(task=task, session=later, outcome="partly", by=clinic.clinician)
    assert (reviewed.outcome, reviewed.reviewed_in, reviewed.history) == ("partly", later, [])


def test_a_review_before_the_task_was_agreed_is_refused(clinic: SimpleNamespace) -> None:
    task = _task(clinic, session=make_session(clinic.episode, 2))
    with pytest.raises(ValidationError, match="Review a task in session 2"):
        task_review(task=task, session=clinic.session, outcome="done", by=clinic.clinician)


def test_it_refuses_an_outcome_off_the_list_naming_the_allowed_ones(
    clinic: SimpleNamespace,
) -> None:
    with pytest.raises(ValidationError) as refused:
        task_review(
            task=_task(clinic), session=clinic.session, outcome="maybe", by=clinic.clinician
        )
    assert "choose one of done, partly, not_done" in str(refused.value.message_dict["outcome"])


def test_reviewing_again_keeps_the_earlier_review(clinic: SimpleNamespace) -> None:
    task = _task(clinic)
    later = make_session(clinic.episode, 2)
    task_review(task=task, session=later, outcome="not_done", by=clinic.clinician, note="forgot")
    task = task_review(task=task, session=later, outcome="partly", by=clinic.colleague)
    assert task.outcome == "partly"
    (earlier,) = task.history
    assert (earlier["outcome"], earlier["review_note"], earlier["replaced_by"]) == (
        "not_done",
        "forgot",
        clinic.colleague.pk,
    )


def test_the_database_refuses_a_reviewed_task_without_its_session(
    clinic: SimpleNamespace,
) -> None:
    task = _task(clinic)
    task.outcome = "done"
    with pytest.raises(IntegrityError), transaction.atomic():
        task.save()


def test_adherence_shows_the_share_done_partly_and_not_done(clinic: SimpleNamespace) -> None:
    later = make_session(clinic.episode, 2)
    for outcome in ("done", "done", "partly", "not_done"):
        task_review(task=_task(clinic), session=later, outcome=outcome, by=clinic.clinician)
    _task(clinic)  # not reviewed yet: left out of the shares
    adherence = episode_work(clinic.clinician, clinic.episode).adherence
    assert adherence.reviewed == 4
    assert adherence.shares == {"done": 0.5, "partly": 0.25, "not_done": 0.25}


def test_new_task_sessions_names_the_sessions_with_a_new_task_per_episode(
    clinic: SimpleNamespace,
) -> None:
    third = make_session(clinic.episode, 3)
    _task(clinic), _task(clinic, session=third), _task(clinic, session=third)
    quiet = make_episode(clinic.team_a, clinic.clinician)
    found = new_task_sessions([clinic.episode.pk, quiet.pk])
    assert found == {clinic.episode.pk: {1, 3}}


def test_the_session_page_lists_open_tasks_to_review_and_the_ones_agreed_there(
    clinic: SimpleNamespace,
) -> None:
    old = _task(clinic)
    done = _task(clinic)
    second = make_session(clinic.episode, 2)
    task_review(task=done, session=clinic.session, outcome="done", by=clinic.clinician)
    new = _task(clinic, session=second)
    work = session_work(clinic.clinician, second)
    assert work.tasks_agreed == (new,)
    assert work.tasks_to_review == (old, new)
