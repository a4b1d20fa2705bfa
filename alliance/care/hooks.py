"""What care asks of the apps above it, which it may not import (docs/architecture.md, "The map").

A booking, an attendance or an episode's change moves what other apps derive from the records:
the alerts and the caseload's summary (``feedback``), the reminders and links planned for the
sessions (``portal``), and the words a new goal may start from (``voice``, the client's hopes).
Each of those apps registers its function here in its ``AppConfig.ready``; care calls it through
the named functions below. A hook nobody registered is a set-up error, never a silent skip.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from alliance.accounts.models import User
from alliance.care.models import Episode

# Each hook, the app that registers it and the function it is there.
HOOKS = {
    "alerts_refresh": "feedback: services.alerts_refresh",
    "episode_summaries_refresh": "feedback: summaries.episode_summaries_refresh",
    "episode_messages_plan": "portal: reminders.episode_messages_plan",
    "goal_start_text": "voice: selectors.goal_start_text",
}
_registered: dict[str, Callable[..., Any]] = {}


def hook_register(name: str, function: Callable[..., Any]) -> None:
    """Register the function behind one of ``HOOKS``; a second registration replaces it."""
    if name not in HOOKS:
        raise ValueError(f"care has no hook {name!r}; it has {', '.join(sorted(HOOKS))}.")
    _registered[name] = function


def _hook(name: str) -> Callable[..., Any]:
    try:
        return _registered[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"Nothing registered care's hook {name!r} ({HOOKS[name]})."
        ) from None


def alerts_refresh(episodes: Iterable[Episode], *, notify: bool = True) -> int:
    """``feedback.services.alerts_refresh``: the episodes' alerts (and summaries) again."""
    return int(_hook("alerts_refresh")(episodes, notify=notify))


def episode_summaries_refresh(episodes: Iterable[Episode | int]) -> int:
    """``feedback.summaries.episode_summaries_refresh``: the caseload's summary rows again."""
    return int(_hook("episode_summaries_refresh")(episodes))


def episode_messages_plan(episode: Episode) -> None:
    """``portal.reminders.episode_messages_plan``: plan, move or cancel the episode's
    reminders and links to match its sessions (safe to repeat)."""
    _hook("episode_messages_plan")(episode)


def goal_start_text(user: User, episode: Episode, words_id: str | None) -> str:
    """``voice.selectors.goal_start_text``: the client's words a new goal starts from."""
    return str(_hook("goal_start_text")(user, episode, words_id))
