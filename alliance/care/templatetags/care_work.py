"""Template tags for the alliance-work partials the clinic's pages include.

The clinic's client page includes ``care/episode_work.html`` with ``episode`` and the session page
includes ``care/session_work.html`` with ``session``; these tags load what those partials show,
through ``alliance.care.selectors``, and build their empty forms. Filters turn stored codes into
translated labels.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django import forms, template
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

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
from alliance.care.models import Episode, Goal, Session, Task
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
    goal_choices: tuple[tuple[int, str], ...]
    """What the task form's goal field lists (the session's active goals, in order)."""


@register.simple_tag(takes_context=True)
def session_work_for(context: template.Context, session: Session) -> SessionWorkPage:
    work = selectors.session_work(context["user"], session)
    own = work.own_reflection
    initial = {"experiences": own.experiences, "text": own.text} if own else None
    return SessionWorkPage(
        work=work,
        ratings_form=GoalRatingsForm.for_session(work.goals),
        goal_form=GoalAddForm(sessions=Session.objects.none(), initial={"session": session.pk}),
        task_form=_task_form(context["user"], session, work.active_goals),
        goal_choices=tuple((goal.pk, str(goal)) for goal in work.active_goals),
        review_forms=tuple(
            (task, TaskReviewForm(prefix=f"review-{task.pk}", initial=_review_initial(task)))
            for task in work.tasks_to_review
        ),
        rupture_form=RuptureForm(),
        reflection_form=ReflectionForm(initial=initial),
    )


def _task_form(user: User, session: Session, goals: tuple[Goal, ...]) -> TaskForm:
    """The empty task form, its goals listed from those ``session_work`` read (the same
    active goals, in the same order), so the first page to write it reads them no second
    time and the page's queries do not hang on what ``form_fields`` keeps."""
    form = TaskForm(goals=_active_goals(user, session))
    field = form.fields["goal"]
    field.choices = [("", field.empty_label), *((goal.pk, str(goal)) for goal in goals)]  # type: ignore[attr-defined]
    return form


def _active_goals(user: User, session: Session) -> QuerySet[Goal]:
    # In the order of the session's goals (``goal_choices``), which key the form's HTML.
    return selectors.episode_active_goals(user, session.episode).order_by("pk")


_FIELDS_KEPT: dict[tuple[object, ...], SafeString] = {}
_FIELDS_MAX = 2000


@register.simple_tag(takes_context=True)
def form_fields(
    context: template.Context, template_name: str, form: forms.Form, *choices: object
) -> SafeString:
    """The form's fields as ``template_name`` writes them. An empty form's (unbound, no
    initial values) are kept in the process by all they are drawn from: the template, the
    language, the form's class and prefix, and ``choices`` (what its choice fields list from
    the database, given by the caller). Writing the widgets of the rupture form's forty
    choices through Django's widget templates takes tens of milliseconds."""
    empty = not form.is_bound and not form.initial
    key = (template_name, get_language(), type(form), form.prefix, choices)
    # One read: gunicorn's threads share the dict, and another may empty it between two.
    found = _FIELDS_KEPT.get(key) if empty else None
    if found is not None:
        return found
    written = context.template.engine.get_template(template_name)  # type: ignore[union-attr]
    html = mark_safe(written.render(context.new({"form": form})))  # already escaped: a template
    if empty:
        if len(_FIELDS_KEPT) >= _FIELDS_MAX:
            _FIELDS_KEPT.clear()
        _FIELDS_KEPT[key] = html
    return html


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
