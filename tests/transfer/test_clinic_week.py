"""The clinic's week (issue 11) in the full export: every field of clients at intake, episodes
that continue another, measurement plans, default plans, booked, cancelled and withdrawn
sessions and voided responses goes out and comes back exactly; a version-1 export (before issue
11) still imports; the research export carries the week's fields without free text."""

import copy
import csv
import datetime as dt
import io
import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import models
from django.utils import timezone

from alliance.accounts.models import Membership, Organisation, Team, User
from alliance.care.models import (
    CareTeamMember,
    Client,
    Episode,
    MeasurePlanItem,
    PlanDefault,
    Session,
    SessionStatus,
)
from alliance.feedback.models import Alert
from alliance.measures.models import Response, ResponseVersion
from alliance.measures.services import response_record
from alliance.transfer.research import research_csv
from alliance.transfer.selectors import organisation_export
from alliance.transfer.services import organisation_import
from tests.factories import make_episode

pytestmark = pytest.mark.django_db
ORS = {"ors_1": 4.5, "ors_2": 6, "ors_3": 5.2, "ors_4": 3.3}
WEEK_MODELS: tuple[type[models.Model], ...] = (
    Client,
    Episode,
    MeasurePlanItem,
    PlanDefault,
    Session,
    Response,
    Alert,
)


def _at(day: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 3, day, hour))


def _week(clinic: SimpleNamespace) -> SimpleNamespace:
    """Every field issue 11 added, each away from its default."""
    client = clinic.episode.client
    client.email, client.phone = "anna@example.org", "+447700900123"
    client.consents_to_email = client.consents_to_sms = True
    client.consents_to_electronic_contact = True
    client.contact_consent_on = dt.date(2026, 1, 4)
    client.preferred_language = "nl"
    client.created_by = clinic.clinician
    client.save()
    old = clinic.episode
    old.ended_on, old.ending = dt.date(2026, 2, 27), "transferred"
    old.history = [{"at": "2026-02-27T10:00:00+00:00", "by": clinic.clinician.pk, "what": "ending"}]
    old.save()
    new = make_episode(
        clinic.team_b, clinic.colleague, client=client, started_on=dt.date(2026, 3, 1)
    )
    new.continues = old
    new.setting = "couple"
    new.history = [
        {"at": "2026-03-01T09:00:00+00:00", "by": clinic.supervisor.pk, "what": "care_team"}
    ]
    new.save()
    MeasurePlanItem(episode=new, instrument="ors", repeat="sessions", interval=1).save()
    MeasurePlanItem(
        episode=new,
        instrument="phq9",
        at_intake=True,
        at_end=True,
        repeat="sessions",
        interval=4,
        position=1,
    ).save()
    MeasurePlanItem(episode=new, instrument="srs", repeat="weeks", interval=2, position=2).save()
    PlanDefault(
        team=clinic.team_b, setting="couple", instrument="gad7", at_intake=True, position=0
    ).save()
    series = uuid.uuid4()
    first = Session.objects.create(
        episode=new,
        number=1,
        starts_at=_at(2),
        status=SessionStatus.ATTENDED,
        duration_minutes=90,
        mode="video",
        series=series,
        final=False,
        due=["ors", "phq9", "srs"],
        history=[{"at": "2026-03-01T12:00:00+00:00", "starts_at": "2026-03-02T09:00:00+00:00"}],
        booked_by=clinic.colleague,
        booked_at=_at(1, 12),
    )
    cancelled = Session.objects.create(
        episode=new,
        number=None,
        starts_at=_at(9),
        status=SessionStatus.CANCELLED,
        cancelled_by="client",
        reason="Unwell",
        series=series,
        booked_by=clinic.colleague,
        booked_at=_at(1, 12),
    )
    Session.objects.create(
        episode=new,
        number=None,
        starts_at=_at(9, 11),
        status=SessionStatus.WITHDRAWN,
        reason="Opened by mistake",
    )
    Session.objects.create(
        episode=new,
        number=2,
        starts_at=_at(16),
        status=SessionStatus.SCHEDULED,
        mode="phone",
        final=True,
        duration_minutes=30,
    )
    kept = response_record(
        session=first,
        instrument_code="ors",
        values=ORS,
        rater="client",
        method="tablet",
        idempotency_key=uuid.uuid4(),
        # who recorded the answers, as an EHR said (FHIR author, issue 14)
        author="practitioner",
        author_user=clinic.supervisor,
    )
    voided = response_record(
        session=first,
        instrument_code="srs",
        values={"srs_1": 9, "srs_2": 9, "srs_3": 9, "srs_4": 9},
        rater="client",
        method="link",
        idempotency_key=uuid.uuid4(),
    )
    Response.everything.filter(pk=voided.pk).update(
        voided_at=_at(2, 12), voided_by=clinic.colleague, void_reason="Entered for the wrong client"
    )
    Alert.objects.create(
        episode=new,
        session=cancelled,
        rule="missed_after_low_alliance",
        severity="medium",
        priority=3,
        evidence={"why": "a test"},
        advice_code="x",
        advice="Call the client.",
        raised_at=_at(9, 12),
    )
    return SimpleNamespace(new=new, first=first, cancelled=cancelled, kept=kept, voided=voided)


