"""Every measure an episode has is charted on the client page: PHQ-9 and GAD-7 with their
severity bands and caseness lines from the instrument files, reliable-change markers and the
expected path; the WAI-SR with its bond, goal and task subscales; each goal's ratings. The
alliance charts and the caseload sparklines span the data and the cutoff, so a 3-point drop shows.
"""

import dataclasses
from types import SimpleNamespace
from typing import Any

import pytest
import vl_convert
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from alliance.care.models import Episode
from alliance.clinic import charts, progress, selectors
from alliance.measures import catalogue
from alliance.measures.models import Response
from alliance.science.instruments import cutoff_for, reliable_change_for
from alliance.science.measure_scores import severity_ranges, subscale_range
from alliance.science.trajectories import default_model
from tests.clinic.builders import measured_episode, rated_episode
from tests.factories import PASSWORD

PHQ9 = [20, 17, 12, 9]  # moderately severe to mild: a reliable improvement (6 points) by session 3
GAD7 = [14, 15, 16, 19]  # a reliable deterioration (4 points) at session 4
WAI_SR = [48, 45, 40, 44]


def _figures(clinic: SimpleNamespace, episode: Episode) -> dict[str, progress.Figure]:
    loaded = selectors.episode_detail(clinic.clinician, episode.pk)
    found = progress.episode_figures(loaded, selectors.goal_scores(clinic.clinician, loaded))
    return {figure.key: figure for figure in found}


def _layer(figure: progress.Figure, name: str) -> dict[str, Any]:
    return next(layer for layer in figure.spec["layer"] if layer.get("name") == name)


def _y_domain(figure: progress.Figure) -> list[float]:
    return list(_layer(figure, figure_layer(figure))["encoding"]["y"]["scale"]["domain"])


def figure_layer(figure: progress.Figure) -> str:
    names = [layer.get("name") for layer in figure.spec["layer"]]
    return "scores" if "scores" in names else "ratings"


@pytest.fixture
def measured(clinic: SimpleNamespace) -> Episode:
    return measured_episode(clinic, phq9=PHQ9, gad7=GAD7, wai_sr=WAI_SR, goals=[[2, 4, 5, 7]])


def test_an_episode_with_phq9_gad7_wai_sr_and_goals_charts_every_one(
    clinic: SimpleNamespace, measured: Episode
) -> None:
    keys = list(_figures(clinic, measured))
    assert keys == [
        "chart-outcome",
        "chart-alliance",
        "chart-alliance-items",
        "chart-phq9",
        "chart-gad7",
        "chart-wai_sr",
        "chart-wai_sr-subscales",
        "chart-goals",
    ]


def test_an_ors_and_srs_episode_keeps_its_three_charts(clinic: SimpleNamespace) -> None:
    episode = rated_episode(clinic, [14.0, 15.0], [38.0, 36.0])
    assert list(_figures(clinic, episode)) == [
        "chart-outcome",
        "chart-alliance",
        "chart-alliance-items",
    ]


@pytest.mark.parametrize("code", ["phq9", "gad7"])
def test_the_severity_bands_are_the_instrument_files_shaded_and_named(
    clinic: SimpleNamespace, measured: Episode, code: str
) -> None:
    instrument = catalogue.instrument(code)
    bands = _layer(_figures(clinic, measured)[f"chart-{code}"], "severity_bands")
    expected = [(r.lower, r.upper, r.label["en"]) for r in severity_ranges(instrument)]
    assert [(b["lower"], b["upper"], b["label"]) for b in bands["data"]["values"]] == expected
    assert bands["data"]["values"][0]["lower"] == instrument.scoring.min
    assert bands["data"]["values"][-1]["upper"] == instrument.scoring.max
    assert "x" not in bands["encoding"]  # a strip across the whole chart


@pytest.mark.parametrize("code", ["phq9", "gad7"])
def test_the_caseness_line_is_the_instrument_files_cutoff(
    clinic: SimpleNamespace, measured: Episode, code: str
) -> None:
    cutoff = cutoff_for(catalogue.instrument(code), "adult")
    assert cutoff is not None
    figure = _figures(clinic, measured)[f"chart-{code}"]
    [line] = _layer(figure, "cutoff")["data"]["values"]
    assert line["cutoff"] == cutoff.total
    assert line["label"] == f"Caseness: {cutoff.total:g} or above"
    assert f"Caseness: {cutoff.total:g} or above." in figure.notes


