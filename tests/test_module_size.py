"""No module of alliance/ over 600 lines (issue 15): a module that grows past it mixes concerns
and is split along a seam (docs/architecture.md). Migrations are written by Django, not read."""

from pathlib import Path

LIMIT = 600
ALLIANCE = Path(__file__).resolve().parents[1] / "alliance"


def test_no_module_is_over_600_lines() -> None:
    long = {
        str(path.relative_to(ALLIANCE)): lines
        for path in ALLIANCE.rglob("*.py")
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert long == {}, f"split these along a seam: {long}"
