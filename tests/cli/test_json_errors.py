"""A JSON file the command line cannot read is named with its line and column and what the
parser wanted, in the user's language, never with Python's own English ("Expecting value: line
1 column 1 (char 0)")."""

import json
from pathlib import Path

import pytest
from django.utils import translation

from alliance.cli.json_text import json_reason
from alliance.cli.transfer import import_run
from tests.cli.test_language import _run, compiled  # noqa: F401 (the fixture compiles)


def _reason(text: str) -> str:
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return json_reason(error, lambda words: words)
    raise AssertionError("valid JSON")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "line 1, column 1: a value was expected here"),
        ('{\n  "a": 1,\n}', "line 3, column 1: a name in double quotes was expected here"),
        ('{"a" 1}', "line 1, column 6: a colon (:) was expected here"),
        ("[1 2]", "line 1, column 4: a comma (,) was expected here"),
        ('"open', "line 1, column 1: a text in quotes is not closed"),
        ("{} []", "line 1, column 4: more follows after the end of the JSON"),
    ],
)
def test_it_names_the_line_the_column_and_what_was_wanted(text: str, said: str) -> None:
    assert _reason(text) == said


def test_a_settings_file_that_is_not_json_is_refused_in_dutch(tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text('{\n  "min_caseload": 3,\n}', encoding="utf-8")
    out = tmp_path / "out.json"
    result = _run(
        "analyze", "x.csv", "--json", str(out), "--settings", str(settings), LANG="nl_NL.UTF-8"
    )
    assert result.returncode == 2
    assert str(settings) in result.stderr and "regel 3, kolom 1" in result.stderr
    assert "Expecting" not in result.stderr and "char " not in result.stderr


@pytest.mark.django_db
def test_an_export_that_is_not_json_is_refused_in_german(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "export.json"
    source.write_text("", encoding="utf-8")
    with translation.override("de"):
        assert import_run(source, "Riverside") == 2
    err = capsys.readouterr().err
    assert str(source) in err and "Zeile 1, Spalte 1" in err
    assert "Expecting value" not in err
