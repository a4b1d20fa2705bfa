"""Research CSV files as spreadsheets really save them (issue 14, point 9): a semicolon or tab
between cells, decimal commas, a byte-order mark, Windows line ends and blank lines are read;
every problem of a file comes in one pass, with its row and column."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from alliance.cli.analyze import read_ratings_csv, sniffed_delimiter
from alliance.cli.transfer import import_run
from alliance.measures.models import Response

HEADER = ["episode_id", "client_id", "clinician_id", "session", "date", "measure", "score"]
HEADER += ["item_1", "item_2", "item_3", "item_4"]
ROWS = [
    ["h1", "H-1", "clinician", "1", "2024-03-04", "ors", "24.5", "6", "6", "6.5", "6"],
    ["h1", "H-1", "clinician", "2", "2024-03-11", "ors", "26", "6.5", "6.5", "6.5", "6.5"],
]


def write(
    tmp_path: Path,
    rows: list[list[str]],
    *,
    delimiter: str = ",",
    decimal: str = ".",
    ending: str = "\n",
    bom: bool = False,
    trailer: str = "",
) -> Path:
    lines = [delimiter.join(HEADER)]
    lines += [delimiter.join(cell.replace(".", decimal) for cell in row) for row in rows]
    text = ending.join(lines) + ending + trailer
    path = tmp_path / "ratings.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


@pytest.mark.parametrize(
    "shape",
    [
        {},
        {"delimiter": ";", "decimal": ","},
        {"delimiter": "\t", "decimal": ","},
        {"delimiter": "\t"},
        {"bom": True, "ending": "\r\n"},
        {"delimiter": ";", "decimal": ",", "bom": True, "ending": "\r\n", "trailer": "\r\n"},
        {"trailer": "\n\n"},
        {"delimiter": ";", "trailer": ";;;;;;;;;;\n"},
    ],
)
def test_a_spreadsheets_csv_is_imported(
    clinic: SimpleNamespace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    shape: dict[str, object],
) -> None:
    source = write(tmp_path, ROWS, **shape)  # type: ignore[arg-type]
    assert import_run(source, clinic.org.name) == 0, capsys.readouterr().err
    assert sorted(Response.objects.values_list("total", flat=True)) == [24.5, 26.0]


def test_a_blank_line_between_rows_keeps_the_row_numbers(
    clinic: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = [*ROWS[1][:6], "41", *ROWS[1][7:]]
    path = tmp_path / "ratings.csv"
    lines = [",".join(HEADER), ",".join(ROWS[0]), "", ",".join(bad)]
    path.write_text("\n".join(lines) + "\n")
    assert import_run(path, clinic.org.name) == 2
    assert "row 4, column score" in capsys.readouterr().err


def test_every_problem_of_a_file_comes_in_one_pass(
    clinic: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad cell the table finds (a score off the scale) and one only the organisation can
    find (a clinician it does not have) used to come in two runs."""
    off_scale = [*ROWS[0][:6], "41", *ROWS[0][7:]]
    nobody = ["h2", "H-2", "nobody", *ROWS[0][3:]]
    source = write(tmp_path, [off_scale, nobody, ROWS[1]])
    assert import_run(source, clinic.org.name) == 2
    err = capsys.readouterr().err
    assert "row 2, column score" in err
    assert "row 3, column clinician_id" in err
    assert Response.objects.count() == 0


def test_a_file_that_is_not_utf8_says_how_to_save_it(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_bytes(";".join(HEADER).encode() + "\nh1;Ren\xe9e".encode("cp1252"))
    with pytest.raises(Exception, match="CSV UTF-8"):
        read_ratings_csv(path)


def test_decimal_commas_are_read_only_in_number_columns(tmp_path: Path) -> None:
    rows = [["1,5", "H,1", "clinician", "1", "2024-03-04", "ors", "24,5", "6", "6", "6,5", "6"]]
    frame = read_ratings_csv(write(tmp_path, rows, delimiter=";"))
    assert frame.loc[0, "score"] == "24.5" and frame.loc[0, "item_3"] == "6.5"
    assert frame.loc[0, "episode_id"] == "1,5" and frame.loc[0, "client_id"] == "H,1"


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [("a,b,c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ("alone", ","), ('"x;y",b', ",")],
)
def test_the_delimiter_is_read_from_the_header(header: str, delimiter: str) -> None:
    assert sniffed_delimiter(header) == delimiter
