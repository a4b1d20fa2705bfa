"""The development page's estimate: one clinician against the agency average, never a
ranking."""

import pytest
from django.utils import translation

from alliance.charts import SCHEMA, estimate_spec
from alliance.charts.palette import CUTOFF, INK


def _spec(**changes: float) -> dict:
    arguments = {"estimate": 1.5, "lower": -0.5, "upper": 3.5} | changes
    return estimate_spec(**arguments, description="The dot is the estimate")


def test_the_axis_holds_the_interval_with_a_quarter_to_spare_around_zero() -> None:
    spec = _spec()
    rule = spec["layer"][0]["encoding"]["x"]
    assert rule["datum"] == 0
    assert rule["scale"]["domain"] == pytest.approx([-4.375, 4.375])


def test_a_narrow_interval_still_gets_an_axis_of_at_least_one_and_a_quarter() -> None:
    assert _spec(estimate=0.1, lower=-0.2, upper=0.3)["layer"][0]["encoding"]["x"]["scale"][
        "domain"
    ] == pytest.approx([-1.25, 1.25])


def test_the_average_is_the_cutoff_colour_and_the_estimate_the_ink() -> None:
    average, label, interval, dot = _spec()["layer"]
    assert average["mark"]["color"] == label["mark"]["color"] == CUTOFF
    assert interval["mark"]["color"] == dot["mark"]["color"] == INK
    assert _spec()["$schema"] == SCHEMA
    assert _spec()["data"]["values"] == [{"estimate": 1.5, "lower": -0.5, "upper": 3.5}]


def test_its_words_are_translated() -> None:
    with translation.override("nl"):
        spec = _spec()
    assert spec["layer"][1]["encoding"]["text"] == {"value": "gemiddelde van de instelling"}
    assert spec["layer"][0]["encoding"]["x"]["title"] == (
        "ORS-punten (0: het gemiddelde van de instelling)"
    )
