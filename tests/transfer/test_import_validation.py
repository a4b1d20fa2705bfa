"""Imports go through the same validation and scoring as the form and the API: answers on the
scale, known measures and items, scores and the risk flag recomputed (never taken from the
file), plausible session numbers; no new access in an existing organisation unless asked; and
every refusal names the file, the record and the field, exits 2 and writes nothing (issue 13,
point 4)."""

import copy
import io
import json
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from alliance.accounts.models import Membership, Organisation, Role
from alliance.care.models import CareTeamMember, Client, Episode, Session
from alliance.cli.transfer import import_run
from alliance.feedback.models import Alert
from alliance.measures.models import Response, ResponseVersion
from alliance.measures.services import response_record
from alliance.transfer.selectors import organisation_export
from alliance.transfer.services import organisation_import
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PHQ9 = {f"phq9_{n}": 2 for n in range(1, 10)} | {"phq9_9": 0}  # total 16, no risk
RESPONSE = "episodes[0].sessions[0].responses[0]"
MODELS = (Organisation, Membership, Client, Episode, CareTeamMember, Session, Response, Alert)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (*MODELS, ResponseVersion)}


@pytest.fixture
def document(clinic: SimpleNamespace) -> dict[str, Any]:
    """The clinic's export with one PHQ-9, renamed and re-keyed so it restores as a new
    organisation beside the clinic."""
    response_record(session=clinic.session, instrument_code="phq9", values=PHQ9)
    exported = json.loads(json.dumps(organisation_export(organisation=clinic.org)))
    exported["organisation"]["name"] = "Elsewhere"
    for episode in exported["episodes"]:
        for session in episode["sessions"]:
            for response in session["responses"]:
                response["idempotency_key"] = str(uuid.uuid4())
    return exported


def _import(source: Any, organisation: str = "", **flags: bool) -> Any:
    return organisation_import(
        source=source, organisation=organisation, progress=lambda *_: None, **flags
    )


def _refused(document: dict[str, Any], column: str, words: str) -> None:
    counts = _counts()
    outcome = _import(document)
    columns = [error.column for error in outcome.errors]
    assert column in columns, outcome.errors
    message = outcome.errors[columns.index(column)].message
    assert words in message, message
    assert _counts() == counts


def _response(document: dict[str, Any]) -> dict[str, Any]:
    return document["episodes"][0]["sessions"][0]["responses"][0]


def test_it_restores_the_untouched_document(document: dict[str, Any]) -> None:
    outcome = _import(document)
    assert outcome.errors == []
    assert (
        Response.objects.filter(session__episode__client__organisation__name="Elsewhere").count()
        == 1
    )


def test_an_answer_off_the_scale_is_refused_naming_the_item(document: dict[str, Any]) -> None:
    _response(document)["items"]["phq9_3"] = 7
    _refused(document, f"{RESPONSE}.items.phq9_3", "not on the scale")


def test_an_unknown_item_is_refused_naming_it(document: dict[str, Any]) -> None:
    _response(document)["items"]["phq9_99"] = 1
    _refused(document, f"{RESPONSE}.items.phq9_99", "unknown item")


def test_an_unknown_measure_is_refused_naming_the_field(document: dict[str, Any]) -> None:
    _response(document)["instrument"] = "nope"
    _refused(document, f"{RESPONSE}.instrument", "unknown measure 'nope'")


def test_a_version_off_the_scale_is_refused_too(document: dict[str, Any]) -> None:
    _response(document)["versions"][0]["items"]["phq9_1"] = -1
    _refused(document, f"{RESPONSE}.versions[0].items.phq9_1", "not on the scale")


def test_a_rater_the_measure_does_not_take_is_refused(document: dict[str, Any]) -> None:
    _response(document)["rater"] = "clinician"
    _refused(document, f"{RESPONSE}.rater", "phq9 is answered by")


@pytest.mark.parametrize("number", [0, 1001])
def test_an_implausible_session_number_is_refused(document: dict[str, Any], number: int) -> None:
    document["episodes"][0]["sessions"][0]["number"] = number
    _refused(document, "episodes[0].sessions[0].number", "allowed 1 to 1000")


def test_a_session_number_of_ten_to_the_twelve_is_refused(document: dict[str, Any]) -> None:
    document["episodes"][0]["sessions"][0]["number"] = 10**12
    _refused(document, "episodes[0].sessions[0].number", "expected a whole number")


def test_an_unknown_choice_is_refused_naming_the_field(document: dict[str, Any]) -> None:
    document["episodes"][0]["sessions"][0]["status"] = "vanished"
    _refused(document, "episodes[0].sessions[0].status", "not a valid choice")


def test_an_implausible_answer_time_is_refused(document: dict[str, Any]) -> None:
    _response(document)["answered_at"] = "0001-01-01T00:00:00+00:00"
    _refused(document, f"{RESPONSE}.answered_at", "not a plausible time")


