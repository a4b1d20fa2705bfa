"""Stored episode figures (issue 16, point 5): a report read from the stored rows equals one read
afresh from every episode's series, any change to what they were read from makes them stale,
and a report over stored rows takes the same queries for few episodes or many. The demo clinic's
comparison is in test_stored_figures_demo.py (its users would clash with the standing clinic's)."""

import datetime as dt
from collections.abc import Callable
from io import StringIO
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alliance.care.models import Ending, Episode, Goal, GoalRating, MeasurePlanItem, Session
from alliance.care.services import goal_add
from alliance.measures.models import Response
from alliance.measures.services import response_record
from alliance.reports import database, stored
from alliance.reports.models import EpisodeFigures
from alliance.reports.selectors import Report, report_build, report_scope
from alliance.voice.models import Baseline
from tests.clinic.builders import bulk_caseload, ors, rated_episode, srs
from tests.factories import make_session

pytestmark = pytest.mark.django_db

THIS_YEAR = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 12, 31)}


def _report(organisation: str, window: tuple[dt.date, dt.date], **names: str) -> Report:
    scope = report_scope(
        viewer=None, organisation=organisation, start=window[0], end=window[1], **names
    )
    return report_build(scope)


def _refuse_reading_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(episode_ids: object) -> None:
        raise AssertionError(f"read afresh: {episode_ids}")

    monkeypatch.setattr(stored, "figures_read", refused)


def _closed(clinic: SimpleNamespace) -> Episode:
    episode = rated_episode(clinic, [15, 22, 27], [35, 38, 39])
    episode.ended_on, episode.ending = dt.date(2026, 2, 1), Ending.PLANNED
    episode.save(update_fields=["ended_on", "ending"])
    goal_add(episode=episode, text="Sleep through the night", agreed=True, by=clinic.clinician)
    return episode


def _rate_again(episode: Episode) -> None:
    response_record(session=episode.sessions.get(number=2), instrument_code="ors", values=ors(5))


def _void(episode: Episode) -> None:
    Response.objects.filter(session__episode=episode, session__number=3).update(
        voided_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        voided_by=episode.care_team.first().member,
        void_reason="Entered for the wrong client",
    )


def _miss_a_session(episode: Episode) -> None:
    Session.objects.filter(episode=episode, number=3).update(status="no_show")


def _change_the_measure(episode: Episode) -> None:
    Episode.objects.filter(pk=episode.pk).update(outcome_measure="phq9")


def _rate_the_alliance(episode: Episode) -> None:
    response_record(session=make_session(episode, 4), instrument_code="srs", values=srs(20))


def _book(episode: Episode) -> None:
    Session.objects.create(episode=episode, number=4, starts_at=timezone.now(), status="scheduled")


def _plan(episode: Episode) -> None:
    MeasurePlanItem.objects.create(
        episode=episode, instrument="phq9", repeat="sessions", interval=1, position=0
    )


def _goal_rating(episode: Episode) -> None:
    GoalRating.objects.create(
        goal=Goal.objects.get(episode=episode),
        session=episode.sessions.get(number=1),
        rating=4,
        recorded_by=episode.care_team.first().member,
    )


@pytest.mark.parametrize(
    "change",
    [
        _rate_again,
        _void,
        _miss_a_session,
        _change_the_measure,
        _plan,
        _goal_rating,
        _rate_the_alliance,
        _book,
    ],
)
def test_any_change_to_an_episode_makes_its_stored_figures_stale(
    clinic: SimpleNamespace, change: Callable[[Episode], None]
) -> None:
    episode = _closed(clinic)
    _report(clinic.org.name, (THIS_YEAR["start"], THIS_YEAR["end"]))
    row = EpisodeFigures.objects.get(episode=episode)
    assert row.computed == row.generation
    change(episode)
    row.refresh_from_db()
    assert row.computed != row.generation
    after = _report(clinic.org.name, (THIS_YEAR["start"], THIS_YEAR["end"]))
    EpisodeFigures.objects.all().delete()
    assert after.figures == _report(clinic.org.name, (THIS_YEAR["start"], THIS_YEAR["end"])).figures


