"""The example environment file and docs/settings.md list every variable settings.py reads, so a
new setting cannot be added without telling the operator."""

import re

from alliance.settings import BASE_DIR

SETTINGS = BASE_DIR / "alliance" / "settings.py"
EXAMPLE = BASE_DIR / "deploy" / "alliance.env.example"
SETTINGS_DOC = BASE_DIR / "docs" / "settings.md"


def _variables_read_by_settings() -> set[str]:
    # Every environment read goes through a helper given the name as a literal string.
    return set(re.findall(r"\"((?:ALLIANCE|DATABASE)_[A-Z0-9_]+)\"", SETTINGS.read_text()))


def _variables_in_example() -> set[str]:
    # Commented lines count: "#NAME=default" documents a variable left at its default.
    pattern = re.compile(r"^#?\s*([A-Z][A-Z0-9_]+)=", re.MULTILINE)
    return set(pattern.findall(EXAMPLE.read_text()))


def test_it_finds_the_variables_settings_reads() -> None:
    found = _variables_read_by_settings()
    assert {"ALLIANCE_ENV", "ALLIANCE_SECRET_KEY", "DATABASE_URL"} <= found
    assert len(found) > 20


def test_the_example_environment_lists_every_variable_settings_reads() -> None:
    missing = _variables_read_by_settings() - _variables_in_example()
    assert missing == set(), f"add these to deploy/alliance.env.example: {sorted(missing)}"


def test_docs_settings_explains_every_variable_settings_reads() -> None:
    documented = set(re.findall(r"`((?:ALLIANCE|DATABASE)_[A-Z0-9_]+)`", SETTINGS_DOC.read_text()))
    missing = _variables_read_by_settings() - documented
    assert missing == set(), f"add these to docs/settings.md: {sorted(missing)}"


def test_the_example_holds_no_real_secret() -> None:
    values = dict(
        line.split("=", 1)
        for line in EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert values["ALLIANCE_ENV"] == "production"
    assert "replace-me" in values["ALLIANCE_SECRET_KEY"]
    assert "replace-me" in values["DATABASE_URL"]
