"""The team page: a supervisor sees every open alert of their own teams, oldest first; clients
off track for several sessions; and low alliance scores nobody has discussed yet."""

from types import SimpleNamespace

from django.test import Client as Browser
from django.urls import reverse

from alliance.clinic import supervision
from alliance.feedback.models import Alert
from alliance.feedback.services import alert_acknowledge
from tests.clinic.builders import rated_episode
from tests.factories import PASSWORD, make_episode, make_session


def _browser(user: object) -> Browser:
    browser = Browser()
    assert browser.login(username=user.username, password=PASSWORD)  # type: ignore[attr-defined]
    return browser


def _page(clinic: SimpleNamespace, role: str = "supervisor") -> str:
    response = _browser(getattr(clinic, role)).get(reverse("clinic:team"))
    assert response.status_code == 200
    return response.content.decode()


def _off_track(clinic: SimpleNamespace) -> object:
    # ORS falling from 20 to 10 over five sessions: off track from the second session on.
    return rated_episode(clinic, [20.0, 16.0, 14.0, 12.0, 10.0], [38, 38, 38, 38, 38])


def test_supervisor_sees_their_teams_clients_but_not_other_teams(clinic: SimpleNamespace) -> None:
    episode = rated_episode(clinic, [20.0, 20.0], [30.0, 30.0])
    assert Alert.objects.filter(episode=episode, rule="low_alliance").exists()
    assert episode.client.display_name in _page(clinic, "supervisor")
    assert episode.client.display_name not in _page(clinic, "other_supervisor")


def test_other_teams_alerts_never_appear(clinic: SimpleNamespace) -> None:
    other = make_episode(clinic.team_b, clinic.other_supervisor)
    make_session(other, 1)
    rated_episode(clinic, [20.0, 20.0], [30.0, 30.0])
    overview = supervision.team_overview(clinic.other_supervisor)
    assert overview.open_alerts == []
    assert [t.name for t in overview.teams] == ["Young People"]


def test_open_alerts_come_oldest_first(clinic: SimpleNamespace) -> None:
    rated_episode(clinic, [20.0, 20.0], [30.0, 30.0])
    rated_episode(clinic, [20.0, 20.0], [31.0, 31.0])
    alerts = supervision.team_overview(clinic.supervisor).open_alerts
    raised = [(a.raised_at, a.pk) for a in alerts]
    assert len(alerts) >= 4
    assert raised == sorted(raised)


def test_only_runs_of_several_sessions_count_as_not_on_track(clinic: SimpleNamespace) -> None:
    long = _off_track(clinic)
    short = rated_episode(clinic, [20.0, 16.0], [38, 38])
    assert Alert.objects.filter(episode=short, rule="not_on_track").exists()
    rows = supervision.team_overview(clinic.supervisor).not_on_track
    assert [row.episode_id for row in rows] == [long.pk]  # one row per client
    assert rows[0].evidence["sessions_off_track"] >= supervision.NOT_ON_TRACK_SESSIONS
    assert "sessions off track" in _page(clinic)


def test_a_discussed_low_alliance_score_leaves_the_list(clinic: SimpleNamespace) -> None:
    episode = rated_episode(clinic, [20.0, 20.0], [30.0, 38.0])
    [low] = Alert.objects.filter(episode=episode, rule="low_alliance")
    assert supervision.team_overview(clinic.supervisor).undiscussed_low_alliance == [low]
    alert_acknowledge(alert=low, by=clinic.clinician, note="Talked it through")
    assert supervision.team_overview(clinic.supervisor).undiscussed_low_alliance == []
    assert "Every low alliance score has been discussed." in _page(clinic)


def test_the_page_links_to_each_team_clinicians_development_page(clinic: SimpleNamespace) -> None:
    body = _page(clinic)
    assert reverse("clinic:development", args=[clinic.clinician.pk]) in body
    assert reverse("clinic:development", args=[clinic.colleague.pk]) in body
    assert reverse("clinic:development", args=[clinic.other_supervisor.pk]) not in body


def test_only_supervisors_see_the_team_link(clinic: SimpleNamespace) -> None:
    team = reverse("clinic:team")
    assert f'href="{team}"' in _browser(clinic.supervisor).get(reverse("clinic:caseload")).text
    assert f'href="{team}"' not in _browser(clinic.clinician).get(reverse("clinic:caseload")).text
