"""The rules of ``alliance.charts`` (its docstring): one schema version, one palette, Django
only in the words module and only for translation, small modules, examples that run."""

import ast
import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import alliance
import alliance.charts
from alliance.charts import SCHEMA

PACKAGE = Path(alliance.__file__).parent
CHARTS = Path(alliance.charts.__file__).parent
MODULES = sorted(
    info.name for info in pkgutil.walk_packages(alliance.charts.__path__, "alliance.charts.")
)
COLOUR = re.compile(r"""["']#[0-9a-fA-F]{3,8}["']""")


def _sources() -> list[Path]:
    """Every module of ``alliance``: the apps, the PDF and the command line's offline page."""
    return list(PACKAGE.rglob("*.py"))


def test_the_schema_version_is_written_in_one_place_only() -> None:
    found = [p for p in _sources() if "vega.github.io/schema/vega-lite" in p.read_text()]
    assert found == [CHARTS / "spec.py"]
    assert re.fullmatch(r"https://vega\.github\.io/schema/vega-lite/v\d+\.json", SCHEMA)


def test_no_chart_colour_is_written_outside_the_palette() -> None:
    found = [p for p in _sources() if COLOUR.search(p.read_text())]
    assert found == [CHARTS / "palette.py"]


def _django_imports(path: Path) -> list[str]:
    """The Django modules the file imports from, each once."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names if a.name.split(".")[0] == "django"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "django":
            names.append(node.module or "")
    return sorted(set(names))


def test_only_the_words_import_django_and_only_its_translation() -> None:
    found = {p.name: _django_imports(p) for p in CHARTS.glob("*.py") if _django_imports(p)}
    assert found == {"words.py": ["django.utils.translation"]}


def test_no_chart_module_is_over_six_hundred_lines() -> None:
    long = [p.name for p in CHARTS.glob("*.py") if len(p.read_text().splitlines()) > 600]
    assert long == []


@pytest.mark.parametrize("name", MODULES)
def test_the_examples_in_the_docstrings_hold(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"


def test_every_builder_stamps_the_one_schema() -> None:
    from alliance import charts

    text = charts.AllianceText("d", "s", "v", "r")
    specs = [
        charts.goals_spec(scores=[charts.ScorePoint(1, 3.0, "Goal 1")], domain=(0, 10), text=text),
        charts.estimate_spec(estimate=0.5, lower=-1.0, upper=2.0, description="d"),
        charts.counts_spec([charts.Count("Sessions", 3)]),
        charts.client_progress_spec(
            scores=[charts.ScorePoint(1, 20.0)], minimum=0, maximum=40, higher_is_better=True
        ),
    ]
    assert {spec["$schema"] for spec in specs} == {SCHEMA}
