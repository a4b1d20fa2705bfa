"""The charts of ``alliance analyze --report`` are ``alliance.charts`` specs: the one schema
version and the one palette of the pages and the PDF, drawn in the report's language."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import vl_convert

from alliance.charts import SCHEMA, palette
from alliance.cli import analyze_report
from tests.cli.test_report_language import WHEN, compiled, sections  # noqa: F401 (fixtures)

RENDER = vl_convert.vegalite_to_svg


def _palette() -> set[str]:
    found: set[str] = set()
    for name in palette.__all__:
        value = getattr(palette, name)
        found |= {value} if isinstance(value, str) else {v for v in value if isinstance(v, str)}
    return {colour for colour in found if colour.startswith("#")}


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _specs(analysis: dict[str, Any], language: str, monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """The specs the report hands to vl-convert, in the page's order."""
    drawn: list[dict] = []

    def record(spec: dict, **options: Any) -> str:
        drawn.append(spec)
        return RENDER(spec, **options)

    monkeypatch.setattr(analyze_report.vl_convert, "vegalite_to_svg", record)
    analyze_report.render_report(analysis, source="ratings.csv", when=WHEN, language=language)
    return drawn


@pytest.fixture
def english(sections: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> list[dict]:  # noqa: F811
    return _specs(sections, "en", monkeypatch)


def _by_title(specs: list[dict], start: str) -> dict:
    [spec] = [s for s in specs if s["title"].startswith(start)]
    return spec


def test_every_chart_of_the_report_carries_the_one_schema_version(english: list[dict]) -> None:
    assert len(english) >= 4
    assert {spec["$schema"] for spec in english} == {SCHEMA}


def test_every_colour_in_the_reports_charts_comes_from_the_palette(english: list[dict]) -> None:
    colours = {s for spec in english for s in _strings(spec) if s.startswith("#")}
    assert colours
    assert colours <= _palette()


def test_the_change_classes_and_the_alerts_take_the_palettes_colours(english: list[dict]) -> None:
    classes = _by_title(english, "Share of classified episodes")["encoding"]["color"]["scale"]
    assert classes["range"] == list(palette.CLASS_COLOURS)
    assert classes["domain"][0] == "Recovered"
    alerts = _by_title(english, "Alerts by rule")
    assert alerts["layer"][0]["mark"]["color"] == palette.INK


def test_the_clients_average_is_drawn_in_ink_beside_the_expected_path(
    english: list[dict],
) -> None:
    paths = [s for s in english if "average against expected path" in s["title"]]
    assert paths
    for spec in paths:
        lines = spec["layer"][1]["encoding"]["color"]["scale"]
        assert lines == {"domain": ["Clients' average", "Expected"], "range": [palette.INK,
                         palette.EXPECTED]}  # fmt: skip


def test_the_charts_words_are_in_the_reports_language(
    sections: dict[str, Any],  # noqa: F811
    english: list[dict],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dutch = _specs(sections, "nl", monkeypatch)
    assert len(dutch) == len(english)
    for nl, en in zip(dutch, english, strict=True):
        assert nl["title"] != en["title"]
    classes = dutch[0]["encoding"]["color"]["scale"]  # the first chart: the change classes
    assert len(classes["domain"]) == 4 and "Recovered" not in classes["domain"]
