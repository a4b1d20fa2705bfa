"""The client page's charts built from the database: the expected band the alerts use, the cutoff
for the client's age group, reliable-change markers (Jacobson & Truax through
``alliance.science.change``) and alliance ratings kept apart by who rated and about whom."""

from types import SimpleNamespace
from typing import Any

import pytest

from alliance.accounts.models import Role
from alliance.care.models import CareRole, Episode
from alliance.clinic import progress
from alliance.clinic.selectors import episode_detail
from alliance.feedback.models import Alert
from alliance.measures.services import response_record
from alliance.science.trajectories import default_model
from tests.clinic.builders import rated_episode, srs
from tests.factories import make_user


def _loaded(clinic: SimpleNamespace, episode: Episode) -> Episode:
    return episode_detail(clinic.clinician, episode.pk)


def _values(figure: progress.Figure, layer: str) -> list[dict[str, Any]]:
    found = next(x for x in figure.spec["layer"] if x.get("name") == layer)
    return list(found["data"]["values"])


def test_the_expected_band_starts_at_the_intake_score_and_runs_one_session_ahead(
    clinic: SimpleNamespace,
) -> None:
    episode = rated_episode(clinic, [14.0, 15.0, 16.0])
    band = _values(progress.outcome_figure(_loaded(clinic, episode)), "band")
    path = default_model("ors").expected_path(intake=14.0, sessions=[1, 2, 3, 4])
    assert [row["session"] for row in band] == [1, 2, 3, 4]
    assert [row["expected"] for row in band] == pytest.approx(path.expected.tolist())


def test_the_band_edge_is_the_boundary_the_not_on_track_alert_used(
    clinic: SimpleNamespace,
) -> None:
    episode = rated_episode(clinic, [14.0, 15.0, 12.0])
    alert = Alert.objects.get(episode=episode, rule="not_on_track")
    band = _values(progress.outcome_figure(_loaded(clinic, episode)), "band")
    at_alert = next(row for row in band if row["session"] == alert.session.number)
    assert at_alert["lower"] == pytest.approx(alert.evidence["expected_boundary"])


def test_reliable_change_is_marked_where_the_change_from_intake_reaches_five_ors_points(
    clinic: SimpleNamespace,
) -> None:
    # ORS adult reliable change 5 (instrument file): 14 -> 18 is not reliable, 14 -> 19 is;
    # 30 -> 24.9 is a reliable deterioration.
    better = rated_episode(clinic, [14.0, 18.0, 19.0, 26.0])
    worse = rated_episode(clinic, [30.0, 24.9])
    marks = _values(progress.outcome_figure(_loaded(clinic, better)), "reliable_change")
    assert [(m["session"], m["kind"]) for m in marks] == [
        (3, "Reliable improvement"),
        (4, "Reliable improvement, out of the clinical range"),
    ]
    [fall] = _values(progress.outcome_figure(_loaded(clinic, worse)), "reliable_change")
    assert (fall["session"], fall["better"]) == (2, False)


def test_the_cutoff_follows_the_clients_age_group(clinic: SimpleNamespace) -> None:
    adult = rated_episode(clinic, [20.0])
    young = rated_episode(clinic, [20.0])
    young.client.age_group = "adolescent"
    young.client.save(update_fields=["age_group"])
    for episode, cutoff in ((adult, 25.0), (young, 28.0)):
        [rule] = _values(progress.outcome_figure(_loaded(clinic, episode)), "cutoff")
        assert rule["cutoff"] == cutoff


def test_the_figure_says_where_the_expected_path_comes_from(clinic: SimpleNamespace) -> None:
    figure = progress.outcome_figure(_loaded(clinic, rated_episode(clinic, [20.0, 22.0])))
    assert "provisional default, built from published figures" in " ".join(figure.notes)
    assert "Finch" in figure.citation


def test_the_text_alternative_has_every_score_and_its_expected_range(
    clinic: SimpleNamespace,
) -> None:
    figure = progress.outcome_figure(_loaded(clinic, rated_episode(clinic, [14.0, 21.5])))
    assert [row[2] for row in figure.table.rows] == ["14.0", "21.5"]
    assert all("–" in row[3] for row in figure.table.rows)
    assert figure.table.rows[1][4] == "Reliable improvement"
    assert "21.5" in figure.summary


def test_an_episode_without_scores_has_no_chart_to_draw(clinic: SimpleNamespace) -> None:
    figure = progress.outcome_figure(_loaded(clinic, rated_episode(clinic, [None])))
    assert figure.has_data is False
    assert "No Outcome Rating Scale scores yet" in figure.summary


def test_alliance_ratings_about_the_team_a_named_member_and_the_clinicians_own_stay_apart(
    clinic: SimpleNamespace,
) -> None:
    episode = rated_episode(clinic, [20.0, 21.0], [38.0, 37.0])
    prescriber = make_user(
        "prescriber", organisation=clinic.org, role=Role.CLINICIAN, team=clinic.team_a
    )
    prescriber.first_name, prescriber.last_name = "Ada", "Byrne"
    prescriber.save()
    episode.care_team.create(member=prescriber, role=CareRole.PRESCRIBER)
    second = episode.sessions.get(number=2)
    response_record(
        session=second, instrument_code="srs", values=srs(31.0), about_member=prescriber
    )
    response_record(
        session=second,
        instrument_code="srs",
        values=srs(39.0),
        rater="clinician",
        rater_user=clinic.clinician,
        method="clinician",
    )
    totals, items = progress.alliance_figures(_loaded(clinic, episode))
    lines = {(row["series"], row["session"]): row["value"] for row in _values(totals, "ratings")}
    assert lines == {
        ("Client, about the care", 1): 38.0,
        ("Client, about the care", 2): 37.0,
        ("Client, about Ada Byrne", 2): 31.0,
        ("Clinician's own rating", 2): 39.0,
    }
    # The items chart shows the client's ratings of the care only, never mixed with others'.
    second_items = [row["value"] for row in _values(items, "ratings") if row["session"] == 2]
    assert sum(second_items) == pytest.approx(37.0)
    assert _values(items, "cutoff")[0]["cutoff"] == 9.0
    assert _values(totals, "cutoff")[0]["cutoff"] == 36.0
