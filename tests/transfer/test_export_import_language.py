"""A broken full export is refused in the language of whoever imports it (issue 17): a bad shape,
a bad value, a voice record naming what is not there, a restore conflict and a refused access
change each come out in Dutch, German or English, as the catalogue translates them, while the
English message (``RowError.message``, what logs, tests and API clients read) stays word for
word what it was. Once more through the real ``alliance import`` under a Dutch locale."""

import json
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext

from alliance.accounts.models import Organisation, Role
from alliance.cli.transfer import import_run
from alliance.measures.services import response_record
from alliance.transfer.selectors import organisation_export
from alliance.transfer.services import organisation_import
from tests.cli.test_commands import _migrated
from tests.cli.test_language import _run
from tests.factories import make_user

LOCALE = Path(__file__).resolve().parents[2] / "alliance" / "locale"
LANGUAGES = ["nl", "de", "en"]
PHQ9 = {f"phq9_{n}": 1 for n in range(1, 10)} | {"phq9_9": 0}
SESSION = "episodes[0].sessions[0]"

# What a case says, worded by the active language's catalogue (English: the words themselves).
Said = Callable[[], str]
Case = tuple[dict[str, Any], str, Said]


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    """The catalogues compiled, as ``compilemessages`` leaves them (never committed)."""
    for code in ("nl", "de"):
        po = LOCALE / code / "LC_MESSAGES" / "django.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "-o", str(mo), str(po)], check=True)


def _exported(clinic: SimpleNamespace, name: str = "Elsewhere") -> dict[str, Any]:
    """The clinic's export with one PHQ-9; renamed and re-keyed (unless ``name`` is the clinic's
    own) so it restores beside the clinic."""
    response_record(session=clinic.session, instrument_code="phq9", values=PHQ9)
    document = json.loads(json.dumps(organisation_export(organisation=clinic.org)))
    if name != clinic.org.name:
        document["organisation"]["name"] = name
        for response in document["episodes"][0]["sessions"][0]["responses"]:
            response["idempotency_key"] = str(uuid.uuid4())
    return document


def _in(language: str, said: Said) -> str:
    """The sentence ``said`` in ``language``, from the compiled catalogue."""
    with translation.override(language):
        return said()


def _shown(document: dict[str, Any], tmp_path: Path, language: str) -> tuple[str, str]:
    """What ``alliance import`` prints for ``document`` in ``language`` (in-process), and the
    English messages of the same import."""
    source = tmp_path / f"export-{language}.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    with translation.override(language):
        outcome = organisation_import(source=document, organisation="", progress=lambda *_: None)
        code = import_run(source, "")
    assert code == 2
    return str(source), " | ".join(f"{e.column}: {e.message}" for e in outcome.errors)


def _a_bad_shape(clinic: SimpleNamespace) -> Case:
    document = _exported(clinic)
    document["episodes"][0]["sessions"][0]["number"] = "1"
    return (
        document,
        f"{SESSION}.number",
        lambda: (
            gettext("expected a whole number from %(low)s to %(high)s, got %(got)s")
            % {
                "low": -2147483648,
                "high": 2147483647,
                "got": gettext("the string %(text)s") % {"text": "'1'"},
            }
        ),
    )


def _a_bad_value(clinic: SimpleNamespace) -> Case:
    document = _exported(clinic)
    sessions = document["episodes"][0]["sessions"]
    sessions.append(json.loads(json.dumps(sessions[0])) | {"responses": []})
    number = sessions[0]["number"]

    def said() -> str:
        words = ngettext(
            "%(value)s appears %(count)d time; each session number once",
            "%(value)s appears %(count)d times; each session number once",
            2,
        )
        return words % {"value": repr(number), "count": 2}

    return document, "episodes[0].sessions", said


def _a_bad_choice(clinic: SimpleNamespace) -> Case:
    """Django's own words for a field (a choice the model does not have)."""
    document = _exported(clinic)
    document["episodes"][0]["sessions"][0]["status"] = "vanished"
    return (
        document,
        f"{SESSION}.status",
        lambda: gettext("Value %(value)r is not a valid choice.") % {"value": "vanished"},
    )


def _a_voice_record(clinic: SimpleNamespace) -> Case:
    document = _exported(clinic)
    stranger = str(uuid.uuid4())
    document["episodes"][0]["voice"]["comments"] = [
        {"response": stranger, "text": "It helped", "created_at": "2026-01-05T10:30:00+00:00"}
    ]
    return (
        document,
        "episodes[0].voice.comments[0].response",
        lambda: (
            gettext("%(value)s is not among the episode's responses") % {"value": repr(stranger)}
        ),
    )


