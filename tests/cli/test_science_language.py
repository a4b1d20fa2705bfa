"""The science core's messages about a bad research CSV (a value off an item's scale, a session
that is not a number) are said in the command line's language by ``alliance analyze`` and
``alliance import``: the words translated, the numbers with the language's decimal mark, the
codes and the values as the file has them; English under the C locale, word for word as before."""

from pathlib import Path

import pytest

from tests.cli.test_commands import _migrated
from tests.cli.test_language import _run, compiled  # noqa: F401 (the catalogues compiled)

BAD_CSV = (
    "episode_id,clinician_id,session,measure,score,date,item_1\n"
    "e1,c1,1,ors,20,2024-01-01,10.5\n"
    "e1,c1,x,ors,20,2024-01-08,\n"
)

SAID = {
    "nl": [
        "rij 2, kolom item_1: 10,5 ligt niet op de schaal van ors_1; "
        "toegestaan: 0 tot 10 in stappen van 0,1",
        "rij 3, kolom session: 'x' is geen sessienummer; toegestaan zijn hele getallen vanaf 1",
    ],
    "de": [
        "Zeile 2, Spalte item_1: 10,5 liegt nicht auf der Skala von ors_1; "
        "erlaubt: 0 bis 10 in Schritten von 0,1",
        "Zeile 3, Spalte session: 'x' ist keine Sitzungsnummer; erlaubt sind ganze Zahlen ab 1",
    ],
}
ENGLISH = [
    "row 2, column item_1: 10.5 is not on ors_1's scale; allowed 0 to 10 in steps of 0.1",
    "row 3, column session: 'x' is not a session number; allowed whole numbers 1 or more",
]
LOCALES = {"nl": "nl_NL.UTF-8", "de": "de_DE.UTF-8"}


def _bad_csv(tmp_path: Path) -> Path:
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(BAD_CSV, encoding="utf-8")
    return ratings


def _english_absent(stderr: str) -> None:
    for sentence in ("is not on", "is not a session number", "allowed", "in steps of"):
        assert sentence not in stderr


@pytest.mark.parametrize("code", ["nl", "de"])
def test_analyze_says_what_is_wrong_with_a_cell_in_the_users_language(
    tmp_path: Path, code: str
) -> None:
    ratings = _bad_csv(tmp_path)
    out = tmp_path / "out.json"

    result = _run("analyze", str(ratings), "--json", str(out), LANG=LOCALES[code])

    assert result.returncode == 2, result.stderr
    for line in SAID[code]:
        assert line in result.stderr
    _english_absent(result.stderr)
    assert not out.exists()


def test_analyze_keeps_the_english_messages_under_the_c_locale(tmp_path: Path) -> None:
    ratings = _bad_csv(tmp_path)

    result = _run("analyze", str(ratings), "--json", str(tmp_path / "o.json"), LANG="C.UTF-8")

    assert result.returncode == 2
    for line in ENGLISH:
        assert line in result.stderr


@pytest.mark.parametrize(
    ("code", "missing"),
    [
        ("nl", "--organisation: 'Nowhere' bestaat niet"),
        ("de", "--organisation: 'Nowhere' gibt es nicht"),
    ],
)
def test_import_says_what_is_wrong_with_a_cell_in_the_users_language(
    tmp_path: Path, code: str, missing: str
) -> None:
    env = _migrated(tmp_path)
    ratings = _bad_csv(tmp_path)

    result = _run("import", str(ratings), "--organisation", "Nowhere", LANG=LOCALES[code], **env)

    assert result.returncode == 2, result.stderr
    for line in SAID[code]:
        assert f"{ratings}: {line}" in result.stderr
    assert f"{ratings}: {missing}" in result.stderr
    _english_absent(result.stderr)
    assert "there is no" not in result.stderr


def test_import_keeps_the_english_messages_under_the_c_locale(tmp_path: Path) -> None:
    env = _migrated(tmp_path)
    ratings = _bad_csv(tmp_path)

    result = _run("import", str(ratings), "--organisation", "Nowhere", LANG="C.UTF-8", **env)

    assert result.returncode == 2
    for line in ENGLISH:
        assert f"{ratings}: {line}" in result.stderr
    assert f"{ratings}: --organisation: there is no 'Nowhere'" in result.stderr
