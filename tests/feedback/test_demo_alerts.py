"""The demo clinic through the alert refresh: few open alerts, and every one of them true."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

import pytest
from django.db import transaction

from alliance.care.models import Episode
from alliance.demo.clinic import DEMO_ORGANISATION, _remove_earlier_demo, load_demo
from alliance.feedback import services
from alliance.feedback.models import Alert
from alliance.feedback.series import loaded_episode_series
from alliance.science import signals

TODAY = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def demo_episodes(
    django_db_setup: None, django_db_blocker: pytest.FixtureRequest
) -> Iterator[list[Episode]]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        load_demo(seed=7, today=TODAY)
        episodes = list(Episode.objects.filter(client__organisation__name=DEMO_ORGANISATION))
        services.alerts_refresh(episodes)
        yield episodes
        with transaction.atomic():
            _remove_earlier_demo()


@pytest.mark.django_db
def test_the_demo_has_at_most_one_open_alert_per_active_episode(
    demo_episodes: list[Episode],
) -> None:
    active = [e for e in demo_episodes if e.ended_on is None]
    open_alerts = Alert.objects.open().filter(episode__in=demo_episodes).count()
    ratio = open_alerts / len(active)
    print(f"demo: {open_alerts} open alerts for {len(active)} active episodes ({ratio:.2f})")
    assert ratio <= 1.0


@pytest.mark.django_db
def test_every_open_demo_alert_holds_on_the_latest_ratings(demo_episodes: list[Episode]) -> None:
    by_episode: dict[int, list[Alert]] = defaultdict(list)
    for alert in Alert.objects.open().filter(episode__in=demo_episodes).select_related("session"):
        by_episode[alert.episode_id].append(alert)
    assert by_episode, "the demo should leave some alerts open"
    episodes = (
        Episode.objects.select_related("client")
        .prefetch_related("sessions__responses")
        .in_bulk(list(by_episode))
    )
    rules = services.alert_settings()
    for episode_id, alerts in by_episode.items():
        series = loaded_episode_series(episodes[episode_id])
        firing = {(a.rule, a.measure, a.session) for a in signals.evaluate(series, rules)}
        seen: set[tuple[str, str]] = set()
        for alert in alerts:
            key = (alert.rule, alert.measure)
            assert (alert.rule, alert.measure, alert.session.number) in firing
            if alert.rule == "risk_answer":
                continue  # open until a person acknowledges it, whatever came after
            assert key not in seen, f"two open {key} alerts on episode {episode_id}"
            seen.add(key)
            latest = signals.judged_sessions(series, alert.rule, alert.measure)[-1]
            assert alert.session.number == latest, (episode_id, key, latest)
