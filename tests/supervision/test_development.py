"""A clinician's development page: caseload, alerts, alliance, unplanned endings, the adjusted
outcome estimate (shown only above the minimum caseload) and trends by quarter."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.test import override_settings
from django.urls import reverse

from alliance.feedback.models import Alert
from alliance.feedback.services import alert_acknowledge
from alliance.supervision import selectors as supervision
from alliance.supervision.charts import estimate_figure
from tests.clinic.builders import rated_episode
from tests.factories import PASSWORD
from tests.supervision.builders import rated_episodes


def _get(clinic: SimpleNamespace, viewer: str, whose: str) -> int:
    browser = Browser()
    assert browser.login(username=getattr(clinic, viewer).username, password=PASSWORD)
    url = reverse("clinic:development", args=[getattr(clinic, whose).pk])
    return browser.get(url).status_code


def test_a_clinician_sees_only_their_own_development_page(clinic: SimpleNamespace) -> None:
    assert _get(clinic, "clinician", "clinician") == 200
    assert _get(clinic, "clinician", "colleague") == 404
    assert _get(clinic, "clinician", "supervisor") == 404


def test_supervisor_sees_team_members_but_not_other_teams(clinic: SimpleNamespace) -> None:
    assert _get(clinic, "supervisor", "colleague") == 200
    assert _get(clinic, "supervisor", "other_supervisor") == 404
    assert _get(clinic, "other_supervisor", "clinician") == 404


def test_a_supervisor_sees_only_the_episodes_of_teams_they_supervise(
    clinic: SimpleNamespace,
) -> None:
    rated_episodes(clinic.team_a, clinic.clinician, [(20, 25)] * 2)
    rated_episodes(clinic.team_b, clinic.clinician, [(20, 25)] * 3)
    seen_by_supervisor = supervision.clinician_development(clinic.supervisor, clinic.clinician)
    seen_by_self = supervision.clinician_development(clinic.clinician, clinic.clinician)
    assert seen_by_supervisor.active_episodes == 3  # the standing episode and two more
    assert seen_by_self.active_episodes == 6


def test_it_counts_alerts_alliance_and_unplanned_endings(clinic: SimpleNamespace) -> None:
    episode = rated_episode(clinic, [20.0, 20.0, 20.0, 20.0], [30.0, 38.0, 40.0, 34.0])
    first = Alert.objects.filter(episode=episode, rule="low_alliance").order_by("pk").first()
    alert_acknowledge(alert=first, by=clinic.clinician)
    rated_episodes(clinic.team_a, clinic.clinician, [(20, 25)], ending="planned")
    rated_episodes(clinic.team_a, clinic.clinician, [(20, 25)] * 2, ending="ghosted")
    rated_episodes(clinic.team_a, clinic.clinician, [(20, 25)], ending="client_initiated")
    found = supervision.clinician_development(clinic.clinician, clinic.clinician)
    assert found.acknowledged_alerts == 1
    assert found.open_alerts == Alert.objects.open().count()
    # SRS: 30, 38, 40, 34 on the one episode, 38 twice on each of the four others.
    assert found.alliance_ratings == 12
    assert found.mean_alliance == pytest.approx((30 + 38 + 40 + 34 + 38 * 8) / 12)
    assert found.at_or_below_cutoff == pytest.approx(2 / 12)
    assert (found.ended_episodes, found.unplanned_endings) == (4, 3)
    assert found.unplanned_share == pytest.approx(0.75)


def test_quarters_count_sessions_and_mean_alliance_per_calendar_quarter(
    clinic: SimpleNamespace,
) -> None:
    rated_episodes(clinic.team_a, clinic.clinician, [(20, 25)] * 2, alliance=30.0)
    rated_episodes(
        clinic.team_a, clinic.clinician, [(20, 25)], alliance=40.0, start=dt.date(2026, 4, 6)
    )
    # Ended two weeks after a start in late June: the ending falls in the third quarter.
    rated_episodes(
        clinic.team_a,
        clinic.clinician,
        [(20, 25)],
        alliance=36.0,
        start=dt.date(2026, 6, 22),
        ending="ghosted",
    )
    quarters = supervision.clinician_development(clinic.clinician, clinic.clinician).quarters
    assert [q.label for q in quarters] == ["2026 Q1", "2026 Q2", "2026 Q3"]
    assert [(q.endings, q.unplanned_endings) for q in quarters] == [(0, 0), (0, 0), (1, 1)]
    # The standing episode has one attended session without ratings, in January.
    assert [q.sessions for q in quarters] == [5, 4, 0]
    assert [q.mean_alliance for q in quarters] == [30.0, 38.0, None]
    assert [q.at_or_below_cutoff for q in quarters] == [1.0, 0.5, None]


def _agency(clinic: SimpleNamespace, *, own: int, ending: str = "planned") -> None:
    # The clinician's clients end 8 ORS points higher than colleagues' with the same intake.
    intakes = [12.0, 15.0, 18.0, 21.0, 24.0, 14.0, 17.0, 20.0, 23.0, 13.0, 16.0, 19.0]
    own_outcomes = [(i, i + 12.0) for i in intakes[:own]]
    rated_episodes(clinic.team_a, clinic.clinician, own_outcomes, ending=ending)
    for peer, shift in ((clinic.colleague, 3.0), (clinic.supervisor, 5.0)):
        rated_episodes(clinic.team_a, peer, [(i, i + shift) for i in intakes], ending="planned")
    others = [(i, i + 4.0) for i in intakes]
    rated_episodes(clinic.team_b, clinic.other_supervisor, others, ending="planned")


def test_open_episodes_are_left_out_of_the_estimate_by_default(clinic: SimpleNamespace) -> None:
    _agency(clinic, own=12, ending="")
    estimate = supervision.outcome_estimate(clinic.clinician, min_caseload=10)
    assert estimate.effect is None and estimate.episodes == 0
    assert estimate.agency_episodes == 36  # the colleagues' closed episodes only


def test_a_site_may_count_open_episodes_too(clinic: SimpleNamespace) -> None:
    _agency(clinic, own=12, ending="")
    with override_settings(ALLIANCE={**_settings(), "CLINICIAN_CLOSED_EPISODES_ONLY": False}):
        estimate = supervision.outcome_estimate(clinic.clinician, min_caseload=10)
    assert estimate.shown and estimate.episodes == 12 and estimate.agency_episodes == 48


def test_the_interval_uses_the_sites_level(clinic: SimpleNamespace) -> None:
    _agency(clinic, own=12)
    usual = supervision.outcome_estimate(clinic.clinician, min_caseload=10)
    with override_settings(ALLIANCE={**_settings(), "INTERVAL_LEVEL": 0.99}):
        strict = supervision.clinician_development(clinic.clinician, clinic.clinician).estimate
    assert usual.level == 0.95 and strict.level == 0.99
    assert usual.effect is not None and strict.effect is not None
    assert strict.effect.upper - strict.effect.lower > usual.effect.upper - usual.effect.lower


def test_the_estimate_is_hidden_below_the_minimum_caseload(clinic: SimpleNamespace) -> None:
    _agency(clinic, own=9)
    estimate = supervision.outcome_estimate(clinic.clinician, min_caseload=10)
    assert (estimate.shown, estimate.category, estimate.episodes) == (False, "hidden", 9)
    browser = Browser()
    assert browser.login(username=clinic.clinician.username, password=PASSWORD)
    body = browser.get(reverse("clinic:development", args=[clinic.clinician.pk])).text
    assert "there are 9 so far" in body


def test_the_estimate_says_above_average_when_the_interval_clears_it(
    clinic: SimpleNamespace,
) -> None:
    _agency(clinic, own=12)
    estimate = supervision.outcome_estimate(clinic.clinician, min_caseload=10)
    assert estimate.shown and estimate.category == "above"
    assert estimate.effect is not None and estimate.effect.lower > 0
    assert (estimate.agency_episodes, estimate.agency_clinicians) == (48, 4)
    with override_settings(ALLIANCE={**_settings(), "MIN_CASELOAD": 10}):
        browser = Browser()
        assert browser.login(username=clinic.supervisor.username, password=PASSWORD)
        body = browser.get(reverse("clinic:development", args=[clinic.clinician.pk])).text
    assert "Above the agency average" in body
    assert "Clinicians are never ranked" in body


def test_the_estimate_is_hidden_above_the_site_minimum(clinic: SimpleNamespace) -> None:
    _agency(clinic, own=12)
    with override_settings(ALLIANCE={**_settings(), "MIN_CASELOAD": 20}):
        found = supervision.clinician_development(clinic.clinician, clinic.clinician)
    assert not found.estimate.shown and found.estimate.min_caseload == 20


def test_without_colleagues_there_is_no_estimate(clinic: SimpleNamespace) -> None:
    rated_episodes(clinic.team_a, clinic.clinician, [(15.0, 25.0)] * 12)
    estimate = supervision.outcome_estimate(clinic.clinician, min_caseload=10)
    assert estimate.effect is None and not estimate.shown


def _settings() -> dict[str, object]:
    from django.conf import settings

    return dict(settings.ALLIANCE)


def test_the_chart_shows_only_this_clinicians_interval_around_the_agency_average(
    clinic: SimpleNamespace,
) -> None:
    _agency(clinic, own=12)
    estimate = supervision.outcome_estimate(clinic.clinician, min_caseload=10)
    figure = estimate_figure(estimate)
    assert figure is not None and estimate.effect is not None
    [values] = figure.spec["data"]["values"]
    assert values == {
        "estimate": estimate.effect.estimate,
        "lower": estimate.effect.lower,
        "upper": estimate.effect.upper,
    }
    assert figure.spec["layer"][0]["encoding"]["x"]["datum"] == 0
    assert len(figure.table.rows) == 1


def test_there_is_no_chart_below_the_minimum_caseload(clinic: SimpleNamespace) -> None:
    _agency(clinic, own=9)
    assert estimate_figure(supervision.outcome_estimate(clinic.clinician, min_caseload=10)) is None


def test_the_alliance_share_follows_the_sites_cutoff(clinic: SimpleNamespace, settings) -> None:  # type: ignore[no-untyped-def]
    rated_episode(clinic, [20.0, 20.0, 20.0, 20.0], [30.0, 38.0, 40.0, 34.0])
    settings.ALLIANCE = {
        **settings.ALLIANCE,
        "ALERTS": {**settings.ALLIANCE["ALERTS"], "alliance_cutoff": 38.0},
    }
    found = supervision.clinician_development(clinic.clinician, clinic.clinician)
    assert found.alliance_cutoff == 38.0
    assert found.at_or_below_cutoff == pytest.approx(3 / 4)
