"""``alliance report`` on the command line: the three formats, and plain refusals with exit 2."""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner, Result

from alliance.cli import app

pytestmark = pytest.mark.django_db


def report(demo: SimpleNamespace, out: Path, *args: str, fmt: str = "csv") -> Result:
    base = ["report", "--organisation", demo.organisation, "--format", fmt, "--output", str(out)]
    return CliRunner().invoke(app, [*base, *args])


WHOLE = ("--from", "2025-01-01", "--to", "2026-12-31")


def test_it_writes_csv_with_every_figure_and_its_n(demo: SimpleNamespace, tmp_path: Path) -> None:
    result = report(demo, tmp_path / "r.csv", *WHOLE)
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "r.csv").read_text().splitlines()
    assert lines[0] == "section,figure,measure,label,value,n,unit,note"
    assert any(line.startswith("outcomes,recovered_rate,ors,") for line in lines)


def test_it_writes_json_naming_the_scope(demo: SimpleNamespace, tmp_path: Path) -> None:
    result = report(demo, tmp_path / "r.json", *WHOLE, "--team", "Adults North", fmt="json")
    assert result.exit_code == 0, result.output
    written = json.loads((tmp_path / "r.json").read_text())
    assert written["report"]["team"] == "Adults North"
    assert all("n" in row for row in written["figures"])


def test_it_writes_a_pdf(demo: SimpleNamespace, tmp_path: Path) -> None:
    result = report(demo, tmp_path / "r.pdf", *WHOLE, "--clinician", "therapist", fmt="pdf")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2026-02-01", "--to", "2026-01-01"), "--to: The end date must be on or after"),
        (("--from", "2020-01-01", "--to", "2020-12-31"), "Nothing happened in this range"),
        ((*WHOLE, "--team", "Nowhere"), "team: No team of that name"),
        ((*WHOLE, "--clinician", "nobody"), "clinician: No clinician of that name"),
        ((*WHOLE, "--measure", "wai_sr"), "Unknown outcome measure wai_sr"),
        (("--from", "2026-13-01", "--to", "2026-12-31"), "is not a date"),
    ],
    ids=["backwards", "empty", "team", "clinician", "measure", "date"],
)
def test_it_refuses_plainly_and_exits_non_zero(
    demo: SimpleNamespace, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = report(demo, tmp_path / "r.csv", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "r.csv").exists()


def test_it_refuses_an_unknown_organisation(tmp_path: Path) -> None:
    demo = SimpleNamespace(organisation="Nowhere Clinic")
    result = report(demo, tmp_path / "r.csv", *WHOLE)
    assert result.exit_code == 2 and "No organisation of that name" in result.output