def _natural(value: Any) -> Any:
    return None if value is None else str(value)


def _by_name(history: list[Any]) -> list[Any]:
    """Who made each change by log-in name: ids differ between databases."""
    names = dict(User.objects.values_list("pk", "username"))
    return [{**e, "by": names.get(e["by"], e["by"])} if "by" in e else e for e in history]


def _rows(model: type[models.Model]) -> list[dict[str, Any]]:
    """Every concrete field of every row of the model, foreign keys by what they name."""
    manager = Response.everything if model is Response else model._default_manager
    rows = []
    for obj in manager.all():
        row = {}
        for field in model._meta.concrete_fields:
            if field.primary_key:
                continue
            value = getattr(obj, field.name)
            if field.name == "history" and model in (Episode, Session):
                value = _by_name(value)
            row[field.name] = _natural(value) if field.is_relation else value
        rows.append(row)
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))


def _everything() -> dict[str, list[dict[str, Any]]]:
    return {model.__name__: _rows(model) for model in WEEK_MODELS}


def _wipe(org: Organisation) -> None:
    """Remove the organisation's records (clinical rows are protected: in order)."""
    episodes = Episode.objects.filter(client__organisation=org)
    Alert.objects.filter(episode__in=episodes).delete()
    ResponseVersion.objects.filter(response__session__episode__in=episodes).delete()
    Response.everything.filter(session__episode__in=episodes).delete()
    episodes.update(continues=None)
    episodes.delete()
    Client.objects.filter(organisation=org).delete()
    staff = list(User.objects.filter(memberships__organisation=org).values_list("pk", flat=True))
    PlanDefault.objects.filter(team__organisation=org).delete()
    Team.objects.filter(organisation=org).delete()
    Membership.objects.filter(organisation=org).delete()
    CareTeamMember.objects.all().delete()
    User.objects.filter(pk__in=staff).delete()
    org.delete()


def _import(document: dict[str, Any]) -> dict[str, int]:
    outcome = organisation_import(source=document, organisation="", progress=lambda *_: None)
    assert outcome.errors == []
    return outcome.created


def _exported(org: Organisation) -> dict[str, Any]:
    return json.loads(json.dumps(organisation_export(organisation=org)))


def test_every_field_of_the_week_comes_back_exactly(clinic: SimpleNamespace) -> None:
    _week(clinic)
    before = _everything()
    document = _exported(clinic.org)
    _wipe(clinic.org)
    assert Response.everything.count() == Session.objects.count() == 0

    created = _import(document)

    assert created["plan items"] == 3 and created["default plan items"] == 1
    after = _everything()
    for model, rows in before.items():
        assert after[model] == rows, model
    assert _exported(Organisation.objects.get()) == document
    # Imported again: nothing new, the voided response included.
    assert _import(document) == {}


