"""``alliance analyze`` through the command line (typer's CliRunner on ``alliance.cli.main``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from alliance.cli import app
from alliance.science.simulate import ClinicParameters, simulate_clinic

HEADER = "episode_id,clinician_id,session,measure,score"


def analyze(*args: str | Path) -> Result:
    return CliRunner().invoke(app, ["analyze", *(str(arg) for arg in args)])


@pytest.fixture(scope="module")
def clinic_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ratings = simulate_clinic(ClinicParameters(n_clients=80, n_clinicians=4), seed=5).ratings
    path = tmp_path_factory.mktemp("clinic") / "ratings.csv"
    ratings.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def written(clinic_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    folder = tmp_path_factory.mktemp("out")
    result = analyze(clinic_csv, "--json", folder / "out.json", "--report", folder / "out.html")
    return result, folder


def test_it_writes_the_json_and_the_report_and_exits_0(written: tuple[Result, Path]) -> None:
    result, folder = written
    assert result.exit_code == 0, result.output
    analysis = json.loads((folder / "out.json").read_text())
    assert analysis["format"] == "alliance.analysis"
    assert analysis["summary"]["n_episodes"] == 80
    assert "Analysed" in result.stdout


def test_no_temporary_file_is_left_behind(written: tuple[Result, Path]) -> None:
    _, folder = written
    assert sorted(path.name for path in folder.iterdir()) == ["out.html", "out.json"]


def test_the_report_is_self_contained_with_charts_and_their_text(
    written: tuple[Result, Path],
) -> None:
    page = (written[1] / "out.html").read_text()
    assert page.count("<svg") >= 4
    assert "<script" not in page and "<link" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", page)
    assert page.count("The numbers in this chart") == page.count('role="img"')
    assert "Clinicians are listed by id, never ranked" in page


def test_bad_rows_are_printed_with_row_and_column_and_nothing_is_written(tmp_path: Path) -> None:
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(f"{HEADER}\ne1,c1,1,ors,20\ne1,c1,2,ors,forty\ne1,c1,0,srs,38\n")
    result = analyze(ratings, "--json", tmp_path / "out.json", "--report", tmp_path / "out.html")
    assert result.exit_code == 2
    assert "row 3, column score: 'forty' is not a number" in result.stderr
    assert "row 4, column session:" in result.stderr
    assert not (tmp_path / "out.json").exists() and not (tmp_path / "out.html").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ratings.csv"]


def test_an_earlier_output_is_left_untouched_on_bad_input(tmp_path: Path) -> None:
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(f"{HEADER}\ne1,c1,1,orz,20\n")
    earlier = tmp_path / "out.json"
    earlier.write_text('{"earlier": true}')
    assert analyze(ratings, "--json", earlier).exit_code == 2
    assert earlier.read_text() == '{"earlier": true}'


def test_blank_lines_keep_the_row_numbers_of_the_file(tmp_path: Path) -> None:
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(f"{HEADER}\ne1,c1,1,ors,20\n\ne1,c1,3,ors,50\n")
    result = analyze(ratings, "--json", tmp_path / "out.json")
    assert result.exit_code == 2
    assert "row 3" not in result.stderr  # a blank line is no rating (issue 14, point 9)
    assert "row 4, column score: 50 is outside ors's range 0 to 40" in result.stderr


def test_json_alone_is_written_without_a_report(tmp_path: Path) -> None:
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(f"{HEADER}\ne1,c1,1,ors,18\ne1,c1,2,ors,27.5\n")
    result = analyze(ratings, "--json", tmp_path / "out.json")
    assert result.exit_code == 0, result.output
    (episode,) = json.loads((tmp_path / "out.json").read_text())["episodes"]
    assert episode["classification"] == "recovered"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.json", "ratings.csv"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        (f"{HEADER}\ne1,c1,1,ors,20,extra,cells\n", "more cells than the header"),
        (f"{HEADER}\ne1,c1,1,ors,20\ne1,c1,2,ors,20,x\n", "not a readable CSV"),
        (b"episode_id\xff\n", "is not UTF-8 text (byte 11 is not)"),
        ("episode_id,session,measure,score\ne1,1,ors,20\n", "row 1, column clinician_id"),
    ],
)
def test_an_unreadable_file_exits_2(tmp_path: Path, content: str | bytes, message: str) -> None:
    ratings = tmp_path / "ratings.csv"
    ratings.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = analyze(ratings, "--json", tmp_path / "out.json")
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / "out.json").exists()


def test_a_missing_ratings_file_exits_2(tmp_path: Path) -> None:
    result = analyze(tmp_path / "nowhere.csv", "--json", tmp_path / "out.json")
    assert result.exit_code == 2 and "is not a file" in result.stderr


def test_an_output_in_a_missing_folder_exits_2_before_any_work(tmp_path: Path) -> None:
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(f"{HEADER}\ne1,c1,1,ors,20\n")
    result = analyze(ratings, "--json", tmp_path / "missing" / "out.json")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_it_refuses_to_overwrite_the_ratings_file(tmp_path: Path) -> None:
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(f"{HEADER}\ne1,c1,1,ors,20\n")
    result = analyze(ratings, "--json", ratings)
    assert result.exit_code == 2
    assert ratings.read_text() == f"{HEADER}\ne1,c1,1,ors,20\n"
