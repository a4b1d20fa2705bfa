"""The management commands speak the language the environment asks for when run from a shell
(as the ``alliance`` command line does: LANGUAGE, LC_ALL, LC_MESSAGES, LANG): their help,
their messages and argparse's and Django's own words. Called in-process with ``call_command``
they keep their caller's language and leave the process's gettext domain alone."""

import gettext
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.cli.test_commands import _migrated

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "alliance" / "locale"

# argparse's, Django's and our English, none of which may show in Dutch or German.
ENGLISH = [
    "usage:",
    "show this help message and exit",
    "options:",
    "Verbosity level",
    "Skip system checks.",
    "Close open episodes",
    "The day to judge from",
    "unrecognized arguments",
    "error:",
]
WORDS = {
    "nl_NL.UTF-8": {
        "help": ["gebruik: manage.py close_ghosted_episodes", "opties:", "toon deze hulp en stop",
                 "Sluit open trajecten", "Sla de systeemcontroles over."],
        "wrong": "fout: onbekende argumenten: --bogus",
        "closed": "0 trajecten gesloten als uit beeld geraakt.",
        "rebuilt": "De samenvattingen van 0 trajecten zijn opnieuw opgebouwd.",
        "refused": "--organisation: er is geen organisatie met de naam 'Nowhere'.",
    },
    "de_DE.UTF-8": {
        "help": ["Aufruf: manage.py close_ghosted_episodes", "Optionen:",
                 "diese Hilfe anzeigen und beenden", "Offene Behandlungen",
                 "Systemprüfungen überspringen."],
        "wrong": "Fehler: unbekannte Argumente: --bogus",
        "closed": "0 Behandlungen als abgebrochen geschlossen.",
        "rebuilt": "Die Übersichten von 0 Behandlungen wurden neu aufgebaut.",
        "refused": "--organisation: Es gibt keine Organisation namens 'Nowhere'.",
    },
}  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    """The catalogues compiled, as ``compilemessages`` leaves them (the .mo files are not in
    the repository)."""
    for code in ("nl", "de"):
        po = LOCALE / code / "LC_MESSAGES" / "django.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "-o", str(mo), str(po)], check=True)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated SQLite database (a copy of the one the test process migrates once)."""
    return _migrated(tmp_path_factory.mktemp("commands"))


def _manage(
    *args: str, env: dict[str, str], check: bool = False, **more: str
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "LANGUAGE", "LANG") and not k.startswith("LC_")
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**clean, "PYTHONPATH": str(ROOT), "COLUMNS": "200", **env, **more},
        check=check,
        cwd=ROOT,
    )


@pytest.mark.parametrize("lang", list(WORDS))
def test_a_commands_help_is_in_the_users_language(database: dict[str, str], lang: str) -> None:
    result = _manage("close_ghosted_episodes", "--help", env=database, LANG=lang)

    assert result.returncode == 0, result.stderr
    for word in WORDS[lang]["help"]:
        assert word in result.stdout, word
    for english in ENGLISH:
        assert english not in result.stdout, english


@pytest.mark.parametrize("lang", list(WORDS))
def test_a_wrong_option_is_refused_in_the_users_language(
    database: dict[str, str], lang: str
) -> None:
    result = _manage("close_ghosted_episodes", "--bogus", env=database, LANG=lang)

    assert result.returncode == 2
    assert WORDS[lang]["wrong"] in result.stderr
    for english in ENGLISH:
        assert english not in result.stderr, english


@pytest.mark.parametrize("lang", list(WORDS))
def test_the_commands_messages_are_in_the_users_language(
    database: dict[str, str], lang: str
) -> None:
    closed = _manage("close_ghosted_episodes", "--today", "2026-12-01", env=database, LANG=lang)
    rebuilt = _manage("rebuild_episode_summaries", env=database, LANG=lang)
    refused = _manage("report_figures_fill", "--organisation", "Nowhere", env=database, LANG=lang)

    assert closed.stdout.strip() == WORDS[lang]["closed"], closed.stderr
    assert rebuilt.stdout.strip() == WORDS[lang]["rebuilt"], rebuilt.stderr
    assert refused.returncode == 1
    assert WORDS[lang]["refused"] in refused.stderr


def test_the_commands_stay_english_under_the_c_locale(database: dict[str, str]) -> None:
    helped = _manage("close_ghosted_episodes", "--help", env=database, LANG="C.UTF-8")
    closed = _manage("close_ghosted_episodes", "--today", "2026-12-01", env=database, LANG="C")

    assert "usage: manage.py close_ghosted_episodes" in helped.stdout
    assert "show this help message and exit" in helped.stdout
    assert closed.stdout.strip() == "Closed 0 episode(s) as ghosted."


@pytest.mark.django_db
def test_called_in_process_a_command_keeps_its_callers_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANG", "de_DE.UTF-8")  # what a shell would ask for; not used here
    domain = gettext.textdomain()
    out = StringIO()
    with translation.override("nl"):
        call_command("rebuild_episode_summaries", stdout=out)
        with pytest.raises(CommandError, match="er is geen organisatie"):
            call_command("report_figures_fill", organisation="Nowhere")
    with translation.override("en"):
        call_command("rebuild_episode_summaries", stdout=out)

    assert out.getvalue().splitlines() == [
        "De samenvattingen van 0 trajecten zijn opnieuw opgebouwd.",
        "Rebuilt the summaries of 0 episodes.",
    ]
    assert gettext.textdomain() == domain
