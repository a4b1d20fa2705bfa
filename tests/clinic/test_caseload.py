"""The caseload: every active client of the clinician, most in need first, with a small chart of
the latest scores and the open alerts (severity in words and a shape, not colour alone)."""

import datetime as dt
from html import unescape
from types import SimpleNamespace

from django.test import Client as Browser
from django.urls import reverse

from alliance.care.models import Episode, SessionStatus
from alliance.clinic.selectors import caseload_rows, recent_scores
from alliance.feedback.models import Alert
from alliance.feedback.services import alert_acknowledge, alerts_refresh
from alliance.measures.services import response_record
from tests.clinic.builders import ors, rated_episode, srs
from tests.factories import PASSWORD, make_episode, make_session


def _browser(username: str = "clinician") -> Browser:
    browser = Browser()
    assert browser.login(username=username, password=PASSWORD)
    return browser


def _risk_episode(clinic: SimpleNamespace) -> Episode:
    episode = make_episode(clinic.team_a, clinic.clinician)
    episode.outcome_measure = "phq9"
    episode.save(update_fields=["outcome_measure"])
    answers = {f"phq9_{n}": 1 for n in range(1, 10)}
    response_record(session=make_session(episode, 1), instrument_code="phq9", values=answers)
    alerts_refresh([episode])
    return episode


def _ghosting_episode(clinic: SimpleNamespace) -> Episode:
    episode = rated_episode(clinic, [30.0], [39.0])
    rated = make_session(episode, 2)
    response_record(session=rated, instrument_code="srs", values=srs(37.0))
    make_session(episode, 3, status=SessionStatus.NO_SHOW)
    alerts_refresh([episode])
    # The alliance alerts before the missed session were discussed already.
    for alert in Alert.objects.filter(episode=episode).exclude(rule="ghosting_risk"):
        alert_acknowledge(alert=alert, by=clinic.clinician)
    return episode


def test_clients_come_in_order_of_need(clinic: SimpleNamespace) -> None:
    # The standing cast's own client has no alerts, so it comes last.
    ghosting = _ghosting_episode(clinic)
    low_alliance = rated_episode(clinic, [30.0], [33.0])
    off_track = rated_episode(clinic, [20.0, 14.0], [39.0, 39.5])
    risk = _risk_episode(clinic)
    rows = caseload_rows(clinic.clinician)
    order = [row.episode.pk for row in rows]
    assert order == [risk.pk, off_track.pk, low_alliance.pk, ghosting.pk, clinic.episode.pk]


def test_an_acknowledged_alert_leaves_the_caseload_and_its_open_count(
    clinic: SimpleNamespace,
) -> None:
    episode = rated_episode(clinic, [30.0], [33.0])
    [row] = [r for r in caseload_rows(clinic.clinician) if r.episode.pk == episode.pk]
    assert row.open_count == 1 and [group.rule for group in row.alerts] == ["low_alliance"]
    alert_acknowledge(alert=Alert.objects.get(episode=episode), by=clinic.clinician)
    [row] = [r for r in caseload_rows(clinic.clinician) if r.episode.pk == episode.pk]
    assert (row.open_count, row.alerts) == (0, [])
    # Without open alerts it is ordered like any other client: by start date, then first entered.
    assert [r.episode.pk for r in caseload_rows(clinic.clinician)] == [
        clinic.episode.pk,
        episode.pk,
    ]


def test_the_caseload_holds_only_active_episodes_on_the_users_care_team(
    clinic: SimpleNamespace,
) -> None:
    ended = rated_episode(clinic, [20.0])
    ended.ended_on, ended.ending = dt.date(2026, 3, 1), "planned"
    ended.save(update_fields=["ended_on", "ending"])
    colleagues = make_episode(clinic.team_a, clinic.colleague)
    assert [r.episode.pk for r in caseload_rows(clinic.clinician)] == [clinic.episode.pk]
    # The supervisor sees the team's records but has no caseload of their own.
    assert caseload_rows(clinic.supervisor) == []
    assert [r.episode.pk for r in caseload_rows(clinic.colleague)] == [colleagues.pk]


def test_recent_scores_are_the_clients_own_latest_oldest_first(clinic: SimpleNamespace) -> None:
    scores = [float(10 + n) for n in range(10)]
    episode = rated_episode(clinic, scores, [30.0] * 10)
    staff = episode.sessions.get(number=10)
    response_record(
        session=staff,
        instrument_code="srs",
        values=srs(20.0),
        rater="clinician",
        rater_user=clinic.clinician,
        method="clinician",
    )
    found = recent_scores([episode], last=8)
    assert found[(episode.pk, "ors")] == scores[-8:]
    assert found[(episode.pk, "srs")] == [30.0] * 8  # the clinician's 20 is not the client's


def test_each_row_shows_a_small_chart_and_the_latest_score(clinic: SimpleNamespace) -> None:
    rated_episode(clinic, [14.0, 18.5, 22.0], [36.5, 38.0, 39.5])
    body = _browser().get(reverse("clinic:caseload")).content.decode()
    assert 'aria-label="ORS, latest scores oldest first: 14.0, 18.5, 22.0; cutoff 25"' in body
    assert '<polyline class="spark-line"' in body
    assert "22.0" in body and "39.5" in body


def test_open_alerts_show_their_severity_in_words_and_a_shape(clinic: SimpleNamespace) -> None:
    rated_episode(clinic, [20.0, 14.0], [39.0, 39.5])
    # As the browser reads it: the rows write characters beyond ASCII as references (&#9650;).
    body = unescape(_browser().get(reverse("clinic:caseload")).content.decode())
    shape = '<span class="icon" aria-hidden="true">▲</span>'
    words = '<span class="severity">High:</span> Not on track'
    assert f"{shape} {words}" in body


def test_a_client_without_scores_says_none_yet(clinic: SimpleNamespace) -> None:
    body = _browser().get(reverse("clinic:caseload")).content.decode()
    assert clinic.episode.client.display_name in body
    assert "none yet" in body
    assert "None open" in body


def test_the_caseload_works_for_a_one_score_client(clinic: SimpleNamespace) -> None:
    episode = make_episode(clinic.team_a, clinic.clinician)
    response_record(session=make_session(episode, 1), instrument_code="ors", values=ors(25.0))
    assert _browser().get(reverse("clinic:caseload")).status_code == 200


def test_a_row_names_each_kind_of_alert_once_with_its_sessions_and_counts_the_rest(
    clinic: SimpleNamespace,
) -> None:
    # Off track at sessions 2 and 3, reliably worse at both, and a low, falling alliance: the
    # session 3 alerts supersede those of session 2 and say since when.
    episode = rated_episode(clinic, [20.0, 14.0, 14.5], [39.0, 35.0, 34.0])
    [row] = [r for r in caseload_rows(clinic.clinician) if r.episode.pk == episode.pk]
    assert [(g.rule, list(g.sessions), g.since) for g in row.alerts] == [
        ("reliable_deterioration", [3], 2),
        ("not_on_track", [3], 2),
        ("low_alliance", [3], 2),
    ]
    # The fall to a low alliance is one concern: the drop is superseded by the low alliance.
    assert row.more == 0
    assert row.open_count == Alert.objects.open().filter(episode=episode).count() == 3
    body = _browser().get(reverse("clinic:caseload")).content.decode()
    assert "Here because:</strong> Reliably worse since session 2" in body
