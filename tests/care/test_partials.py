"""The partials the clinic's pages include: what they show, and a query count that does not grow
with the number of goals, ratings, tasks, ruptures or sessions."""

from types import SimpleNamespace

from django.db import connection
from django.template.loader import render_to_string
from django.test import Client as Browser
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance.accounts.models import User
from alliance.care.models import CareRole, Episode, Goal, Rupture, Session, Task
from alliance.care.services import (
    goal_add,
    goal_ratings_record,
    reflection_save,
    rupture_record,
    task_agree,
    task_review,
)
from tests.factories import PASSWORD, make_episode, make_session


def _render(template: str, user: User, **context: object) -> str:
    request = RequestFactory().get("/sessions/1/")
    request.user = user
    return render_to_string(f"care/{template}", {"user": user, **context}, request=request)


def _episode_with_work(clinic: SimpleNamespace, sessions: int, goals: int) -> Episode:
    """An episode with `goals` goals rated every session, a task and a rupture each session."""
    episode = make_episode(clinic.team_a, clinic.clinician)
    made = [
        goal_add(episode=episode, text=f"Goal {n}", agreed=True, by=clinic.clinician)
        for n in range(goals)
    ]
    for number in range(1, sessions + 1):
        session = make_session(episode, number)
        goal_ratings_record(
            session=session, ratings={g.pk: number % 11 for g in made}, by=clinic.clinician
        )
        task = task_agree(session=session, what="Walk", client_agreed=True, by=clinic.clinician)
        if number % 2:
            task_review(task=task, session=session, outcome="partly", by=clinic.clinician)
        rupture_record(
            session=session,
            markers=["denial", "defends_self"],
            noticed_by="client",
            strategies=["invite_feedback", "disclose_experience"],
            resolution="resolved",
            by=clinic.clinician,
        )
        reflection_save(session=session, author=clinic.clinician, experiences=["boredom"], text="")
    return episode


def _queries(template: str, user: User, **context: object) -> int:
    with CaptureQueriesContext(connection) as captured:
        _render(template, user, **context)
    return len(captured)


def test_the_episode_partial_takes_the_same_queries_for_a_short_and_a_long_episode(
    clinic: SimpleNamespace,
) -> None:
    short = _episode_with_work(clinic, sessions=1, goals=1)
    long = _episode_with_work(clinic, sessions=12, goals=3)
    counts = [
        _queries(
            "episode_work.html",
            clinic.clinician,
            episode=Episode.objects.select_related("client").get(pk=e.pk),
        )
        for e in (short, long)
    ]
    assert counts[0] == counts[1]


def test_the_session_partial_takes_the_same_queries_for_a_short_and_a_long_episode(
    clinic: SimpleNamespace,
) -> None:
    short = _episode_with_work(clinic, sessions=1, goals=1)
    long = _episode_with_work(clinic, sessions=12, goals=3)
    counts = [
        _queries("session_work.html", clinic.supervisor, session=_last_session(e))
        for e in (short, long)
    ]
    assert counts[0] == counts[1]


def _last_session(episode: Episode) -> Session:
    return Session.objects.select_related("episode__client").filter(episode=episode).last()  # type: ignore[return-value]


def test_the_episode_partial_shows_goals_change_adherence_and_ruptures(
    clinic: SimpleNamespace,
) -> None:
    episode = _episode_with_work(clinic, sessions=4, goals=1)
    body = _render("episode_work.html", clinic.clinician, episode=episode)
    assert "Goal 0" in body and "From 1 (session 1) to 4 out of 10 (session 4)" in body
    assert "reliably closer to the goal" in body
    assert "Of 2 reviewed tasks:" in body and "2 partly (100%)" in body
    assert "4 ruptures recorded:" in body and "0 withdrawal, 0 confrontation, 4 both." in body


def test_the_session_partial_offers_every_form_of_the_alliance_work(
    clinic: SimpleNamespace,
) -> None:
    goal_add(episode=clinic.episode, text="Sleep better", agreed=True, by=clinic.clinician)
    body = _render("session_work.html", clinic.clinician, session=clinic.session)
    for action in ("goal-ratings/", "goals/new/", "tasks/new/", "ruptures/new/", "reflection/"):
        assert action in body
    assert "<legend>Withdrawal markers</legend>" in body
    assert "<legend>Expressive repair (metacommunication)</legend>" in body
    assert 'name="next" value="/sessions/1/"' in body


def test_the_session_partial_hides_a_reflection_from_a_colleague_on_the_care_team(
    clinic: SimpleNamespace,
) -> None:
    clinic.episode.care_team.create(member=clinic.colleague, role=CareRole.TEAM_MEMBER)
    reflection_save(
        session=clinic.session, author=clinic.clinician, experiences=[], text="Felt stuck today"
    )
    assert "Felt stuck today" in _render(
        "session_work.html", clinic.clinician, session=clinic.session
    )
    assert "Felt stuck today" not in _render(
        "session_work.html", clinic.colleague, session=clinic.session
    )
    supervised = _render("session_work.html", clinic.supervisor, session=clinic.session)
    assert "Reflections you supervise" in supervised and "Felt stuck today" in supervised


def test_the_session_partial_shows_nothing_of_an_episode_the_user_may_not_see(
    clinic: SimpleNamespace,
) -> None:
    goal_add(episode=clinic.episode, text="Secret goal", agreed=True, by=clinic.clinician)
    body = _render("session_work.html", clinic.other_supervisor, session=clinic.session)
    assert "Secret goal" not in body


def test_each_alliance_work_page_takes_the_same_queries_for_a_short_and_a_long_episode(
    clinic: SimpleNamespace,
) -> None:
    browser = Browser()
    browser.login(username="clinician", password=PASSWORD)
    counts = [
        {name: _page_queries(browser, path) for name, path in _pages(episode).items()}
        for episode in (
            _episode_with_work(clinic, sessions=1, goals=1),
            _episode_with_work(clinic, sessions=12, goals=3),
        )
    ]
    assert counts[0] == counts[1]


def _pages(episode: Episode) -> dict[str, str]:
    session = _last_session(episode)
    goal = Goal.objects.filter(episode=episode).first()
    task = Task.objects.filter(episode=episode).last()
    rupture = Rupture.objects.filter(session__episode=episode).last()
    assert goal and task and rupture
    return {
        "goal_add": reverse("care:goal_add", args=[episode.pk]),
        "goal_edit": reverse("care:goal_edit", args=[goal.pk]),
        "goal_ratings": reverse("care:goal_ratings", args=[session.pk]),
        "task_add": reverse("care:task_add", args=[session.pk]),
        "task_review": reverse("care:task_review", args=[session.pk, task.pk]),
        "rupture_add": reverse("care:rupture_add", args=[session.pk]),
        "rupture_edit": reverse("care:rupture_edit", args=[rupture.pk]),
        "reflection": reverse("care:reflection", args=[session.pk]),
    }


def _page_queries(browser: Browser, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(path).status_code == 200
    return len(captured)
