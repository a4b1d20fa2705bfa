"""The agency report's charts (page and PDF): outcome classes per measure, activity counts."""

import vl_convert
from django.utils import translation

from alliance.charts import SCHEMA, ClassShare, Count, class_shares_spec, counts_spec
from alliance.charts.palette import CLASS_COLOURS, INK
from alliance.charts.words import ACTIVITY_TITLE, OUTCOME_CLASSES_TITLE

CLASSES = ["Recovered", "Reliably improved", "No reliable change", "Reliably deteriorated"]


def test_each_class_bar_is_labelled_with_its_share_and_n() -> None:
    spec = class_shares_spec([ClassShare("ORS", "Recovered", 0, 0.25, 12)], CLASSES)
    assert spec["$schema"] == SCHEMA
    assert spec["data"]["values"] == [
        {"measure": "ORS", "class": "Recovered", "order": 0, "share": 0.25, "label": "25% (n=12)"}
    ]
    assert spec["facet"]["row"]["field"] == "measure"


def test_the_classes_keep_their_order_and_the_palettes_colours() -> None:
    bars = class_shares_spec([], CLASSES)["spec"]["layer"][0]["encoding"]
    assert bars["y"]["sort"] == CLASSES
    assert bars["color"]["scale"] == {"domain": CLASSES, "range": list(CLASS_COLOURS)}


def test_counts_are_ink_bars_in_the_order_given() -> None:
    spec = counts_spec([Count("Episodes", 4), Count("Sessions", 30)])
    assert spec["data"]["values"] == [
        {"what": "Episodes", "count": 4},
        {"what": "Sessions", "count": 30},
    ]
    assert spec["layer"][0]["mark"] == {"type": "bar", "color": INK}
    assert spec["encoding"]["y"]["sort"] is None


def test_the_chart_titles_are_translated() -> None:
    with translation.override("nl"):
        assert str(ACTIVITY_TITLE) == "Trajecten en sessies (aantallen)"
        assert str(OUTCOME_CLASSES_TITLE).startswith("Uitkomstklassen per vragenlijst")


def test_both_report_charts_are_valid_vega_lite() -> None:
    shares = class_shares_spec([ClassShare("PHQ9", "Recovered", 0, 0.5, 8)], CLASSES)
    for spec in (shares, counts_spec([Count("Sessions", 3)])):
        assert vl_convert.vegalite_to_svg(spec).startswith("<svg")