def test_a_changed_rating_changes_the_report(clinic: SimpleNamespace) -> None:
    episode = _closed(clinic)
    window = (THIS_YEAR["start"], THIS_YEAR["end"])
    before = {f.key: f.value for f in _report(clinic.org.name, window).figures}
    _void(episode)  # the last ORS of 27 leaves: the last score is 22
    after = {f.key: f.value for f in _report(clinic.org.name, window).figures}
    assert before["mean_change_good"] == pytest.approx(12.0)
    assert after["mean_change_good"] == pytest.approx(7.0)


def _shown(organisation: str, window: tuple[dt.date, dt.date]) -> dict[str, float | None]:
    """The report's values with every figure shown, however few clients it rests on."""
    with override_settings(ALLIANCE={**settings.ALLIANCE, "REPORT_MIN_CLIENTS": 1}):
        return {f.key: f.value for f in _report(organisation, window).figures}


def test_the_stored_sessions_follow_a_new_alliance_rating_and_a_cancelled_session(
    clinic: SimpleNamespace,
) -> None:
    episode = _closed(clinic)  # SRS 35, 38 and 39 at sessions 1 to 3
    window = (THIS_YEAR["start"], THIS_YEAR["end"])
    before = _shown(clinic.org.name, window)  # stores the rows
    booked = before["sessions_scheduled"]
    assert before["alliance_mean"] == pytest.approx(112 / 3)
    assert before["sessions_missed_rate"] == 0
    _rate_the_alliance(episode)  # a fourth session, SRS 20
    Session.objects.filter(episode=episode, number=1).update(status="cancelled")
    after = _shown(clinic.org.name, window)
    # The cancelled session's SRS still counts: the average reads sessions of any status.
    assert after["alliance_mean"] == pytest.approx(33.0)
    assert after["sessions_scheduled"] == booked + 1  # type: ignore[operator]
    assert after["sessions_attended"] == before["sessions_attended"]
    assert after["sessions_missed_rate"] == pytest.approx(1 / (booked + 1))  # type: ignore[operator]