def test_two_sessions_with_one_number_are_refused(document: dict[str, Any]) -> None:
    sessions = document["episodes"][0]["sessions"]
    sessions.append(copy.deepcopy(sessions[0]) | {"responses": []})
    _refused(document, "episodes[0].sessions", "appears 2 times")


def test_scores_and_the_risk_flag_are_recomputed_and_the_risk_alert_raised(
    document: dict[str, Any],
) -> None:
    response = _response(document)
    response["items"]["phq9_9"] = 3
    # The file claims a mild total, no risk answer, and the episode has no alert.
    response |= {"total": 1, "band": "minimal", "risk_items": [], "subscales": {"x": 99}}
    response["versions"][0] |= {"items": response["items"], "total": 1}
    document["episodes"][0]["alerts"] = []

    assert _import(document).errors == []

    stored = Response.objects.get(idempotency_key=response["idempotency_key"])
    assert (stored.total, stored.risk_items, stored.band) == (19.0, ["phq9_9"], "moderately_severe")
    assert stored.versions.get().total == 19.0
    episode = stored.session.episode
    assert Alert.objects.filter(
        episode=episode, session=stored.session, rule="risk_answer"
    ).exists()


def test_an_existing_organisation_gets_no_new_role_unless_asked(
    clinic: SimpleNamespace,
) -> None:
    document = json.loads(json.dumps(organisation_export(organisation=clinic.org)))
    newcomer = make_user("newcomer", organisation=Organisation.objects.create(name="Other"))
    document["users"].append(
        {"username": newcomer.username, "date_joined": "2026-01-01T09:00:00+00:00"}
    )
    document["memberships"].append(
        {"user": newcomer.username, "team": None, "role": Role.ADMINISTRATOR}
    )
    counts = _counts()

    refused = _import(document)

    at = f"memberships[{len(document['memberships']) - 1}]"
    assert [error.column for error in refused.errors] == [at]
    assert "--allow-access-changes" in refused.errors[0].message
    assert _counts() == counts
    allowed = _import(document, allow_access_changes=True)
    assert allowed.errors == [] and allowed.created["memberships"] == 1
    assert Membership.objects.filter(user=newcomer, organisation=clinic.org).exists()


def test_an_existing_episode_gets_no_new_care_team_member_unless_asked(
    clinic: SimpleNamespace,
) -> None:
    document = json.loads(json.dumps(organisation_export(organisation=clinic.org)))
    document["episodes"][0]["care_team"].append(
        {"member": clinic.colleague.username, "role": "team_member", "joined_on": None}
    )
    counts = _counts()

    refused = _import(document)

    assert [error.column for error in refused.errors] == ["episodes[0].care_team[1].member"]
    assert _counts() == counts
    assert _import(document, allow_access_changes=True).created["care team members"] == 1
    assert clinic.episode.care_team.filter(member=clinic.colleague).exists()


CSV_HEADER = "episode_id,client_id,clinician_id,session,date,measure,rater,score"


def _frame(*rows: str) -> pd.DataFrame:
    text = "\n".join([CSV_HEADER, *rows]) + "\n"
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, index_col=False)


def test_a_research_import_puts_no_one_on_an_existing_episodes_care_team_unless_asked(
    clinic: SimpleNamespace,
) -> None:
    code = clinic.episode.client.code
    day = clinic.episode.started_on.isoformat()
    row = f"x1,{code},colleague,5,{day},ors,client,20"
    counts = _counts()

    refused = _import(_frame(row), clinic.org.name)

    assert [(e.row, e.column) for e in refused.errors] == [(2, "clinician_id")]
    assert "--allow-access-changes" in refused.errors[0].message
    assert _counts() == counts
    allowed = _import(_frame(row), clinic.org.name, allow_access_changes=True)
    assert allowed.errors == []
    assert clinic.episode.care_team.filter(member=clinic.colleague).exists()


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("h1,,clinician,1001,2024-03-04,ors,client,20", "session", "allowed 1 to 1000"),
        ("h1,,clinician,1,1850-03-04,ors,client,20", "date", "not a plausible session day"),
        ("h1,,clinician,1,2999-03-04,ors,client,20", "date", "not a plausible session day"),
    ],
)
def test_a_research_import_refuses_implausible_sessions(
    clinic: SimpleNamespace, row: str, column: str, words: str
) -> None:
    counts = _counts()
    outcome = _import(_frame(row), clinic.org.name)
    assert [(e.row, e.column) for e in outcome.errors] == [(2, column)]
    assert words in outcome.errors[0].message
    assert _counts() == counts


