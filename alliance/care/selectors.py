"""Reads for the alliance work (goals, goal ratings, tasks, ruptures, reflections).

Every query of clinical data starts from ``alliance.access``; each read takes a fixed number of
queries, whatever the number of goals, tasks, ruptures or sessions.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from alliance import access
from alliance.accounts.models import User
from alliance.care.models import (
    MAX_ACTIVE_GOALS,
    Episode,
    Goal,
    GoalRating,
    GoalStatus,
    GoalVersion,
    Reflection,
    Rupture,
    Session,
    Task,
    TaskOutcome,
)
from alliance.measures import catalogue
from alliance.science.change import ChangeClass, classify_change
from alliance.science.instruments import reliable_change_for
from alliance.science.ruptures import (
    Adherence,
    RecordedRupture,
    RuptureSummary,
    summarise_ruptures,
    task_adherence,
)

CHANGE_LABELS: dict[str, Promise] = {
    "recovered": _("recovered"),
    "reliably_improved": _("reliably closer to the goal"),
    "no_reliable_change": _("no reliable change yet"),
    "reliably_deteriorated": _("reliably further from the goal"),
}


def read_as_visible(user: User, episode: Episode) -> Episode:
    """Note on an episode just read through ``access.visible_episodes(user)`` (or as the
    episode of a session of ``access.visible_sessions(user)``) that the user sees it, so
    ``access.can_see_episode`` answers without a query: a page's panels each ask it of the
    episode the page read, instead of each filtering by the whole rule again (a few
    milliseconds of the ORM's Python each)."""
    episode._visible_to = user.pk  # type: ignore[attr-defined]
    return episode


def visible_goals(user: User) -> QuerySet[Goal]:
    return Goal.objects.filter(episode__in=access.visible_episodes(user))


def visible_tasks(user: User) -> QuerySet[Task]:
    return Task.objects.filter(episode__in=access.visible_episodes(user))


def visible_ruptures(user: User) -> QuerySet[Rupture]:
    return Rupture.objects.filter(session__in=access.visible_sessions(user))


def visible_reflections(user: User, session: Session | None = None) -> QuerySet[Reflection]:
    """Reflections the user may read (the rule is ``access.visible_reflections``), optionally
    for one session."""
    found = access.visible_reflections(user)
    return found if session is None else found.filter(session=session)


def new_task_sessions(episode_ids: Iterable[int]) -> dict[int, set[int]]:
    """Episode id -> numbers of the sessions in which a new task was agreed (one query). The
    alert rules read it to suggest renegotiating a task after an alliance drop."""
    found: dict[int, set[int]] = defaultdict(set)
    pairs = Task.objects.filter(episode_id__in=list(episode_ids)).values_list(
        "episode_id", "agreed_in__number"
    )
    for episode_id, number in pairs:
        # A cancelled or withdrawn session has no number and is in no series the rules read.
        if number is not None:
            found[episode_id].add(number)
    return dict(found)


@dataclass(frozen=True)
class GoalProgress:
    """A goal with its ratings in session order and the change from the first to the latest
    (None until rated twice)."""

    goal: Goal
    ratings: tuple[GoalRating, ...]
    change: ChangeClass | None

    @property
    def first(self) -> GoalRating | None:
        return self.ratings[0] if self.ratings else None

    @property
    def latest(self) -> GoalRating | None:
        return self.ratings[-1] if self.ratings else None

    @property
    def change_label(self) -> Promise | None:
        return CHANGE_LABELS[self.change.value] if self.change else None


def _ratings_prefetch() -> Prefetch:
    ordered = GoalRating.objects.select_related("session").order_by("session__number")
    return Prefetch("ratings", queryset=ordered)


def _progress(goal: Goal, age_group: str) -> GoalProgress:
    ratings = tuple(goal.ratings.all())
    change = None
    if len(ratings) >= 2:
        # Goal-based outcomes have no clinical cutoff: change is judged per goal against the
        # GBO file's reliable-change value (docs/science/change.md).
        gbo = catalogue.instrument("gbo")
        threshold = reliable_change_for(gbo, age_group)
        if threshold is not None:
            change = classify_change(
                ratings[0].rating,
                ratings[-1].rating,
                cutoff=None,
                reliable_change=threshold.points,
                higher_is_better=gbo.higher_is_better,
            )
    return GoalProgress(goal, ratings, change)


@dataclass(frozen=True)
class EpisodeWork:
    """The alliance work of one episode, for the client page."""

    active_goals: tuple[GoalProgress, ...]
    closed_goals: tuple[GoalProgress, ...]
    tasks: tuple[Task, ...]
    adherence: Adherence
    ruptures: tuple[Rupture, ...]
    rupture_summary: RuptureSummary

    @property
    def room_for_a_goal(self) -> bool:
        return len(self.active_goals) < MAX_ACTIVE_GOALS


def episode_work(user: User, episode: Episode) -> EpisodeWork:
    """Goals with their first and latest ratings and the change between them, tasks with
    adherence, and ruptures with their summary, in four queries (five when the episode was
    not read through ``access.visible_episodes``: ``read_as_visible``); nothing for an episode
    the user does not see."""
    # One episode is seen or not: asked once, not as a subquery of each of the four reads.
    sees = access.can_see_episode(user, episode)
    goals = (
        Goal.objects.filter(episode=episode).prefetch_related(_ratings_prefetch()).order_by("pk")
    )
    progress = [_progress(goal, episode.client.age_group) for goal in goals] if sees else []
    tasks = tuple(
        Task.objects.filter(episode=episode)
        .select_related("goal", "agreed_in", "reviewed_in")
        .order_by("-agreed_in__number", "-pk")
        if sees
        else ()
    )
    found = tuple(
        Rupture.objects.filter(session__episode=episode)
        .select_related("session")
        .order_by("-session__number", "-pk")
        if sees
        else ()
    )
    return EpisodeWork(
        active_goals=tuple(p for p in progress if p.goal.is_active),
        closed_goals=tuple(p for p in progress if not p.goal.is_active),
        tasks=tasks,
        adherence=task_adherence(task.outcome for task in tasks),
        ruptures=found,
        rupture_summary=summarise_ruptures(
            # The stubs type a CharField as str; the check constraint rupture_resolution_valid
            # keeps it a Resolution.
            RecordedRupture(r.markers, r.strategies, r.resolution)  # type: ignore[arg-type]
            for r in found
        ),
    )


@dataclass(frozen=True)
class SessionGoal:
    """An active goal as the session page shows it: this session's rating, if any, and the
    one before."""

    goal: Goal
    rating: GoalRating | None
    previous: GoalRating | None


@dataclass(frozen=True)
class SessionWork:
    """The alliance work recorded in one session, and what is waiting to be recorded."""

    session: Session
    goals: tuple[SessionGoal, ...]
    tasks_agreed: tuple[Task, ...]
    tasks_to_review: tuple[Task, ...]
    ruptures: tuple[Rupture, ...]
    reflections: tuple[Reflection, ...]
    own_reflection: Reflection | None
    user_id: int

    @property
    def room_for_a_goal(self) -> bool:
        return len(self.goals) < MAX_ACTIVE_GOALS

    @property
    def active_goals(self) -> tuple[Goal, ...]:
        return tuple(entry.goal for entry in self.goals)

    @property
    def others_reflections(self) -> tuple[Reflection, ...]:
        return tuple(r for r in self.reflections if r.author_id != self.user_id)


def _session_goal(goal: Goal, session: Session) -> SessionGoal:
    # By date, not number: a cancelled or withdrawn session has no number (issue 11).
    ratings = [r for r in goal.ratings.all() if _in_order(r.session, session)]
    this = next((r for r in ratings if r.session_id == session.pk), None)
    earlier = [r for r in ratings if r.session_id != session.pk]
    return SessionGoal(goal, this, earlier[-1] if earlier else None)


def _review_due(task: Task, session: Session) -> bool:
    """Open tasks agreed up to this session, and those reviewed in it (to correct)."""
    if task.reviewed_in_id == session.pk:
        return True
    return task.outcome == TaskOutcome.NOT_REVIEWED and _in_order(task.agreed_in, session)


def _in_order(earlier: Session, later: Session) -> bool:
    """Whether ``earlier`` is ``later`` or comes before it (sessions are numbered in this order)."""
    return (earlier.starts_at, earlier.pk) <= (later.starts_at, later.pk)


def session_work(user: User, session: Session) -> SessionWork:
    """Active goals with this session's ratings, tasks agreed here and tasks to review, the
    session's ruptures, and the reflections the user may read, in five queries (six when its
    episode was not read through ``access``: ``read_as_visible``); nothing for a session the
    user does not see."""
    # A session is seen with its episode: asked once, not as a subquery of each read.
    sees = access.can_see_episode(user, session.episode)
    episode_goals = episode_active_goals(user, session.episode, sees=sees).prefetch_related(
        _ratings_prefetch()
    )
    tasks = list(
        Task.objects.filter(episode_id=session.episode_id)
        .select_related("goal", "agreed_in")
        .order_by("agreed_in__number", "pk")
        if sees
        else ()
    )
    reflections = tuple(visible_reflections(user, session).select_related("author"))
    ruptures = Rupture.objects.filter(session=session).order_by("pk") if sees else ()
    return SessionWork(
        session=session,
        goals=tuple(_session_goal(goal, session) for goal in episode_goals.order_by("pk")),
        tasks_agreed=tuple(t for t in tasks if t.agreed_in_id == session.pk),
        tasks_to_review=tuple(t for t in tasks if _review_due(t, session)),
        ruptures=tuple(ruptures),
        reflections=reflections,
        own_reflection=next((r for r in reflections if r.author_id == user.pk), None),
        user_id=user.pk,
    )


def episode_active_goals(
    user: User, episode: Episode, *, sees: bool | None = None
) -> QuerySet[Goal]:
    """The episode's active goals, if the user sees the episode (``sees``: already asked)."""
    if sees is None:
        sees = access.can_see_episode(user, episode)
    found = Goal.objects.filter(episode_id=episode.pk, status=GoalStatus.ACTIVE)
    return found if sees else found.none()


def goal_history(goal: Goal) -> tuple[GoalVersion, ...]:
    """Every version of a goal, newest first, with who recorded it."""
    return tuple(goal.versions.select_related("recorded_by").order_by("-version"))
