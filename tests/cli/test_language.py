"""The command line speaks the user's language, chosen from the environment as gettext programs
do (LANGUAGE, LC_ALL, LC_MESSAGES, LANG): ``alliance --help``, each command's help and the
command line's own messages, also before Django is set up; commands that need Django still work
under a Dutch locale."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from alliance.cli.language import chosen
from tests.cli.test_commands import _migrated

ROOT = Path(__file__).resolve().parents[2]
ALLIANCE = Path(sys.executable).with_name("alliance")
LOCALE = ROOT / "alliance" / "locale"

# English sentences of the help that must not show once the language is Dutch or German.
ENGLISH_HELP = [
    "feedback-informed treatment, open and self-hosted",
    "Create a synthetic demo clinic",
    "Run the science core on a research CSV",
    "Export an organisation's data",
]
ENGLISH_ANALYZE_HELP = ["Where to write the results as JSON", "Also write an HTML report"]


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    """The catalogues compiled, as ``compilemessages`` leaves them (the .mo files are not in
    the repository)."""
    for code in ("nl", "de"):
        po = LOCALE / code / "LC_MESSAGES" / "django.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "-o", str(mo), str(po)], check=True)


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "ALLIANCE_ENV", "DATABASE_URL", "LANGUAGE")
        and not k.startswith("LC_")
    }
    # This checkout's code, whatever the console script was installed from.
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [str(ALLIANCE), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**clean, "COLUMNS": "200", **env},
        check=False,
    )


@pytest.mark.parametrize(
    ("environ", "code"),
    [
        ({"LANG": "nl_NL.UTF-8"}, "nl"),
        ({"LANG": "de_DE.UTF-8"}, "de"),
        ({"LANG": "C"}, "en"),
        ({}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({"LANGUAGE": "fr:de", "LANG": "nl_NL.UTF-8"}, "de"),
        ({"LC_ALL": "C", "LANG": "nl_NL.UTF-8"}, "en"),
        ({"LC_MESSAGES": "nl_BE.UTF-8", "LANG": "en_GB.UTF-8"}, "nl"),
    ],
)
def test_the_language_follows_the_environment_as_gettext_does(
    environ: dict[str, str], code: str
) -> None:
    assert chosen(environ) == code


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nl_NL.UTF-8", "feedback-geïnformeerde behandeling"),
        ("de_DE.UTF-8", "feedback-informierte Behandlung"),
    ],
)
def test_the_help_is_in_the_users_language(lang: str, expected: str) -> None:
    result = _run("--help", LANG=lang)

    assert result.returncode == 0, result.stderr
    assert expected in result.stdout
    for english in ENGLISH_HELP:
        assert english not in result.stdout
    for command in ("demo", "serve", "analyze", "import", "export", "report"):
        assert command in result.stdout  # command names are not translated


@pytest.mark.parametrize("lang", ["nl_NL.UTF-8", "de_DE.UTF-8"])
def test_a_commands_help_is_in_the_users_language(lang: str) -> None:
    result = _run("analyze", "--help", LANG=lang)

    assert result.returncode == 0, result.stderr
    for english in [*ENGLISH_HELP, *ENGLISH_ANALYZE_HELP]:
        assert english not in result.stdout
    assert "--json" in result.stdout


def test_the_help_stays_english_under_the_c_locale() -> None:
    top = _run("--help", LANG="C")
    analyze = _run("analyze", "--help", LANG="C")

    assert "feedback-informed treatment, open and self-hosted" in top.stdout
    for english in ENGLISH_ANALYZE_HELP:
        assert english in analyze.stdout


def test_an_error_of_analyze_is_in_dutch(tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    result = _run("analyze", str(missing), "--json", str(tmp_path / "out.json"), LANG="nl_NL.UTF-8")

    assert result.returncode == 2
    assert f"{missing} is geen bestand" in result.stderr
    assert "is not a file" not in result.stderr


def test_a_command_that_needs_django_still_works_in_dutch(tmp_path: Path) -> None:
    env = _migrated(tmp_path)
    helped = _run("export", "--help", LANG="nl_NL.UTF-8")
    out = tmp_path / "out.json"
    refused = _run("export", str(out), "--organisation", "Nowhere", LANG="nl_NL.UTF-8", **env)

    assert helped.returncode == 0, helped.stderr
    assert "Export an organisation's data" not in helped.stdout
    assert refused.returncode == 2, refused.stderr
    assert "Traceback" not in refused.stderr
    assert "Nowhere" in refused.stderr


# typer's own English (its click copy writes it in): none of it may show in Dutch or German.
TYPER_ENGLISH = [
    "Usage:",
    "Show this message and exit.",
    "[OPTIONS]",
    "Try '",
    "No such option",
    "Missing argument",
    "Invalid value",
    "Input should be",
    "Error",
]
TYPER_WORDS = {
    "nl_NL.UTF-8": {
        "usage": "Gebruik: alliance analyze [OPTIES]",
        "help": "Toon dit bericht en stop.",
        "try": "Probeer 'alliance analyze --help' voor hulp.",
        "option": "Onbekende optie: --bogus",
        "missing": "Argument 'ratings' ontbreekt.",
        "number": "Ongeldige waarde voor '--min-caseload': dit moet een geheel getal zijn",
    },
    "de_DE.UTF-8": {
        "usage": "Aufruf: alliance analyze [OPTIONEN]",
        "help": "Diese Hilfe anzeigen und beenden.",
        "try": "Hilfe erhalten Sie mit 'alliance analyze --help'.",
        "option": "Unbekannte Option: --bogus",
        "missing": "Argument 'ratings' fehlt.",
        "number": "Ungültiger Wert für '--min-caseload': das muss eine ganze Zahl sein",
    },
}


def _assert_no_typer_english(text: str) -> None:
    for english in TYPER_ENGLISH:
        assert english not in text, english


@pytest.mark.parametrize("lang", list(TYPER_WORDS))
def test_typers_own_words_in_the_help_are_in_the_users_language(lang: str) -> None:
    words = TYPER_WORDS[lang]
    result = _run("analyze", "--help", LANG=lang)

    assert result.returncode == 0, result.stderr
    assert words["usage"] in result.stdout
    assert words["help"] in result.stdout
    _assert_no_typer_english(result.stdout)


@pytest.mark.parametrize("lang", list(TYPER_WORDS))
def test_a_wrong_option_a_missing_argument_and_a_bad_number_are_refused_in_the_users_language(
    lang: str, tmp_path: Path
) -> None:
    words = TYPER_WORDS[lang]
    out = str(tmp_path / "out.json")
    wrong = _run("analyze", "--bogus", LANG=lang)
    missing = _run("analyze", "--json", out, LANG=lang)
    number = _run("analyze", "x.csv", "--json", out, "--min-caseload", "abc", LANG=lang)

    for result in (wrong, missing, number):
        assert result.returncode == 2
        assert words["usage"] in result.stderr
        assert words["try"] in result.stderr
        _assert_no_typer_english(result.stderr)
    assert words["option"] in wrong.stderr
    assert words["missing"] in missing.stderr
    assert words["number"] in " ".join(number.stderr.split())


def test_typers_errors_stay_as_typer_writes_them_in_english(tmp_path: Path) -> None:
    result = _run("analyze", "--json", str(tmp_path / "out.json"), LANG="C.UTF-8")

    assert "Usage: alliance analyze [OPTIONS]" in result.stderr
    assert "Try 'alliance analyze --help' for help." in result.stderr
    assert "Missing argument 'ratings'." in result.stderr


def test_a_missing_file_is_named_in_german(tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    result = _run("analyze", str(missing), "--json", str(tmp_path / "o.json"), LANG="de_DE.UTF-8")

    assert result.returncode == 2
    assert f"{missing} ist keine Datei" in result.stderr
    assert "is not a file" not in result.stderr
