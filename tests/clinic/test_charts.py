"""Chart specifications tested as data: the layers, values and labels the clinician relies on.

Expected-path numbers come from ``alliance.science.trajectories.default_model`` (the model the
not-on-track alert uses); the specs are compiled by vl-convert (the Vega-Lite compiler the
printed reports use) to prove they are valid Vega-Lite.
"""

from typing import Any

import pytest
import vl_convert
from hypothesis import given
from hypothesis import strategies as st

from alliance.clinic import charts
from alliance.science.trajectories import default_model

TEXT = charts.OutcomeText("ORS by session", "Session", "ORS", "Expected", "Expected range", "ORS")
ALLIANCE_TEXT = charts.AllianceText("SRS by session", "Session", "SRS total", "Rating")


def _layer(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return next(layer for layer in spec["layer"] if layer.get("name") == name)


def _band(intake: float, sessions: list[int]) -> list[charts.BandPoint]:
    path = default_model("ors").expected_path(intake=intake, sessions=sessions)
    return [
        charts.BandPoint(s, float(e), float(lo), float(hi))
        for s, e, lo, hi in zip(sessions, path.expected, path.lower, path.upper, strict=True)
    ]


def _outcome(**changes: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "scores": [
            charts.ScorePoint(1, 14.0),
            charts.ScorePoint(2, 15.0),
            charts.ScorePoint(3, 21.0),
        ],
        "band": _band(14.0, [1, 2, 3, 4]),
        "cutoff": charts.Line(25.0, "Clinical cutoff 25"),
        "markers": [charts.ChangeMarker(3, 21.0, "Reliable improvement", True)],
        "domain": (0.0, 40.0),
        "text": TEXT,
    }
    return charts.outcome_spec(**(arguments | changes))


def test_the_outcome_chart_shades_the_expected_band_from_the_trajectory_model() -> None:
    path = default_model("ors").expected_path(intake=14.0, sessions=[1, 2, 3, 4])
    band = _layer(_outcome(), "band")
    assert band["mark"]["type"] == "area"
    assert band["encoding"]["y"]["field"] == "lower"
    assert band["encoding"]["y2"] == {"field": "upper"}
    assert [row["lower"] for row in band["data"]["values"]] == pytest.approx(path.lower.tolist())
    assert [row["upper"] for row in band["data"]["values"]] == pytest.approx(path.upper.tolist())


def test_the_expected_path_is_dashed_and_starts_at_the_intake_score() -> None:
    expected = _layer(_outcome(), "expected")
    assert expected["mark"]["strokeDash"]
    assert expected["data"]["values"][0]["expected"] == pytest.approx(14.0)


def test_the_clinical_cutoff_is_a_labelled_rule_across_the_whole_chart() -> None:
    spec = _outcome()
    rule, label = _layer(spec, "cutoff"), _layer(spec, "cutoff_label")
    assert rule["mark"]["type"] == "rule"
    assert rule["data"]["values"][0]["cutoff"] == 25.0
    assert "x" not in rule["encoding"]  # no x: the rule spans the chart's width
    assert label["mark"]["type"] == "text"
    assert label["data"]["values"][0]["label"] == "Clinical cutoff 25"


def test_a_chart_without_a_cutoff_or_a_model_has_no_rule_and_no_band() -> None:
    names = {layer.get("name") for layer in _outcome(cutoff=None, band=[])["layer"]}
    assert names == {"scores", "reliable_change"}


def test_reliable_change_is_marked_with_a_shape_pointing_the_way_of_the_change() -> None:
    markers = [
        charts.ChangeMarker(3, 21.0, "Reliable improvement", True),
        charts.ChangeMarker(5, 8.0, "Reliable deterioration", False),
    ]
    shape = _layer(_outcome(markers=markers), "reliable_change")["encoding"]["shape"]
    assert shape["scale"] == {
        "domain": ["Reliable improvement", "Reliable deterioration"],
        "range": ["triangle-up", "triangle-down"],
    }


def test_the_score_axis_runs_over_the_measures_whole_range_and_sessions_are_whole_numbers() -> None:
    scores = _layer(_outcome(domain=(0.0, 27.0)), "scores")["encoding"]
    assert scores["y"]["scale"]["domain"] == [0.0, 27.0]
    assert scores["x"]["axis"]["format"] == "d"
    assert scores["x"]["scale"]["domain"] == [1, 4]


def test_each_alliance_line_has_its_own_colour_dot_shape_and_dash() -> None:
    scores = [
        charts.ScorePoint(1, 38.0, "Client, about the care"),
        charts.ScorePoint(1, 35.0, "Client, about Dr Okafor"),
        charts.ScorePoint(1, 39.0, "Maya Okafor's own rating"),
    ]
    spec = charts.alliance_totals_spec(
        scores=scores, cutoff=charts.Line(36.0, "36"), domain=(0, 40), text=ALLIANCE_TEXT
    )
    encoding = _layer(spec, "ratings")["encoding"]
    for channel in ("color", "shape", "strokeDash"):
        scale = encoding[channel]["scale"]
        assert scale["domain"] == [s.series for s in scores]
        assert len({str(value) for value in scale["range"]}) == 3, channel
    assert _layer(spec, "cutoff")["data"]["values"][0]["cutoff"] == 36.0


def test_the_specs_compile_to_svg_with_the_labels_written_on_them() -> None:
    totals = charts.alliance_totals_spec(
        scores=[charts.ScorePoint(1, 34.0, "Client"), charts.ScorePoint(2, 38.0, "Client")],
        cutoff=charts.Line(36.0, "Worth a talk at 36 or below"),
        domain=(0, 40),
        text=ALLIANCE_TEXT,
    )
    for spec in (_outcome(), totals):
        # A printed report has no container to fill: it gives the width.
        svg = vl_convert.vegalite_to_svg(spec | {"width": 480}, vl_version="6.1")
        assert "<svg" in svg
    assert "Worth a talk at 36 or below" in svg


def test_a_sparkline_puts_the_scale_bottom_at_the_bottom_of_its_box() -> None:
    line = charts.sparkline([0.0, 20.0, 40.0], low=0, high=40, width=12, height=12)
    assert line.points == "1.0,11.0 6.0,6.0 11.0,1.0"
    assert line.last == (11.0, 1.0)


def test_a_sparkline_of_one_score_is_a_single_dot() -> None:
    line = charts.sparkline([30.0], low=0, high=40)
    assert line.last is not None and line.points.count(",") == 1


def test_a_sparkline_refuses_an_empty_scale() -> None:
    with pytest.raises(ValueError, match="high"):
        charts.sparkline([1.0], low=10, high=10)


@given(st.lists(st.floats(min_value=-50, max_value=90), min_size=1, max_size=20))
def test_a_sparkline_never_draws_outside_its_box(values: list[float]) -> None:
    line = charts.sparkline(values, low=0, high=40, width=96, height=24)
    for pair in line.points.split():
        x, y = (float(part) for part in pair.split(","))
        assert 0 <= x <= 96 and 0 <= y <= 24
