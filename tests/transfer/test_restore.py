"""The full export restores exactly: export, empty the database, import, and every report is
the same; a second import of the same file changes nothing."""

import datetime as dt
import difflib
import json
import math

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from alliance.accounts.models import Membership, Organisation, Team, User
from alliance.audit.models import Action, AuditEvent, Via
from alliance.care.models import (
    CareTeamMember,
    Client,
    Episode,
    Goal,
    GoalRating,
    GoalVersion,
    Reflection,
    Rupture,
    Session,
    Task,
)
from alliance.demo.clinic import DEMO_ORGANISATION, _remove_earlier_demo, load_demo
from alliance.feedback.models import Alert, TrajectoryFit
from alliance.measures.models import Response, ResponseVersion
from alliance.measures.services import response_record
from alliance.reports.formats import report_json
from alliance.reports.selectors import ReportError, report_build, report_scope
from alliance.transfer.selectors import organisation_export
from alliance.transfer.services import organisation_export_text, organisation_import
from tests.factories import make_episode, make_session

TODAY = dt.date(2026, 6, 1)
MODELS = (
    Organisation,
    Team,
    User,
    Membership,
    Client,
    Episode,
    CareTeamMember,
    Session,
    Session.attended_by.through,
    Response,
    ResponseVersion,
    Goal,
    GoalVersion,
    GoalRating,
    Task,
    Rupture,
    Reflection,
    Alert,
    TrajectoryFit,
)


def _counts() -> dict[str, int]:
    # Every row, voided responses included (the default manager leaves those out).
    return {model.__name__: model._base_manager.count() for model in MODELS}


def _reports() -> dict[str, str]:
    """The organisation's report, each team's and each clinician's, as JSON."""
    org = Organisation.objects.get(name=DEMO_ORGANISATION)
    scopes = [{}]
    scopes += [{"team": name} for name in org.teams.values_list("name", flat=True)]
    clinicians = (
        Membership.objects.filter(organisation=org, team__isnull=False)
        .values_list("user__username", flat=True)
        .distinct()
    )
    scopes += [{"clinician": name} for name in clinicians]
    return {json.dumps(scope): _report(scope) for scope in scopes}


def _report(scope: dict[str, str]) -> str:
    try:
        found = report_scope(
            viewer=None,
            organisation=DEMO_ORGANISATION,
            start=dt.date(2020, 1, 1),
            end=TODAY,
            **scope,
        )
        return report_json(report_build(found))
    except ReportError as error:  # a clinician with nothing to report: the same answer after
        return error.message


def _same(before: str, after: str) -> bool:
    """Equal, numbers to 12 significant digits: PostgreSQL sums floats in the order it meets the
    rows, which a restore (and even a different query plan) may change in the last bit."""
    if before == after:
        return True
    try:
        return _close(json.loads(before), json.loads(after))
    except json.JSONDecodeError:
        return False


def _close(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _diff(before: str, after: str) -> str:
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=8)
    return "\n".join(lines)


def _import(document: dict[str, object]) -> dict[str, int]:
    outcome = organisation_import(source=document, organisation="", progress=lambda *_: None)
    assert outcome.errors == []
    return outcome.created


@pytest.mark.django_db
def test_it_restores_every_report_exactly_into_an_emptied_database() -> None:
    load_demo(seed=7, today=TODAY)
    before_reports, before_counts = _reports(), _counts()
    document = json.loads(json.dumps(organisation_export(organisation=Organisation.objects.get())))
    with transaction.atomic():
        _remove_earlier_demo()
    assert set(_counts().values()) == {0}, "the database must be empty before the restore"

    created = _import(document)

    assert created["responses"] == before_counts["Response"]
    assert _counts() == before_counts
    after_reports = _reports()
    for scope, report in before_reports.items():
        assert _same(report, after_reports[scope]), _diff(report, after_reports[scope])
    again = json.loads(json.dumps(organisation_export(organisation=Organisation.objects.get())))
    assert again == document


