"""What care asks of the apps above it, which it may not import (docs/architecture.md, "The map").

A booking, an attendance or an episode's change moves what other apps derive from the records:
the alerts and the caseload's summary (``feedback``), the reminders and links planned for the
sessions (``portal``), and the words a new goal may start from (``voice``, the client's hopes).
Each of those apps registers its function here in its ``AppConfig.ready``; care calls it through
the named functions below (``alliance.hooks``: a hook nobody registered is a set-up error, never
a silent skip).
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Model, QuerySet

from alliance.accounts.models import User
from alliance.care.models import Episode
from alliance.hooks import Hooks

# Each hook, the app that registers it and the function it is there.
HOOKS = Hooks(
    "care",
    {
        "alerts_refresh": "feedback: services.alerts_refresh",
        "episode_summaries_refresh": "feedback: summaries.episode_summaries_refresh",
        "episode_messages_plan": "portal: reminders.episode_messages_plan",
        "goal_start_text": "voice: selectors.goal_start_text",
        "episode_baseline": "voice: selectors.episode_baseline",
        "baselines": "voice: selectors.baselines",
    },
)


def hook_register(name: str, function: Callable[..., Any]) -> None:
    """Register the function behind one of ``HOOKS`` (from an ``AppConfig.ready``)."""
    HOOKS.register(name, function)


def alerts_refresh(episodes: Iterable[Episode], *, notify: bool = True) -> int:
    """``feedback.services.alerts_refresh``: the episodes' alerts (and summaries) again."""
    return int(HOOKS["alerts_refresh"](episodes, notify=notify))


def episode_summaries_refresh(episodes: Iterable[Episode | int]) -> int:
    """``feedback.summaries.episode_summaries_refresh``: the caseload's summary rows again."""
    return int(HOOKS["episode_summaries_refresh"](episodes))


def episode_messages_plan(episode: Episode) -> None:
    """``portal.reminders.episode_messages_plan``: plan, move or cancel the episode's
    reminders and links to match its sessions (safe to repeat)."""
    HOOKS["episode_messages_plan"](episode)


def goal_start_text(user: User, episode: Episode, words_id: str | None) -> str:
    """``voice.selectors.goal_start_text``: the client's words a new goal starts from."""
    return str(HOOKS["goal_start_text"](user, episode, words_id))


def episode_baseline(episode: Episode) -> Model | None:
    """``voice.selectors.episode_baseline``: the episode's ``voice.Baseline``, or None; no
    query when the episode was loaded with it (``select_related("baseline")``)."""
    found: Model | None = HOOKS["episode_baseline"](episode)
    return found


def baselines(episode_ids: Iterable[int]) -> QuerySet[Any]:
    """``voice.selectors.baselines``: the ``voice.Baseline`` rows of these episodes."""
    rows: QuerySet[Any] = HOOKS["baselines"](episode_ids)
    return rows
