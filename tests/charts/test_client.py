"""The client's own charts (thank-you page, progress page): plain words in the client's
language, the palette's ink, the measure's full range."""

import vl_convert
from django.utils import translation

from alliance.charts import (
    SCHEMA,
    BandPoint,
    ScorePoint,
    client_progress_spec,
    client_summary_spec,
)
from alliance.charts.palette import CLIENT_BAND, CLIENT_EXPECTED, INK

SCORES = [ScorePoint(1, 18.0), ScorePoint(2, 22.5)]
BAND = [BandPoint(1, 18.0, 15.0, 21.0), BandPoint(2, 20.0, 16.5, 23.5)]


def _progress(higher_is_better: bool = True) -> dict:
    return client_progress_spec(
        scores=SCORES, minimum=0, maximum=40, higher_is_better=higher_is_better
    )


def test_it_draws_the_scores_by_session_on_the_whole_scale() -> None:
    spec = _progress()
    assert spec["$schema"] == SCHEMA
    assert spec["data"]["values"] == [
        {"session": 1, "score": 18.0},
        {"session": 2, "score": 22.5},
    ]
    assert spec["encoding"]["y"]["scale"] == {"domain": [0, 40]}
    assert spec["config"]["line"] == {"color": INK}


def test_it_says_which_way_is_better_in_the_clients_language() -> None:
    with translation.override("nl"):
        spec = _progress(higher_is_better=False)
    assert spec["encoding"]["x"]["title"] == "Sessie"
    assert spec["encoding"]["y"]["title"] == "Uw score (lager is beter)"
    assert spec["description"] == "Uw scores over uw sessies; lager is beter."
    assert [t["title"] for t in spec["encoding"]["tooltip"]] == ["Sessie", "Score"]


def test_the_summary_shades_the_usual_range_behind_a_dashed_usual_path() -> None:
    band, path, scores = client_summary_spec(scores=SCORES, band=BAND, minimum=0, maximum=40)[
        "layer"
    ]
    assert band["mark"]["color"] == CLIENT_BAND
    assert band["data"]["values"][1] == {
        "session": 2,
        "lower": 16.5,
        "upper": 23.5,
        "expected": 20.0,
    }
    assert path["mark"] == {"type": "line", "strokeDash": [6, 4], "color": CLIENT_EXPECTED}
    assert scores["mark"]["color"] == INK
    assert scores["data"]["values"] == [
        {"session": 1, "score": 18.0},
        {"session": 2, "score": 22.5},
    ]


def test_the_summary_speaks_the_clients_language() -> None:
    with translation.override("nl"):
        spec = client_summary_spec(scores=SCORES, band=BAND, minimum=0, maximum=40)
    assert spec["description"].startswith("Uw scores, het gebruikelijke verloop")
    assert spec["layer"][0]["encoding"]["y"]["title"] == "Uw score"
    assert spec["layer"][0]["encoding"]["x"]["title"] == "Sessie"


def test_both_client_charts_are_valid_vega_lite() -> None:
    for spec in (_progress(), client_summary_spec(scores=SCORES, band=BAND, minimum=0, maximum=40)):
        assert vl_convert.vegalite_to_vega(spec)["$schema"].startswith("https://vega.github.io")
