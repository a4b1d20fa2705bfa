"""Template tags for the alliance-work partials the clinic's pages include.

The clinic's client page includes ``care/episode_work.html`` with ``episode`` and the session page
includes ``care/session_work.html`` with ``session``; these tags load what those partials show,
through ``alliance.care.selectors``, and build their empty forms. Filters turn stored codes into
translated labels.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django import template
from django.db.models import QuerySet
from django.utils.functional import Promise

from alliance.accounts.models import User
from alliance.care import selectors
from alliance.care.forms import (
    EXPERIENCE_LABELS,
    KIND_LABELS,
    MARKER_LABELS,
    PATHWAY_LABELS,
    STRATEGY_LABELS,
    GoalAddForm,
    GoalRatingsForm,
    ReflectionForm,
    RuptureForm,
    TaskForm,
    TaskReviewForm,
)
from alliance.care.models import Episode, Goal, GoalStatus, Session, Task
from alliance.science.ruptures import rupture_kind, strategies_by_pathway

register = template.Library()


@register.simple_tag(takes_context=True)
def episode_work_for(context: template.Context, episode: Episode) -> selectors.EpisodeWork:
    return selectors.episode_work(context["user"], episode)


@dataclass(frozen=True)
class SessionWorkPage:
    """What the session partial shows, with an empty form for each thing it can record."""

    work: selectors.SessionWork
    ratings_form: GoalRatingsForm
    goal_form: GoalAddForm
    task_form: TaskForm
    review_forms: tuple[tuple[Task, TaskReviewForm], ...]
    rupture_form: RuptureForm
    reflection_form: ReflectionForm


@register.simple_tag(takes_context=True)
def session_work_for(context: template.Context, session: Session) -> SessionWorkPage:
    work = selectors.session_work(context["user"], session)
    own = work.own_reflection
    initial = {"experiences": own.experiences, "text": own.text} if own else None
    return SessionWorkPage(
        work=work,
        ratings_form=GoalRatingsForm.for_session(work.goals),
        goal_form=GoalAddForm(sessions=Session.objects.none(), initial={"session": session.pk}),
        task_form=TaskForm(goals=_active_goals(context["user"], session)),
        review_forms=tuple(
            (task, TaskReviewForm(prefix=f"review-{task.pk}", initial=_review_initial(task)))
            for task in work.tasks_to_review
        ),
        rupture_form=RuptureForm(),
        reflection_form=ReflectionForm(initial=initial),
    )


def _active_goals(user: User, session: Session) -> QuerySet[Goal]:
    goals = selectors.visible_goals(user)
    return goals.filter(episode_id=session.episode_id, status=GoalStatus.ACTIVE)


def _review_initial(task: Task) -> dict[str, str] | None:
    if task.outcome == "not_reviewed":
        return None
    return {"outcome": task.outcome, "note": task.review_note}


def _label(labels: Mapping[str, Promise | str], code: str) -> Promise | str:
    return labels.get(code, code)


@register.filter
def marker_label(code: str) -> Promise | str:
    return _label(MARKER_LABELS, code)


@register.filter
def strategy_label(code: str) -> Promise | str:
    return _label(STRATEGY_LABELS, code)


@register.filter
def experience_label(code: str) -> Promise | str:
    return _label(EXPERIENCE_LABELS, code)


@register.filter
def kind_label(code: str) -> Promise | str:
    return _label(KIND_LABELS, code)


@register.filter
def pathway_label(code: str) -> Promise | str:
    return _label(PATHWAY_LABELS, code)


@register.filter
def rupture_kind_of(markers: list[str]) -> str:
    return rupture_kind(markers)


@register.filter
def strategies_grouped(codes: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    """(pathway, strategy codes) pairs for the pathways used, in pathway order."""
    return [(p, used) for p, used in strategies_by_pathway(codes).items() if used]


@register.filter
def percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.0f}%"
