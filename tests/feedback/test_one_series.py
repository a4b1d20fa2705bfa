"""One series for every reader (issue 12, point 1): the alert refresh, the client page's charts,
the API and the reports all read the series ``alliance.science.series.episode_series`` builds,
through the one database-to-series adapter (``alliance.feedback.series``).

Each test swaps in a series that differs from the stored answers (every client score and
alliance total moved) and checks the reader shows the moved numbers: a reader that built its own
series from the responses would show the stored ones and fail.
"""

import dataclasses
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from alliance.api.models import Scope
from alliance.api.services import token_create
from alliance.care.models import Ending
from alliance.clinic import progress, selectors
from alliance.feedback import series as adapter
from alliance.feedback.models import Alert
from alliance.feedback.services import alerts_refresh
from alliance.measures.services import response_record
from alliance.reports.selectors import report_build, report_scope
from alliance.science.series import EpisodeSeries, MeasureSeries
from alliance.science.series import episode_series as real_episode_series
from tests.api.conftest import Api
from tests.clinic.builders import rated_episode

MOVED_OUTCOME = 3.3  # added to every outcome score
MOVED_ALLIANCE = 22.2  # every client alliance total
MOVED_ITEM = 5.5  # every client alliance item


def _moved(*args: Any, **kwargs: Any) -> EpisodeSeries:
    found = real_episode_series(*args, **kwargs)
    sessions = tuple(
        dataclasses.replace(
            p,
            outcome=None if p.outcome is None else p.outcome + MOVED_OUTCOME,
            alliance=None if p.alliance is None else MOVED_ALLIANCE,
            alliance_items={code: MOVED_ITEM for code in p.alliance_items},
        )
        for p in found.sessions
    )
    measures = tuple(
        MeasureSeries(
            m.measure,
            m.higher_is_better,
            m.cutoff,
            m.reliable_change,
            tuple((n, v + MOVED_OUTCOME) for n, v in m.scores),
        )
        for m in found.measures
    )
    return dataclasses.replace(found, sessions=sessions, measures=measures)


@pytest.fixture
def moved(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(adapter, "build_episode_series", _moved)
    yield


def test_the_alert_refresh_reads_the_series(clinic: SimpleNamespace) -> None:
    episode = rated_episode(clinic, [20.0], [39.0])  # stored: no alert
    assert not Alert.objects.filter(episode=episode).exists()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(adapter, "build_episode_series", _moved)
        alerts_refresh([episode])
    low = Alert.objects.get(episode=episode, rule="low_alliance")
    assert low.evidence["alliance"] == MOVED_ALLIANCE


def test_the_client_pages_charts_read_the_series(clinic: SimpleNamespace, moved: None) -> None:
    episode = rated_episode(clinic, [20.0, 22.0], [39.0, 38.0])
    for number, answer in ((1, 2), (2, 1)):
        response_record(
            session=episode.sessions.get(number=number),
            instrument_code="phq9",
            values={f"phq9_{n}": answer for n in range(1, 9)} | {"phq9_9": 0},
        )
    detail = selectors.episode_detail(clinic.clinician, episode.pk)
    figures = {figure.key: figure for figure in progress.episode_figures(detail)}

    outcome = [row[2] for row in figures["chart-outcome"].table.rows]
    assert outcome == ["23.3", "25.3"]  # 20 and 22 moved
    phq9 = [row[2] for row in figures["chart-phq9"].table.rows]
    assert phq9 == ["19.3", "11.3"]  # 16 and 8 moved
    client = figures["chart-alliance"].table.headers.index("Client, about the care")
    assert {row[client] for row in figures["chart-alliance"].table.rows} == {"22.2"}
    items = figures["chart-alliance-items"].table.rows
    assert {value for row in items for value in row[1:]} == {"5.5"}


def test_the_reports_read_the_series(clinic: SimpleNamespace, moved: None) -> None:
    episode = rated_episode(clinic, [20.0, 28.0], [39.0, 38.0])  # stored: a good alliance
    today = timezone.localdate()
    episode.ended_on, episode.ending = today, Ending.PLANNED
    episode.save(update_fields=["ended_on", "ending"])
    overridden = {**settings.ALLIANCE, "REPORT_MIN_CLIENTS": 1}
    with override_settings(ALLIANCE=overridden):
        scope = report_scope(viewer=None, organisation=clinic.org.name, start=today, end=today)
        figures = {f.key: f for f in report_build(scope).figures}
    # The series' alliance of 22.2 puts the episode in the low-alliance group.
    assert (figures["mean_change_low"].n, figures["mean_change_good"].n) == (1, 0)
    assert figures["mean_change_low"].value == pytest.approx(8.0)  # 23.3 to 31.3


def test_the_api_serves_the_series(clinic: SimpleNamespace, moved: None) -> None:
    episode = rated_episode(clinic, [20.0, 22.0], [39.0, 38.0])
    secret = token_create(user=clinic.clinician, name="test", scope=Scope.READ).secret
    answer = Api(secret).get(f"/api/v1/episodes/{episode.pk}/series")
    assert answer.status_code == 200
    body = answer.json()
    assert [p["outcome"] for p in body["sessions"]] == [23.3, 25.3]
    assert [p["alliance"] for p in body["sessions"]] == [MOVED_ALLIANCE] * 2
    assert (body["measure"], body["alliance_measure"], body["alliance_cutoff"]) == (
        "ors",
        "srs",
        36.0,
    )