def test_the_document_holds_the_week(clinic: SimpleNamespace) -> None:
    week = _week(clinic)
    document = _exported(clinic.org)
    [client] = document["clients"]
    assert (client["consents_to_sms"], client["contact_consent_on"]) == (True, "2026-01-04")
    assert client["preferred_language"] == "nl" and client["created_by"] == "clinician"
    old, new = document["episodes"]
    assert new["continues"] == old["key"] and new["history"][0]["what"] == "care_team"
    # Who changed it by log-in name: a database id means someone else in another database.
    assert new["history"][0]["by"] == "supervisor"
    assert [p["instrument"] for p in new["plan"]] == ["ors", "phq9", "srs"]
    assert document["plan_defaults"][0]["instrument"] == "gad7"
    numbers = [s["number"] for s in new["sessions"]]
    assert numbers == [1, None, None, 2]
    # The alert on the cancelled session names it by its position in the episode.
    assert new["alerts"][0]["session"] == 2
    [first_responses] = [s["responses"] for s in new["sessions"][:1]]
    voided = next(r for r in first_responses if r["instrument"] == "srs")
    assert voided["void_reason"] == "Entered for the wrong client"
    assert voided["voided_by"] == "colleague"
    assert week.voided.pk not in {r.pk for r in Response.objects.all()}


def test_a_version_1_export_still_imports(clinic: SimpleNamespace) -> None:
    """An export made before issue 11: sessions named by number, none of the week's fields."""
    document = _exported(clinic.org)
    old = copy.deepcopy(document)
    old["version"] = 1
    del old["plan_defaults"]
    for client in old["clients"]:
        for name in ("consents_to_email", "consents_to_sms", "contact_consent_on"):
            del client[name]
        del client["preferred_language"], client["created_by"]
    for episode in old["episodes"]:
        del episode["continues"], episode["history"], episode["plan"]
        for session in episode["sessions"]:
            for name in ("duration_minutes", "mode", "series", "cancelled_by", "reason"):
                del session[name]
            for name in ("final", "due", "history", "booked_by", "booked_at"):
                del session[name]
            for response in session["responses"]:
                del response["voided_at"], response["voided_by"], response["void_reason"]
    _wipe(clinic.org)
    created = _import(old)
    assert created["sessions"] == 1 and created["episodes"] == 1
    assert _exported(Organisation.objects.get()) == document


def test_it_refuses_a_plan_with_an_unknown_measure_and_a_void_without_a_reason(
    clinic: SimpleNamespace,
) -> None:
    _week(clinic)
    document = _exported(clinic.org)
    document["organisation"]["name"] = "Elsewhere"
    new = document["episodes"][1]
    new["plan"][0]["instrument"] = "xyz"
    voided = next(r for r in new["sessions"][0]["responses"] if r["voided_at"])
    voided["void_reason"] = ""
    new["sessions"][1]["mode"] = "carrier pigeon"
    new["continues"] = "nobody/2026-01-01/1"
    outcome = organisation_import(source=document, organisation="", progress=lambda *_: None)
    where = {error.column for error in outcome.errors}
    assert "episodes[1].continues" in where
    new["continues"] = document["episodes"][0]["key"]
    outcome = organisation_import(source=document, organisation="", progress=lambda *_: None)
    where = {error.column for error in outcome.errors}
    assert {"episodes[1].plan", "episodes[1].sessions[1].mode"} <= where
    assert any(w.endswith(".voided_at") for w in where)
    assert not Organisation.objects.filter(name="Elsewhere").exists()


def test_the_research_export_carries_the_week_without_free_text(clinic: SimpleNamespace) -> None:
    _week(clinic)
    text = research_csv(organisation=clinic.org, key=b"a research key of some length")
    rows = list(csv.DictReader(io.StringIO(text)))
    week = [r for r in rows if r["mode"] == "video"]
    # The voided SRS is left out; the ORS of the video session is in, with its booking.
    assert [(r["measure"], r["length_minutes"], r["setting"], r["due"]) for r in week] == [
        ("ors", "90", "couple", "1")
    ]
    for free_text in ("Unwell", "Opened by mistake", "wrong client", "Call the client"):
        assert free_text not in text
