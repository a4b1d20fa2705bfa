"""The offline analysis page's charts (``alliance analyze --report``): change classes, the
clients' average against the expected path, dots with intervals and the alerts per rule. Every
word comes from the caller (the command line has no Django settings), every colour from the
palette."""

import vl_convert

from alliance.charts import (
    SCHEMA,
    ClassCount,
    Count,
    Interval,
    MeanPathText,
    MeanPoint,
    alerts_spec,
    class_counts_spec,
    intervals_spec,
    mean_path_spec,
)
from alliance.charts.palette import BAND, CLASS_COLOURS, COMPARED_COLOURS, EXPECTED, INK

CLASSES = ["Hersteld", "Betrouwbaar verbeterd", "Geen betrouwbare verandering", "Verslechterd"]
GROUPS = ["beter dan gemiddeld", "niet te onderscheiden", "slechter dan gemiddeld"]
PATH_TEXT = MeanPathText(
    title="phq9: gemiddelde tegen verwacht pad",
    session="Sessie",
    score="phq9-score",
    observed="Gemiddelde van de cliënten",
    expected="Verwacht",
)


def _classes() -> dict:
    rows = [ClassCount("phq9", label, i, episodes) for i, (label, episodes) in
            enumerate(zip(CLASSES, [3, 5, 9, 1], strict=True))]  # fmt: skip
    return class_counts_spec(
        rows, CLASSES, title="Aandeel", measure="Vragenlijst", share="Deel", legend="Klasse"
    )


def _path() -> dict:
    points = [MeanPoint(1, 15.0, 15.0, 12.0, 18.0), MeanPoint(2, 13.5, None, None, None)]
    return mean_path_spec(points, PATH_TEXT)


def _intervals(groups: list[str] | None = None) -> dict:
    rows = [
        Interval("10", 1.5, 0.2, 2.8, GROUPS[0]),
        Interval("2", -0.1, -1.0, 0.8, GROUPS[1]),
    ]
    return intervals_spec(
        rows, title="Effecten", label_axis="Behandelaar", value_axis="Punten",
        groups=groups or [], legend="Interval",
    )  # fmt: skip


def test_every_chart_of_the_page_stamps_the_one_schema_and_its_title() -> None:
    alerts = alerts_spec([Count("Risico", 2)], title="Signalen per regel", axis="Signalen")
    specs = {"Aandeel": _classes(), PATH_TEXT.title: _path(), "Effecten": _intervals()}
    specs["Signalen per regel"] = alerts
    for title, spec in specs.items():
        assert spec["$schema"] == SCHEMA
        assert spec["title"] == title
        assert spec["config"]["axis"]["labelFontSize"] == 12


def test_the_classes_stack_to_shares_in_their_order_with_the_palettes_colours() -> None:
    encoding = _classes()["encoding"]
    assert encoding["x"]["stack"] == "normalize"
    assert encoding["color"]["scale"] == {"domain": CLASSES, "range": list(CLASS_COLOURS)}
    assert encoding["order"] == {"field": "order", "type": "quantitative"}
    assert (encoding["y"]["title"], encoding["x"]["title"]) == ("Vragenlijst", "Deel")


def test_the_average_is_solid_ink_and_the_expected_path_dashed_in_the_callers_words() -> None:
    band, lines = _path()["layer"]
    colour, dash = lines["encoding"]["color"]["scale"], lines["encoding"]["strokeDash"]["scale"]
    assert colour == {"domain": [PATH_TEXT.observed, PATH_TEXT.expected], "range": [INK, EXPECTED]}
    assert dash["range"] == [[1, 0], [6, 4]]
    assert band["mark"]["color"] == BAND
    assert band["encoding"]["y"]["title"] == "phq9-score"


def test_a_session_without_a_prediction_keeps_its_average_and_leaves_the_rest_empty() -> None:
    band, lines = _path()["layer"]
    assert {"session": 2, "line": PATH_TEXT.observed, "score": 13.5} in lines["data"]["values"]
    assert {"session": 2, "line": PATH_TEXT.expected, "score": None} in lines["data"]["values"]
    assert band["data"]["values"][1] == {"session": 2, "lower": None, "upper": None}


def test_intervals_keep_the_callers_order_and_draw_a_dashed_zero() -> None:
    spec = _intervals()
    rule, dots, zero = spec["layer"]
    assert rule["encoding"]["y"]["sort"] == ["10", "2"]
    assert rule["mark"]["color"] == dots["mark"]["color"] == INK
    assert zero["mark"]["strokeDash"] == [4, 4]
    assert zero["data"]["values"] == [{"zero": 0.0}]


def test_grouped_intervals_list_every_group_in_the_palettes_compared_colours() -> None:
    rule, dots, _zero = _intervals(GROUPS)["layer"]
    scale = {"domain": GROUPS, "range": list(COMPARED_COLOURS)}
    assert rule["encoding"]["color"]["scale"] == dots["encoding"]["color"]["scale"] == scale
    assert "color" not in rule["mark"]


def test_alerts_are_the_reports_count_bars_with_a_title_under_the_counts() -> None:
    spec = alerts_spec([Count("Risico", 2), Count("Laag", 0)], title="Per regel", axis="Signalen")
    assert spec["layer"][0]["mark"] == {"type": "bar", "color": INK}
    assert spec["encoding"]["x"]["title"] == "Signalen"
    assert spec["encoding"]["y"]["sort"] is None


def test_every_chart_of_the_page_renders_to_svg_with_its_words() -> None:
    alerts = alerts_spec([Count("Risico", 2)], title="Per regel", axis="Signalen")
    for spec in (_classes(), _path(), _intervals(GROUPS), alerts):
        svg = vl_convert.vegalite_to_svg(spec)
        assert svg.startswith("<svg")
        assert spec["title"] in svg