@pytest.mark.django_db
def test_a_second_import_of_the_same_export_changes_nothing() -> None:
    load_demo(seed=7, today=TODAY)
    document = json.loads(json.dumps(organisation_export(organisation=Organisation.objects.get())))
    counts = _counts()

    assert _import(document) == {}
    assert _counts() == counts


@pytest.mark.django_db
def test_it_refuses_an_export_naming_someone_it_does_not_hold_and_writes_nothing(clinic) -> None:
    document = organisation_export(organisation=clinic.org)
    document["organisation"]["name"] = "Elsewhere"
    document["episodes"][0]["care_team"][0]["member"] = "nobody"
    counts = _counts()

    outcome = organisation_import(source=document, organisation="", progress=lambda *_: None)

    assert [str(e.column) for e in outcome.errors] == ["episodes[0].care_team[0].member"]
    assert "'nobody' is not among the export's users" in outcome.errors[0].message
    assert _counts() == counts


@pytest.mark.django_db
def test_it_takes_no_password_or_superuser_flag_from_a_file(clinic) -> None:
    document = organisation_export(organisation=clinic.org)
    document["organisation"]["name"] = "Elsewhere"
    document["users"][0] |= {"is_superuser": True, "password": "pbkdf2_sha256$1$x$y"}
    counts = _counts()

    outcome = organisation_import(source=document, organisation="", progress=lambda *_: None)

    assert [str(e.column) for e in outcome.errors] == ["users[0].is_superuser", "users[0].password"]
    assert "allowed: username, first_name" in outcome.errors[0].message
    assert _counts() == counts
    assert not User.objects.filter(is_superuser=True).exists()


@pytest.mark.django_db
def test_it_refuses_a_document_that_is_not_an_alliance_export() -> None:
    outcome = organisation_import(
        source={"format": "something-else"}, organisation="", progress=lambda *_: None
    )
    assert outcome.errors[0].column == "format"
    assert Organisation.objects.count() == 0


def _export_queries(org: Organisation) -> int:
    with CaptureQueriesContext(connection) as queries:
        organisation_export(organisation=org)
    return len(queries)


@pytest.mark.django_db
def test_the_export_takes_the_same_number_of_queries_whatever_the_size(clinic) -> None:
    small = _export_queries(clinic.org)
    for _ in range(3):
        episode = make_episode(clinic.team_a, clinic.clinician)
        for number in (1, 2):
            make_session(episode, number).attended_by.add(clinic.clinician)

    assert _export_queries(clinic.org) == small


@pytest.mark.django_db
def test_it_refuses_to_restore_an_export_into_a_second_organisation(clinic) -> None:
    values = {f"ors_{n}": 5 for n in (1, 2, 3, 4)}
    response_record(session=clinic.session, instrument_code="ors", values=values)
    document = organisation_export(organisation=clinic.org)
    counts = _counts()

    outcome = organisation_import(
        source=document, organisation="A second clinic", progress=lambda *_: None
    )

    assert "is already stored for another episode" in outcome.errors[0].message
    assert _counts() == counts


@pytest.mark.django_db
def test_a_damaged_export_is_reported_and_rolled_back(clinic) -> None:
    document = organisation_export(organisation=clinic.org)
    document["organisation"]["name"] = "Elsewhere"
    del document["episodes"][0]["setting"]
    counts = _counts()

    outcome = organisation_import(source=document, organisation="", progress=lambda *_: None)

    assert outcome.errors[0].column == "episodes[0].setting"
    assert "missing" in outcome.errors[0].message
    assert _counts() == counts


def test_every_import_and_export_is_in_the_audit_log_with_counts_only(clinic) -> None:
    name = clinic.org.name
    text = organisation_export_text(organisation=name)
    events = AuditEvent.objects.filter(via=Via.COMMAND)
    exported = events.get()
    assert (exported.action, exported.organisation, exported.object_id) == (
        Action.EXPORT,
        clinic.org,
        clinic.org.pk,
    )
    organisation_import(source=json.loads(text), organisation="", progress=lambda *_: None)
    imported = events.latest("pk")
    assert imported.action == Action.IMPORT and imported.actor is None
    assert clinic.episode.client.display_name not in imported.detail
    assert "; by " in imported.detail  # the operating-system account that ran it