MALFORMED: list[tuple[str, Any, str]] = [
    ("episodes not a list", lambda d: d | {"episodes": {"a": 1}}, "episodes: expected a list"),
    ("a team not a name", lambda d: d | {"teams": [["Adults"]]}, "teams[0]: expected a string"),
    (
        "a user not an object",
        lambda d: d | {"users": ["clinician"]},
        "users[0]: expected a JSON object",
    ),
    (
        "a session that is text",
        lambda d: _set(d, ["episodes", 0, "sessions", 0], "session one"),
        "episodes[0].sessions[0]: expected a JSON object",
    ),
    (
        "a session number as text",
        lambda d: _set(d, ["episodes", 0, "sessions", 0, "number"], "1"),
        "episodes[0].sessions[0].number: expected a whole number",
    ),
    (
        "a response without its key",
        lambda d: _drop(d, ["episodes", 0, "sessions", 0, "responses", 0], "idempotency_key"),
        f"{RESPONSE}.idempotency_key: missing",
    ),
    (
        "a total that is not a number",
        lambda d: _set(d, ["episodes", 0, "sessions", 0, "responses", 0, "total"], True),
        f"{RESPONSE}.total: expected a number",
    ),
    (
        "a time without its offset",
        lambda d: _set(d, ["episodes", 0, "sessions", 0, "starts_at"], "2026-01-05T10:00:00"),
        "episodes[0].sessions[0].starts_at: expected a date and time",
    ),
    (
        "evidence nested too deep",
        lambda d: _set(d, ["episodes", 0, "alerts"], [_deep_alert(d)]),
        "episodes[0].alerts[0].evidence: expected a JSON object nested at most",
    ),
    (
        "an organisation setting that does not exist",
        lambda d: _set(d, ["organisation", "superpowers"], True),
        "organisation.superpowers: not a setting",
    ),
]


def _walk(document: dict[str, Any], path: list[Any]) -> Any:
    node: Any = document
    for step in path:
        node = node[step]
    return node


def _set(document: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    _walk(document, path[:-1])[path[-1]] = value
    return document


def _drop(document: dict[str, Any], path: list[Any], name: str) -> dict[str, Any]:
    del _walk(document, path)[name]
    return document


def _deep_alert(document: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for _ in range(200):
        nested = {"deeper": nested}
    return {
        "session": 1,
        "rule": "test",
        "severity": "low",
        "priority": 9,
        "evidence": nested,
        "advice_code": "x",
        "advice": "y",
        "pathway": "",
        "raised_at": "2026-01-05T10:00:00+00:00",
        "acknowledged_at": None,
        "acknowledged_by": None,
        "acknowledgement_note": "",
    }


@pytest.mark.parametrize(("case", "damage", "said"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_export_exits_2_naming_the_file_and_the_field(
    document: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
    damage: Any,
    said: str,
) -> None:
    source = tmp_path / "export.json"
    source.write_text(json.dumps(damage(document)), encoding="utf-8")
    counts = _counts()

    code = import_run(source, "")

    err = capsys.readouterr().err
    assert code == 2, err
    assert f"{source}: {said}" in err
    assert "nothing was written" in err
    assert _counts() == counts


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[1, 2, 3]", "the top level must be a JSON object"),
        ('"an export"', "the top level must be a JSON object"),
        ("[" * 100_000 + "]" * 100_000, "nested too deep"),
    ],
)
def test_a_file_that_is_not_an_export_object_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, said: str
) -> None:
    source = tmp_path / "export.json"
    source.write_text(text, encoding="utf-8")
    assert import_run(source, "Riverside") == 2
    err = capsys.readouterr().err
    assert str(source) in err and said in err


RULES: list[tuple[str, Any, str, str]] = [
    (
        "an administrator in a team",
        lambda d: _set(d, ["memberships", 0, "role"], Role.ADMINISTRATOR),
        "memberships[0].team",
        "an administrator has no team",
    ),
    (
        "a second primary therapist",
        lambda d: _set(
            d,
            ["episodes", 0, "care_team"],
            [
                *d["episodes"][0]["care_team"],
                {"member": "colleague", "role": "primary_therapist", "joined_on": None},
            ],
        ),
        "episodes[0].care_team",
        "more than one primary therapist",
    ),
    (
        "an episode ended before it started",
        lambda d: _set(d, ["episodes", 0], d["episodes"][0] | {"ended_on": "2000-01-01"}),
        "episodes[0].ended_on",
        "is before started_on",
    ),
    (
        "a client born in 1066",
        lambda d: _set(d, ["clients", 0, "birth_year"], 1066),
        "clients[0].birth_year",
        "allowed 1900 to 2100",
    ),
]


@pytest.mark.parametrize(("case", "damage", "column", "words"), RULES, ids=[r[0] for r in RULES])
def test_a_record_breaking_a_rule_of_the_records_is_refused_naming_it(
    document: dict[str, Any], case: str, damage: Any, column: str, words: str
) -> None:
    _refused(damage(document), column, words)
