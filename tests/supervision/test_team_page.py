"""The team page: a supervisor sees every unacknowledged risk answer of their own teams first,
then every open alert, most severe first; clients off track for several sessions; and low
alliance scores nobody has discussed yet; filtered by team, clinician and kind, picked from lists
of what the supervisor may see, clinicians by name."""

from types import SimpleNamespace

from django.test import Client as Browser
from django.urls import reverse

from alliance.care.models import Episode
from alliance.clinic.forms import TeamFilterForm
from alliance.feedback.models import Alert, Severity
from alliance.feedback.services import alert_acknowledge, alerts_refresh
from alliance.measures.services import response_record
from alliance.supervision import selectors as supervision
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


def _risk_answer(clinic: SimpleNamespace, primary: object = None) -> Episode:
    """An episode whose client answered PHQ-9 item 9 above 0 at session 2."""
    episode = rated_episode(clinic, [20.0, 20.0], [39.0, 39.0], primary=primary)  # type: ignore[arg-type]
    second = episode.sessions.get(number=2)
    response_record(
        session=second,
        instrument_code="phq9",
        values={f"phq9_{n}": 1 for n in range(1, 9)} | {"phq9_9": 2},
    )
    alerts_refresh([episode])
    assert Alert.objects.filter(episode=episode, rule="risk_answer").exists()
    return episode


def test_open_alerts_come_most_severe_first_then_the_newest_session(
    clinic: SimpleNamespace,
) -> None:
    rated_episode(clinic, [20.0, 20.0], [30.0, 30.0])
    rated_episode(clinic, [20.0, 16.0, 14.0], [31.0, 39.0, 39.0])
    _risk_answer(clinic)
    alerts = supervision.team_overview(clinic.supervisor).open_alerts
    ranks = [Severity.values.index(a.severity) for a in alerts]
    assert len(set(ranks)) >= 3  # act today, high and medium alerts to order
    assert ranks == sorted(ranks)
    for rank in set(ranks):
        dates = [a.session.starts_at for a in alerts if Severity.values.index(a.severity) == rank]
        assert dates == sorted(dates, reverse=True)
    assert alerts[0].rule == "risk_answer"


def test_the_page_opens_with_unacknowledged_risk_answers_before_anything_else(
    clinic: SimpleNamespace,
) -> None:
    # Many older alerts first, then the risk answer: it must not sink to the bottom.
    for _ in range(3):
        rated_episode(clinic, [20.0, 20.0], [30.0, 30.0])
    risky = _risk_answer(clinic)
    body = _page(clinic)
    risk_section = body.index('id="risk-answers"')
    assert risk_section < body.index('id="not-on-track"') < body.index('id="open-alerts"')
    first_card = body.index('class="supervision-alert', risk_section)
    assert body.index(risky.client.display_name, risk_section) < body.index(
        "</section>", first_card
    )
    [risk] = supervision.team_overview(clinic.supervisor).risk_answers
    # The page reads its alerts as plain values (``TeamAlert``); the service takes the model.
    alert_acknowledge(
        alert=Alert.objects.get(pk=risk.pk), by=clinic.clinician, note="Called the client"
    )
    assert supervision.team_overview(clinic.supervisor).risk_answers == []
    assert "No unacknowledged risk answers." in _page(clinic)


def test_each_card_names_the_clinician_and_gives_the_session_date(
    clinic: SimpleNamespace,
) -> None:
    clinic.clinician.first_name, clinic.clinician.last_name = "Maria", "Jansen"
    clinic.clinician.save()
    episode = rated_episode(clinic, [20.0, 20.0], [30.0, 30.0])
    body = _page(clinic)
    assert "with Maria Jansen" in body
    assert "with clinician" not in body  # never the log-in name
    session = episode.sessions.get(number=2)
    assert f"session 2 on {session.starts_at:%-d %b %Y}" in body
    raised = Alert.objects.filter(episode=episode).first()
    assert raised is not None and raised.raised_at.date() != session.starts_at.date()
    assert "raised" not in body


