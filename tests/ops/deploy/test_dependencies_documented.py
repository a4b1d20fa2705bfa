"""Every dependency in pyproject.toml is named in docs/dependencies.md with why it is there."""

import re
import tomllib

from alliance.settings import BASE_DIR


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[=<>~! ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_every_dependency_has_a_row_in_the_dependencies_page() -> None:
    project = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]
    wanted = _names(project["dependencies"]) | _names(project["optional-dependencies"]["dev"])
    page = (BASE_DIR / "docs" / "dependencies.md").read_text().lower()
    rows = [line.split("|")[1] for line in page.splitlines() if line.startswith("| ")]
    named = {name.strip() for row in rows for name in re.split(r"[,(]", row)}
    named |= {part.split()[0] for row in rows for part in row.split(",") if part.split()}
    missing = sorted(
        name for name in wanted if name not in named and name.replace("-python", "") not in named
    )
    assert not missing, f"docs/dependencies.md has no row for {', '.join(missing)}"
