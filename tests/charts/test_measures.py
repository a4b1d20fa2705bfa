"""The measure charts (outcome, alliance, goals) draw in the palette's colours and stamp the one
schema; their words come from the caller, already translated (tests/clinic/test_charts.py tests
their layers in detail)."""

from alliance.charts import (
    SCHEMA,
    AllianceText,
    ChangeMarker,
    Line,
    OutcomeText,
    ScorePoint,
    SeverityRange,
    alliance_totals_spec,
    outcome_spec,
)
from alliance.charts.palette import CUTOFF, IMPROVED, INK, SERIES_COLOURS, SEVERITY_FILLS

TEXT = OutcomeText("PHQ-9 by session", "Sessie", "PHQ-9", "Verwacht", "Bandbreedte", "PHQ-9")


def _layers(spec: dict) -> dict[str, dict]:
    return {layer.get("name", ""): layer for layer in spec["layer"]}


def test_the_outcome_chart_uses_the_palette() -> None:
    spec = outcome_spec(
        scores=[ScorePoint(1, 18.0), ScorePoint(2, 9.0)],
        band=[],
        cutoff=Line(10.0, "Caseness: 10 or above"),
        markers=[ChangeMarker(2, 9.0, "Reliable improvement", True)],
        domain=(0.0, 27.0),
        text=TEXT,
        severity=[SeverityRange(0, 5, "Minimal"), SeverityRange(5, 10, "Mild")],
    )
    layers = _layers(spec)
    assert spec["$schema"] == SCHEMA
    assert layers["scores"]["mark"]["color"] == INK
    assert layers["cutoff"]["mark"]["color"] == CUTOFF
    assert layers["reliable_change"]["encoding"]["color"]["scale"]["range"] == [IMPROVED]
    fills = [v["fill"] for v in layers["severity_bands"]["data"]["values"]]
    assert fills == list(SEVERITY_FILLS[:2])


def test_the_words_given_are_the_words_drawn() -> None:
    spec = outcome_spec(
        scores=[ScorePoint(1, 18.0)],
        band=[],
        cutoff=None,
        markers=[],
        domain=(0.0, 27.0),
        text=TEXT,
    )
    assert _layers(spec)["scores"]["encoding"]["x"]["title"] == "Sessie"


def test_the_alliance_lines_take_the_series_colours_in_order() -> None:
    scores = [ScorePoint(1, 38.0, "Client"), ScorePoint(1, 35.0, "Clinician")]
    spec = alliance_totals_spec(
        scores=scores,
        cutoff=None,
        domain=(30.0, 40.0),
        text=AllianceText("SRS", "Session", "SRS total", "Rating"),
    )
    colour = _layers(spec)["ratings"]["encoding"]["color"]["scale"]
    assert colour == {"domain": ["Client", "Clinician"], "range": list(SERIES_COLOURS[:2])}