def test_a_session_after_the_stored_last_one_puts_the_episode_in_a_later_range(
    clinic: SimpleNamespace,
) -> None:
    episode = _closed(clinic)  # sessions in January 2026
    _report(clinic.org.name, (THIS_YEAR["start"], THIS_YEAR["end"]))  # stores the rows
    december = (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    row = EpisodeFigures.objects.get(episode=episode)
    assert row.last_session is not None and row.last_session.month == 1
    starts = timezone.make_aware(dt.datetime(2026, 12, 7, 10))
    Session.objects.create(episode=episode, number=4, starts_at=starts, status="scheduled")
    # The stored last session is out of date: the episode is read afresh, not left out.
    assert _shown(clinic.org.name, december)["sessions_scheduled"] == 1
    row.refresh_from_db()
    assert (row.last_session, row.computed) == (starts, row.generation)
    assert _shown(clinic.org.name, december)["sessions_scheduled"] == 1  # from the stored row


def test_with_no_row_stored_a_report_reads_afresh_only_the_episodes_in_its_range(
    clinic: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = _closed(clinic)  # closed on 1 February 2026
    outside = rated_episode(clinic, [10, 12])  # open, sessions in January 2026 only
    EpisodeFigures.objects.all().delete()  # as after migrating to a new stored format
    read_for: list[int] = []
    read = stored.figures_read

    def watched(episode_ids: list[int]) -> dict[int, stored.StoredFigures]:
        read_for.extend(episode_ids)
        return read(episode_ids)

    monkeypatch.setattr(stored, "figures_read", watched)
    _report(clinic.org.name, (dt.date(2026, 2, 1), dt.date(2026, 12, 31)))
    assert closed.pk in read_for
    assert outside.pk not in read_for


def test_stored_figures_read_in_the_same_queries_for_few_episodes_and_many(
    clinic: SimpleNamespace,
) -> None:
    def counted() -> int:
        _report(clinic.org.name, window)  # stores what it read
        with CaptureQueriesContext(connection) as queries:
            _report(clinic.org.name, window)
        return len(queries)

    window = (THIS_YEAR["start"], THIS_YEAR["end"])
    bulk_caseload(clinic, clients=3, sessions=4)
    few = counted()
    bulk_caseload(clinic, clients=30, sessions=4)
    assert counted() == few


def test_without_its_triggers_the_database_s_rows_are_not_trusted(
    clinic: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    _closed(clinic)
    window = (THIS_YEAR["start"], THIS_YEAR["end"])
    _report(clinic.org.name, window)
    assert database.triggers_present(connection)
    database.triggers_drop()
    try:
        assert not database.triggers_present(connection)
        _refuse_reading_afresh(monkeypatch)
        with pytest.raises(AssertionError, match="read afresh"):
            _report(clinic.org.name, window)
    finally:
        database.triggers_create()
    assert database.triggers_present(connection)


def test_a_changed_catalogue_or_time_zone_reads_every_episode_afresh(
    clinic: SimpleNamespace, settings: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    _closed(clinic)
    window = (THIS_YEAR["start"], THIS_YEAR["end"])
    _report(clinic.org.name, window)
    before = stored.basis()
    settings.TIME_ZONE = "America/New_York"  # type: ignore[attr-defined]
    assert stored.basis() != before
    _refuse_reading_afresh(monkeypatch)
    with pytest.raises(AssertionError, match="read afresh"):
        _report(clinic.org.name, window)


def test_the_trigger_names_match_the_models_tables() -> None:
    watched = (Response, GoalRating, Session, MeasurePlanItem, Baseline)
    tables = {model._meta.db_table for model in watched}
    assert tables | {Episode._meta.db_table} == set(database.SOURCES)
    assert database.triggers_present(connection)


def test_a_rating_that_arrives_while_a_report_reads_leaves_the_row_stale(
    clinic: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    episode = _closed(clinic)
    window = (THIS_YEAR["start"], THIS_YEAR["end"])
    _report(clinic.org.name, window)  # stored once
    _miss_a_session(episode)  # stale: the next report reads it afresh
    read = stored.figures_read

    def rated_meanwhile(episode_ids: list[int]) -> dict[int, stored.StoredFigures]:
        found = read(episode_ids)
        _rate_again(episode)  # after the generation was read, before the row is stored
        return found

    monkeypatch.setattr(stored, "figures_read", rated_meanwhile)
    _report(clinic.org.name, window)
    row = EpisodeFigures.objects.get(episode=episode)
    assert row.computed != row.generation


def test_the_fill_command_stores_what_is_not_current_so_a_report_reads_nothing_afresh(
    clinic: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    _closed(clinic)
    bulk_caseload(clinic, clients=3, sessions=2)
    out = StringIO()
    call_command("report_figures_fill", organisation=clinic.org.name, stdout=out)
    episodes = Episode.objects.filter(team__organisation=clinic.org).count()
    assert episodes >= 4
    assert f"of {episodes} episode(s)" in out.getvalue()
    call_command("report_figures_fill", stdout=out)
    assert "of 0 episode(s)" in out.getvalue()
    _refuse_reading_afresh(monkeypatch)
    _report(clinic.org.name, (THIS_YEAR["start"], THIS_YEAR["end"]))


def test_the_fill_command_refuses_an_unknown_organisation(clinic: SimpleNamespace) -> None:
    with pytest.raises(CommandError, match="--organisation: no organisation named 'Nowhere'"):
        call_command("report_figures_fill", organisation="Nowhere")
    assert not EpisodeFigures.objects.filter(computed=F("generation")).exists()
