"""The trajectory preview: the model in use solid and dark, the candidate dashed and orange."""

from django.utils import translation

from alliance.charts import SCHEMA, PathPoint, paths_spec
from alliance.charts.palette import CANDIDATE, IN_USE

LABELS = ("Model in use", "Candidate fit")
POINTS = [
    PathPoint("Model in use", "Intake 12", 1, 12.0, 10.0, 14.0),
    PathPoint("Candidate fit", "Intake 12", 1, 13.0, 11.0, 15.0),
]


def test_each_point_is_one_row_of_the_data() -> None:
    spec = paths_spec(POINTS, (0.0, 40.0), "ORS", LABELS)
    assert spec["$schema"] == SCHEMA
    assert spec["data"]["values"][1] == {
        "model": "Candidate fit",
        "intake": "Intake 12",
        "session": 1,
        "expected": 13.0,
        "lower": 11.0,
        "upper": 15.0,
    }


def test_the_two_models_differ_by_colour_and_by_dash() -> None:
    band, line = paths_spec(POINTS, (0.0, 40.0), "ORS", LABELS)["layer"]
    assert line["encoding"]["color"]["scale"] == {
        "domain": list(LABELS),
        "range": [IN_USE, CANDIDATE],
    }
    assert line["encoding"]["strokeDash"]["scale"]["range"] == [[1, 0], [6, 4]]
    assert band["encoding"]["y"]["field"] == "lower"
    assert band["encoding"]["y"]["scale"] == {"domain": [0.0, 40.0]}


def test_its_words_are_translated() -> None:
    with translation.override("nl"):
        spec = paths_spec(POINTS, (0.0, 40.0), "ORS", LABELS)
    line = spec["layer"][1]["encoding"]
    assert line["x"]["title"] == "Sessie"
    assert spec["description"].startswith("Verwachte verlopen")


def test_its_tooltip_names_each_field_in_the_readers_words() -> None:
    """Vega-Lite heads a tooltip field with no title by the field's code ("model", "intake")."""
    with translation.override("de"):
        spec = paths_spec(POINTS, (0.0, 40.0), "ORS", LABELS)
    tooltip = spec["layer"][1]["encoding"]["tooltip"]
    assert [t.get("title") for t in tooltip[:2]] == ["Modell", "Aufnahmewert"]