def test_a_changed_cutoff_in_the_instrument_file_moves_the_line(
    clinic: SimpleNamespace, measured: Episode, monkeypatch: pytest.MonkeyPatch
) -> None:
    phq9 = catalogue.instrument("phq9")
    moved = dataclasses.replace(
        phq9, cutoffs=tuple(dataclasses.replace(c, total=12.0) for c in phq9.cutoffs)
    )
    real = catalogue.instrument
    monkeypatch.setattr(catalogue, "instrument", lambda c: moved if c == "phq9" else real(c))
    [line] = _layer(_figures(clinic, measured)["chart-phq9"], "cutoff")["data"]["values"]
    assert line["cutoff"] == 12.0


def test_reliable_change_is_marked_on_phq9_and_gad7_by_their_own_values(
    clinic: SimpleNamespace, measured: Episode
) -> None:
    figures = _figures(clinic, measured)
    phq9 = _layer(figures["chart-phq9"], "reliable_change")["data"]["values"]
    gad7 = _layer(figures["chart-gad7"], "reliable_change")["data"]["values"]
    phq9_change = reliable_change_for(catalogue.instrument("phq9"), "adult")
    gad7_change = reliable_change_for(catalogue.instrument("gad7"), "adult")
    assert phq9_change is not None and gad7_change is not None
    assert [m["session"] for m in phq9] == [
        n + 1 for n, v in enumerate(PHQ9) if PHQ9[0] - v >= phq9_change.points
    ]
    assert all(m["better"] for m in phq9)
    assert [m["session"] for m in gad7] == [
        n + 1 for n, v in enumerate(GAD7) if v - GAD7[0] >= gad7_change.points
    ]
    assert not any(m["better"] for m in gad7)


def test_phq9_and_gad7_have_their_expected_path_from_the_trajectory_model(
    clinic: SimpleNamespace, measured: Episode
) -> None:
    figures = _figures(clinic, measured)
    for code, scores in (("phq9", PHQ9), ("gad7", GAD7)):
        path = default_model(code).expected_path(intake=scores[0], sessions=[1, 2, 3, 4, 5])
        band = _layer(figures[f"chart-{code}"], "band")["data"]["values"]
        assert [row["expected"] for row in band] == pytest.approx(path.expected.tolist())


def test_the_wai_sr_has_no_expected_path_and_its_subscales_are_bond_goal_and_task(
    clinic: SimpleNamespace, measured: Episode
) -> None:
    figures = _figures(clinic, measured)
    assert "band" not in [layer.get("name") for layer in figures["chart-wai_sr"].spec["layer"]]
    subscales = figures["chart-wai_sr-subscales"]
    rows = _layer(subscales, "ratings")["data"]["values"]
    assert {row["series"] for row in rows} == {"Goal", "Task", "Bond"}
    stored = Response.objects.filter(session__episode=measured, instrument="wai_sr")
    expected = {
        (r.session.number, name.capitalize(), value)
        for r in stored.select_related("session")
        for name, value in r.subscales.items()
    }
    assert {(row["session"], row["series"], row["value"]) for row in rows} == expected


def test_each_goal_has_its_own_line_in_session_order(
    clinic: SimpleNamespace, clinic_goals: Episode
) -> None:
    rows = _layer(_figures(clinic, clinic_goals)["chart-goals"], "ratings")["data"]["values"]
    by_goal: dict[str, list[float]] = {}
    for row in rows:
        by_goal.setdefault(row["series"], []).append(row["value"])
    assert by_goal == {"Goal 1: Goal number 1": [2, 4, 5], "Goal 2: Goal number 2": [8, 6, 3]}


@pytest.fixture
def clinic_goals(clinic: SimpleNamespace) -> Episode:
    return measured_episode(clinic, goals=[[2, 4, 5], [8, 6, 3]])


def test_the_alliance_axes_span_the_ratings_and_the_cutoff_not_the_whole_scale(
    clinic: SimpleNamespace,
) -> None:
    episode = rated_episode(clinic, [20.0, 20.0, 20.0], [39.0, 36.0, 38.0])
    figures = _figures(clinic, episode)
    low, high = _y_domain(figures["chart-alliance"])
    assert low <= 36.0 <= high  # the ratings and the SRS cutoff (36) are on the chart
    assert high - low < 40 / 2
    share = 3 / (high - low)  # a 3-point drop takes at least a quarter of the chart's height
    assert share >= 0.25
    items_low, items_high = _y_domain(figures["chart-alliance-items"])
    assert items_low <= 9.0 <= items_high and items_high - items_low < 10


