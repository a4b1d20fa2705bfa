"""care.hooks: how care reaches feedback, the portal and voice, which sit above it."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from alliance.care import hooks
from alliance.feedback.services import alerts_refresh
from alliance.feedback.summaries import episode_summaries_refresh
from alliance.portal.reminders import episode_messages_plan
from alliance.voice import selectors


def test_each_hook_is_registered_by_its_app_at_start_up() -> None:
    assert hooks.HOOKS.registered == {
        "alerts_refresh": alerts_refresh,
        "episode_summaries_refresh": episode_summaries_refresh,
        "episode_messages_plan": episode_messages_plan,
        "goal_start_text": selectors.goal_start_text,
        "episode_baseline": selectors.episode_baseline,
        "baselines": selectors.baselines,
    }


def test_it_refuses_to_register_a_hook_it_does_not_have() -> None:
    with pytest.raises(ValueError, match="no hook 'alert_refresh'"):
        hooks.hook_register("alert_refresh", alerts_refresh)


def test_a_hook_nobody_registered_is_a_set_up_error_not_a_silent_skip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(hooks.HOOKS.registered, "episode_summaries_refresh")
    with pytest.raises(ImproperlyConfigured, match="episode_summaries_refresh"):
        hooks.episode_summaries_refresh([1])
