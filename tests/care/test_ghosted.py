"""Episodes with no contact for too long close as ghosted, dated at the last contact."""

import datetime as dt
from types import SimpleNamespace

from django.core.management import call_command

from alliance.care.models import SessionStatus
from alliance.care.services import episodes_close_ghosted
from tests.factories import make_episode, make_session


def test_an_episode_unseen_for_longer_than_the_limit_closes_as_ghosted(
    clinic: SimpleNamespace,
) -> None:
    make_session(clinic.episode, 2, status=SessionStatus.NO_SHOW)  # 12 Jan: not a contact
    closed = episodes_close_ghosted(today=dt.date(2026, 3, 7), after_days=60)
    clinic.episode.refresh_from_db()
    assert closed == [clinic.episode]
    assert (clinic.episode.ending, clinic.episode.ended_on) == ("ghosted", dt.date(2026, 1, 5))


def test_an_episode_seen_within_the_limit_stays_open(clinic: SimpleNamespace) -> None:
    assert episodes_close_ghosted(today=dt.date(2026, 3, 6), after_days=60) == []
    clinic.episode.refresh_from_db()
    assert clinic.episode.ended_on is None


def test_an_episode_without_sessions_counts_from_its_start(clinic: SimpleNamespace) -> None:
    empty = make_episode(clinic.team_a, clinic.clinician, started_on=dt.date(2026, 2, 1))
    closed = episodes_close_ghosted(today=dt.date(2026, 4, 5), after_days=60)
    assert empty in closed


def test_the_command_uses_the_setting(clinic: SimpleNamespace, settings: object) -> None:
    settings.ALLIANCE = {**settings.ALLIANCE, "GHOSTED_AFTER_DAYS": 10}  # type: ignore[attr-defined]
    call_command("close_ghosted_episodes", "--today", "2026-01-20")
    clinic.episode.refresh_from_db()
    assert clinic.episode.ending == "ghosted"