def _a_restore_conflict(
    clinic: SimpleNamespace,
) -> Case:
    """The clinic's own export under a second name: its responses are stored already."""
    document = _exported(clinic, name=clinic.org.name)
    document["organisation"]["name"] = "A second clinic"
    episode = document["episodes"][0]
    key = episode["sessions"][0]["responses"][0]["idempotency_key"]
    template = (
        "episodes %(episode)s: response %(response)s is already stored for another episode; an "
        "export can be restored into one organisation only"
    )
    return (
        document,
        "episodes[0].sessions[].responses[].idempotency_key",
        lambda: gettext(template) % {"episode": episode["key"], "response": key},
    )


def _a_refused_access(clinic: SimpleNamespace) -> Case:
    """A new role in the organisation that exists already, without --allow-access-changes."""
    document = _exported(clinic, name=clinic.org.name)
    newcomer = make_user("newcomer", organisation=Organisation.objects.create(name="Other"))
    document["users"].append(
        {"username": newcomer.username, "date_joined": "2026-01-01T09:00:00+00:00"}
    )
    document["memberships"].append(
        {"user": newcomer.username, "team": None, "role": Role.ADMINISTRATOR}
    )
    at = f"memberships[{len(document['memberships']) - 1}]"
    template = (
        "%(change)s; %(organisation)s exists already, so this would change who has access "
        "there. Nothing was written; import with %(flag)s to allow it"
    )

    def said() -> str:
        change = gettext("would give %(user)s the role %(role)s") % {
            "user": "'newcomer'",
            "role": "administrator",
        }
        return gettext(template) % {
            "change": change,
            "organisation": clinic.org.name,
            "flag": "--allow-access-changes",
        }

    return document, at, said


CASES = {
    "a bad shape": _a_bad_shape,
    "a bad value with a count": _a_bad_value,
    "a bad choice in Django's words": _a_bad_choice,
    "a voice record naming another response": _a_voice_record,
    "a restore conflict": _a_restore_conflict,
    "a refused access change": _a_refused_access,
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("case", list(CASES))
def test_a_broken_export_is_refused_in_the_importers_language(
    clinic: SimpleNamespace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
    language: str,
) -> None:
    document, at, said = CASES[case](clinic)
    english = _in("en", said)

    source, messages = _shown(document, tmp_path, language)

    shown = capsys.readouterr().err
    assert f"{source}: {at}: {_in(language, said)}" in shown, shown
    # The English message is the same whatever the language of the import.
    assert f"{at}: {english}" in messages, messages
    if language != "en":
        assert _in(language, said) != english  # the catalogue has a translation
        assert english not in shown


def test_the_english_words_are_the_ones_the_checks_always_wrote() -> None:
    """Pinned, so a change of the English (which tests and API clients read) is noticed."""
    with translation.override("en"):
        words = ngettext(
            "%(value)s appears %(count)d time; each session number once",
            "%(value)s appears %(count)d times; each session number once",
            2,
        )
    assert words % {"value": "1", "count": 2} == "1 appears 2 times; each session number once"


# The real command line: a file whose episodes are not a list, under a Dutch and a C locale.
BROKEN = {
    "format": "alliance-export",
    "version": 2,
    "organisation": {"name": "Riverside", "created_at": "2026-01-01T09:00:00+00:00"},
    "teams": [],
    "users": [],
    "memberships": [],
    "clients": [],
    "plan_defaults": [],
    "episodes": {"first": 1},
    "trajectory_fits": [],
}


def _dutch(text: str, **params: str) -> str:
    with translation.override("nl"):
        return gettext(text) % params


def test_alliance_import_names_the_problem_in_dutch(tmp_path: Path) -> None:
    env = _migrated(tmp_path)
    source = tmp_path / "broken.json"
    source.write_text(json.dumps(BROKEN), encoding="utf-8")

    dutch = _run("import", str(source), LANG="nl_NL.UTF-8", **env)
    english = _run("import", str(source), LANG="C", **env)

    said = _dutch("expected a list, got %(got)s", got=_dutch("a JSON object"))
    assert dutch.returncode == 2, dutch.stderr
    assert f"{source}: episodes: {said}" in dutch.stderr
    assert "verwacht werd een lijst" in said  # the catalogue's Dutch, not the English again
    assert "expected a list" not in dutch.stderr
    assert english.returncode == 2, english.stderr
    assert f"{source}: episodes: expected a list, got a JSON object" in english.stderr
