"""A damaged full export is refused whole before anything is written, naming the record, with
exit 2 (issue 14, point 9): found by changing each field of an export in turn, where some
changes crashed the import (exit 1) or restored records that break their own rules (exit 0)."""

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from alliance.cli.transfer import import_run
from tests.transfer.test_import_validation import _counts, document  # noqa: F401

pytestmark = pytest.mark.django_db

AT = "episodes[0].sessions[0]"


def _alert(doc: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """An export with one alert on the first session, as the export writes it."""
    number = doc["episodes"][0]["sessions"][0]["number"]
    alert = {
        "session": number,
        "rule": "alliance_low",
        "severity": "medium",
        "priority": 3,
        "evidence": {},
        "advice_code": "invite_feedback",
        "advice": "Ask about it.",
        "pathway": "",
        "raised_at": doc["episodes"][0]["sessions"][0]["starts_at"],
        "acknowledged_at": None,
        "acknowledged_by": None,
        "acknowledgement_note": "",
        "measure": "srs",
        "state": "open",
        "since_session": number,
        "closed_by_session": None,
        "snooze_reason": "",
        "snoozed_at_session": None,
    } | fields
    doc["episodes"][0]["alerts"] = [alert]
    return doc


def _first_response(doc: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = doc["episodes"][0]["sessions"][0]["responses"][0]
    return response


def _twice(items: list[Any]) -> None:
    items.append(copy.deepcopy(items[0]))


Damage = Callable[[dict[str, Any]], Any]
DAMAGES: list[tuple[str, Damage, str]] = [
    ("an alert's measure of the wrong type", lambda d: _alert(d, measure=[]), "alerts[0].measure"),
    ("an alert for an unknown measure", lambda d: _alert(d, measure="nope"), "unknown measure"),
    (
        "an alert since a session the episode does not have",
        lambda d: _alert(d, since_session=999),
        "alerts[0].since_session: 999 is not among the export's sessions",
    ),
    ("an alert's snooze reason a number", lambda d: _alert(d, snooze_reason=1), "snooze_reason"),
    (
        "a member of staff at a session twice",
        lambda d: _twice(d["episodes"][0]["sessions"][0]["attended_by"]) or d,
        f"{AT}.attended_by",
    ),
    (
        "a response's version twice",
        lambda d: _twice(_first_response(d)["versions"]) or d,
        f"{AT}.responses[0].versions: 1 appears 2 times",
    ),
    (
        "a response twice (one submission key)",
        lambda d: _twice(d["episodes"][0]["sessions"][0]["responses"]) or d,
        "appears 2 times; each submission key once",
    ),
    (
        "a response's author a member of staff the export does not have",
        lambda d: _first_response(d).update(author="practitioner", author_user="nobody") or d,
        f"{AT}.responses[0].author_user: 'nobody' is not among the export's users",
    ),
    (
        "a response's author of the wrong type",
        lambda d: _first_response(d).update(author=3) or d,
        f"{AT}.responses[0].author: expected a string",
    ),
    (
        "a member of staff as author without saying who",
        lambda d: _first_response(d).update(author="practitioner", author_user=None) or d,
        f"{AT}.responses[0].author_user: names the member of staff",
    ),
    (
        "a response without its history",
        lambda d: _first_response(d).update(versions=[]) or d,
        f"{AT}.responses[0].versions: empty",
    ),
]


@pytest.fixture
def attended(document: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    session = document["episodes"][0]["sessions"][0]
    session["attended_by"] = session["attended_by"] or [document["users"][0]["username"]]
    return document


@pytest.mark.parametrize(("case", "damage", "said"), DAMAGES, ids=[d[0] for d in DAMAGES])
def test_a_damaged_export_exits_2_naming_the_record_and_writes_nothing(
    attended: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
    damage: Damage,
    said: str,
) -> None:
    source = tmp_path / "export.json"
    source.write_text(json.dumps(damage(attended)), encoding="utf-8")
    counts = _counts()
    code = import_run(source, "")
    err = capsys.readouterr().err
    assert code == 2, err
    assert said in err and "nothing was written" in err
    assert _counts() == counts


def test_the_alert_fields_the_export_writes_restore(
    attended: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "export.json"
    source.write_text(json.dumps(_alert(attended)), encoding="utf-8")
    assert import_run(source, "") == 0, capsys.readouterr().err


def test_a_check_that_fails_unforeseen_is_a_refusal_not_a_crash(
    attended: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(doc: Any) -> Any:
        raise TypeError("unhashable type: 'list'")

    monkeypatch.setattr("alliance.transfer.services.document_problems", broken)
    source = tmp_path / "export.json"
    source.write_text(json.dumps(attended), encoding="utf-8")
    assert import_run(source, "") == 2
    assert "damaged" in capsys.readouterr().err
