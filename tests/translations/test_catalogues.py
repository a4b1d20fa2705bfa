"""Every string of the code is translated into every language the site offers, and the
catalogues compile: a new string without a Dutch or German translation, or a fuzzy one, fails
here, naming the string.

The strings come from a fresh ``makemessages`` run on a copy of the code (so the catalogues in
the repository are never written), merged into copies of the catalogues; what the merge leaves
empty or fuzzy is what the repository lacks."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.translations.catalogue import Entry, read

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
# What makemessages reads: the code and templates; never the vendored scripts or build output.
_SKIP = shutil.ignore_patterns("vendor", "*.mo", "__pycache__", "*.pyc", "*.png", "*.svg")

pytestmark = pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs gettext")


def extract(source: Path, into: Path) -> dict[str, list[Entry]]:
    """The catalogues of ``source`` (a folder holding ``alliance/``) after a fresh extraction
    of its strings, per language."""
    shutil.copytree(source / "alliance", into / "alliance", ignore=_SKIP)
    env = {**os.environ, "ALLIANCE_ENV": "test", "PYTHONPATH": str(ROOT)}
    languages = [arg for code in LANGUAGES for arg in ("-l", code)]
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", *languages, "--no-obsolete",
         "--settings=alliance.settings"],
        cwd=into, env=env, check=True, capture_output=True,
    )  # fmt: skip
    return {
        code: read(into / "alliance" / "locale" / code / "LC_MESSAGES" / "django.po")
        for code in LANGUAGES
    }


def missing(entries: list[Entry]) -> list[str]:
    return [
        f"{e.fields.get('msgctxt', '') + ': ' if 'msgctxt' in e.fields else ''}{e.msgid!r}"
        + (" (fuzzy)" if e.fuzzy else "")
        for e in entries
        if e.msgid and (e.fuzzy or not e.translated)
    ]


@pytest.fixture(scope="module")
def catalogues(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Entry]]:
    return extract(ROOT, tmp_path_factory.mktemp("catalogues"))


def test_the_site_offers_dutch_and_german() -> None:
    assert {"nl", "de"} <= set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_of_the_code_is_translated(
    catalogues: dict[str, list[Entry]], language: str
) -> None:
    assert missing(catalogues[language]) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_compiles_with_its_placeholders_intact(tmp_path: Path, language: str) -> None:
    po = ROOT / "alliance" / "locale" / language / "LC_MESSAGES" / "django.po"
    run = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(po)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr


def test_a_new_untranslated_string_is_caught(tmp_path: Path) -> None:
    """The check above can fail: a copy of the code with one new string lacks it."""
    source = tmp_path / "source"
    shutil.copytree(ROOT / "alliance", source / "alliance", ignore=_SKIP)
    view = source / "alliance" / "clinic" / "new_words.py"
    view.write_text(
        "from django.utils.translation import gettext as _\n\n"
        'WORDS = _("A sentence nobody has translated yet")\n'
    )
    found = extract(source, tmp_path / "out")
    for language in LANGUAGES:
        # Empty, or fuzzy when gettext guesses from a similar translated string: both fail.
        [lacking] = missing(found[language])
        assert lacking.startswith("'A sentence nobody has translated yet'")
