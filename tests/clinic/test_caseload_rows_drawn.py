"""The caseload draws a row again only when something it shows changed (issue 16): a drawn row is
kept by everything it is drawn from, so a new score, a renamed client, another language or the
clock passing a booked session each show at once."""

import dataclasses
import datetime as dt
from types import SimpleNamespace

from django.utils import timezone, translation

from alliance.care.models import Session, SessionStatus
from alliance.clinic.caseload_table import caseload_rows_html
from alliance.clinic.selectors import CaseloadRow, caseload_rows
from alliance.feedback.summaries import episode_summaries_refresh
from alliance.measures.services import response_record
from tests.clinic.builders import ors, rated_episode
from tests.factories import make_session


def _row(clinic: SimpleNamespace, episode_id: int) -> CaseloadRow:
    [row] = [r for r in caseload_rows(clinic.clinician) if r.episode_id == episode_id]
    return row


def _html(row: CaseloadRow) -> str:
    return str(caseload_rows_html([row]))


def test_it_draws_the_same_row_twice_alike(clinic: SimpleNamespace) -> None:
    episode = rated_episode(clinic, [14.0, 18.5], [36.5, 38.0])
    assert _html(_row(clinic, episode.pk)) == _html(_row(clinic, episode.pk))


def test_it_shows_a_new_score_at_once(clinic: SimpleNamespace) -> None:
    episode = rated_episode(clinic, [14.0, 18.5], [36.5, 38.0])
    before = _html(_row(clinic, episode.pk))
    response_record(session=make_session(episode, 3), instrument_code="ors", values=ors(27.5))
    episode_summaries_refresh([episode])
    after = _html(_row(clinic, episode.pk))
    assert "27.5" in after and "27.5" not in before


def test_it_shows_a_renamed_client_at_once(clinic: SimpleNamespace) -> None:
    episode = rated_episode(clinic, [14.0], [36.5])
    _html(_row(clinic, episode.pk))
    episode.client.display_name = "Renamed Person"
    episode.client.save(update_fields=["display_name"])
    assert "Renamed Person" in _html(_row(clinic, episode.pk))


def test_it_draws_a_row_in_each_reader_language(clinic: SimpleNamespace) -> None:
    episode = rated_episode(clinic, [14.0, 18.5], [36.5, 38.0])
    english = _html(_row(clinic, episode.pk))
    with translation.override("nl"):
        dutch = _html(_row(clinic, episode.pk))
    assert "18.5" in english and "18,5" in dutch


def test_a_booked_session_leaves_next_once_its_time_has_passed(clinic: SimpleNamespace) -> None:
    episode = rated_episode(clinic, [14.0], [36.5])
    starts = timezone.now() + dt.timedelta(days=2)
    Session.objects.create(episode=episode, starts_at=starts, status=SessionStatus.SCHEDULED)
    episode_summaries_refresh([episode])
    row = _row(clinic, episode.pk)
    booked = _html(row)
    later = _html(dataclasses.replace(row, now=starts + dt.timedelta(hours=1)))
    assert "not booked" not in booked
    assert "not booked" in later