def test_a_subscale_axis_spans_its_scores_within_the_subscale_range(
    clinic: SimpleNamespace, measured: Episode
) -> None:
    figure = _figures(clinic, measured)["chart-wai_sr-subscales"]
    low, high = _y_domain(figure)
    values = [row["value"] for row in _layer(figure, "ratings")["data"]["values"]]
    smallest, largest = subscale_range(catalogue.instrument("wai_sr"), "bond")
    assert smallest <= low <= min(values) and max(values) <= high <= largest


@given(
    values=st.lists(st.floats(0, 40), max_size=12),
    cutoff=st.one_of(st.none(), st.floats(0, 40)),
)
def test_a_data_domain_holds_every_score_and_the_cutoff_inside_the_scale(
    values: list[float], cutoff: float | None
) -> None:
    low, high = charts.data_domain(values, scale=(0, 40), reference=[cutoff])
    assert 0 <= low < high <= 40
    assert high - low >= 8  # never narrower than a fifth of the scale
    for value in [*values, *([cutoff] if cutoff is not None else [])]:
        assert low <= value <= high


def test_a_data_domain_refuses_an_empty_scale() -> None:
    with pytest.raises(ValueError, match="scale"):
        charts.data_domain([1.0], scale=(5, 5))


def test_a_caseload_sparkline_spans_the_scores_and_draws_the_cutoff(
    clinic: SimpleNamespace,
) -> None:
    episode = rated_episode(clinic, [20.0, 20.0, 20.0], [39.0, 36.0, 38.0])
    [row] = [row for row in selectors.caseload_rows(clinic.clinician) if row.episode == episode]
    assert row.alliance is not None
    line = row.alliance.line
    ys = [float(point.split(",")[1]) for point in line.points.split()]
    # The 3-point drop (39 to 36) spans at least a quarter of the box's height.
    assert ys[1] - ys[0] >= (line.height - 2) / 4
    assert line.cutoff is not None and row.alliance.cutoff == 36.0
    browser = Browser()
    assert browser.login(username=clinic.clinician.username, password=PASSWORD)
    body = browser.get(reverse("clinic:caseload")).content.decode()
    assert 'class="spark-cutoff"' in body and "cutoff 36" in body


def test_the_new_specs_compile_to_svg_with_the_band_names_written_on_them(
    clinic: SimpleNamespace, measured: Episode
) -> None:
    figures = _figures(clinic, measured)
    svg = vl_convert.vegalite_to_svg(figures["chart-phq9"].spec)
    assert "Moderately severe" in svg and "Caseness: 10 or above" in svg
    for key in ("chart-gad7", "chart-wai_sr-subscales", "chart-goals"):
        assert "<svg" in vl_convert.vegalite_to_svg(figures[key].spec)


def test_the_text_alternative_names_the_severity_of_each_score(
    clinic: SimpleNamespace, measured: Episode
) -> None:
    table = _figures(clinic, measured)["chart-phq9"].table
    assert "Severity" in table.headers
    column = list(table.headers).index("Severity")
    assert [row[column] for row in table.rows] == [
        "Severe",
        "Moderately severe",
        "Moderate",
        "Mild",
    ]


def test_the_client_page_takes_the_same_queries_with_one_or_every_measure(
    clinic: SimpleNamespace, measured: Episode
) -> None:
    browser = Browser()
    assert browser.login(username=clinic.clinician.username, password=PASSWORD)
    # ORS and SRS only, with one goal: the care section reads a goal's ratings only when the
    # episode has a goal, which is not what this test is about.
    plain = measured_episode(clinic, goals=[[5]], sessions=4)

    def queries(episode: Episode) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = browser.get(reverse("clinic:episode", args=[episode.pk]))
            assert response.status_code == 200
        return len(captured)

    assert queries(plain) == queries(measured)
    body = browser.get(reverse("clinic:episode", args=[measured.pk])).content.decode()
    for key in ("chart-phq9", "chart-gad7", "chart-wai_sr-subscales", "chart-goals"):
        assert f'data-chart="{key}"' in body


def test_each_chart_names_its_measure_as_clinicians_write_it(
    clinic: SimpleNamespace, measured: Episode
) -> None:
    figures = _figures(clinic, measured)
    titles = {
        key: _layer(figures[key], figure_layer(figures[key]))["encoding"]["y"]["title"]
        for key in ("chart-outcome", "chart-phq9", "chart-gad7", "chart-wai_sr")
    }
    assert titles["chart-phq9"].startswith("PHQ-9 (")
    assert titles["chart-gad7"].startswith("GAD-7 (")
    assert titles["chart-outcome"].startswith("ORS (")
    assert titles["chart-wai_sr"].startswith("WAI-SR ")