def test_a_clinician_without_a_name_is_never_shown_by_log_in_name(
    clinic: SimpleNamespace,
) -> None:
    clinic.colleague.first_name = ""
    clinic.colleague.save()
    rated_episode(clinic, [20.0, 20.0], [30.0, 30.0], primary=clinic.colleague)
    body = _page(clinic)
    assert f"Name not set (staff no. {clinic.colleague.pk})" in body
    assert ">colleague" not in body and "with colleague" not in body


def test_the_filters_offer_only_the_supervisors_teams_and_clinicians_by_name(
    clinic: SimpleNamespace,
) -> None:
    clinic.clinician.first_name, clinic.clinician.last_name = "Maria", "Jansen"
    clinic.clinician.save()
    form = TeamFilterForm(supervisor=clinic.supervisor)
    teams = [label for value, label in form.fields["team"].choices if value]
    people = [label for value, label in form.fields["clinician"].choices if value]
    assert teams == ["Adults North"]  # not "Young People", another supervisor's team
    assert "Maria Jansen" in people and "Colleague" in people
    assert "Othersupervisor" not in people and "clinician" not in people
    body = _page(clinic)
    assert '<select name="clinician"' in body and '<select name="kind"' in body
    assert "Young People" not in body.split('id="filters-title"')[1].split("</form>")[0]


def test_the_filters_narrow_by_clinician_and_kind_but_never_hide_a_risk_answer(
    clinic: SimpleNamespace,
) -> None:
    mine = rated_episode(clinic, [20.0, 20.0], [30.0, 30.0])
    theirs = rated_episode(clinic, [20.0, 20.0], [30.0, 30.0], primary=clinic.colleague)
    risky = _risk_answer(clinic, primary=clinic.colleague)
    browser = _browser(clinic.supervisor)
    url = reverse("clinic:team")
    response = browser.get(url, {"clinician": clinic.clinician.pk, "kind": "low_alliance"})
    assert response.status_code == 200
    overview = response.context["overview"]
    assert {a.episode_id for a in overview.open_alerts} == {mine.pk}
    assert {a.rule for a in overview.open_alerts} == {"low_alliance"}
    assert [a.episode_id for a in overview.risk_answers] == [risky.pk]
    everything = browser.get(url).context["overview"]
    assert {mine.pk, theirs.pk, risky.pk} <= {a.episode_id for a in everything.open_alerts}


def test_a_team_or_clinician_typed_in_from_another_team_is_refused(
    clinic: SimpleNamespace,
) -> None:
    rated_episode(clinic, [20.0, 20.0], [30.0, 30.0])
    browser = _browser(clinic.supervisor)
    for field, value in (("team", clinic.team_b.pk), ("clinician", clinic.other_supervisor.pk)):
        response = browser.get(reverse("clinic:team"), {field: value})
        assert response.status_code == 400
        assert not response.context["overview"].filters.active  # nothing narrowed
        body = response.content.decode()
        assert f"{field.capitalize()}: choose one of" in body
    response = browser.get(reverse("clinic:team"), {"kind": "not_a_rule"})
    assert response.status_code == 400 and "Kind of alert: choose one" in response.content.decode()


def test_only_runs_of_several_sessions_count_as_not_on_track(clinic: SimpleNamespace) -> None:
    long = _off_track(clinic)
    short = rated_episode(clinic, [20.0, 16.0], [38, 38])
    assert Alert.objects.filter(episode=short, rule="not_on_track").exists()
    rows = supervision.team_overview(clinic.supervisor).not_on_track
    assert [row.episode_id for row in rows] == [long.pk]  # one row per client
    assert rows[0].evidence["sessions_off_track"] >= supervision.NOT_ON_TRACK_SESSIONS
    assert "sessions off track" in _page(clinic)


def test_a_discussed_low_alliance_score_leaves_the_list(clinic: SimpleNamespace) -> None:
    # Low at the latest session, so still open (a later 38 would resolve it by itself).
    episode = rated_episode(clinic, [20.0, 20.0], [38.0, 30.0])
    [low] = Alert.objects.filter(episode=episode, rule="low_alliance")
    shown = supervision.team_overview(clinic.supervisor).undiscussed_low_alliance
    assert [alert.pk for alert in shown] == [low.pk]
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
