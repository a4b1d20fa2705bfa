"""The client's voice in the full export (issue 19): agenda topics with their covered marks and
history, alliance comments, hopes and theories of change, the baseline before treatment and
the teams' sharing go out and come back exactly; a second import writes nothing; bad words are
refused naming the field; the research export carries none of the words."""

import copy
import datetime as dt
import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import models
from django.utils import timezone

from alliance.accounts.models import Organisation
from alliance.measures.models import Response
from alliance.measures.services import response_record
from alliance.transfer.research import research_csv
from alliance.transfer.services import organisation_import
from alliance.voice.models import (
    AgendaItem,
    AgendaItemChange,
    AllianceComment,
    Baseline,
    ClientHopes,
    TeamSharing,
)
from alliance.voice.services import agenda_item_mark, agenda_record, comment_record, hopes_record
from tests.transfer.test_clinic_week import _exported, _import, _wipe

pytestmark = pytest.mark.django_db
VOICE_MODELS: tuple[type[models.Model], ...] = (
    AgendaItem,
    AgendaItemChange,
    AllianceComment,
    ClientHopes,
    Baseline,
    TeamSharing,
)
WORDS = ("Sleep & my sister", "You rushed the end", "Feel less alone", "Talking it through")


def _voice(clinic: SimpleNamespace) -> None:
    session = clinic.session
    ors = response_record(
        session=session,
        instrument_code="ors",
        values={"ors_1": 5, "ors_2": 5, "ors_3": 5, "ors_4": 5},
    )
    srs = response_record(
        session=session,
        instrument_code="srs",
        values={"srs_1": 8, "srs_2": 7, "srs_3": 8, "srs_4": 8},
    )
    first, _second = agenda_record(session=session, topics=[WORDS[0], "Work"], response=ors)
    agenda_item_mark(item=first, covered=True, by=clinic.clinician)
    agenda_item_mark(item=first, covered=False, by=clinic.colleague)
    agenda_item_mark(item=first, covered=True, by=clinic.clinician)
    comment_record(response=srs, text=WORDS[1])
    hopes_record(episode=clinic.episode, hopes=WORDS[2], theory=WORDS[3])
    Baseline.objects.create(
        episode=clinic.episode,
        instrument="ors",
        method="link",
        items={"ors_1": 3.0, "ors_2": 4.0, "ors_3": 4.0, "ors_4": 3.0},
        total=14.0,
        answered_at=timezone.make_aware(dt.datetime(2026, 1, 1, 19)),
        idempotency_key=uuid.uuid4(),
    )
    TeamSharing.objects.create(team=clinic.team_a, clients_may_see_progress=True)


def _natural(obj: Any) -> Any:
    if isinstance(obj, Response):
        return str(obj.idempotency_key)
    if hasattr(obj, "username"):
        return obj.username
    if hasattr(obj, "name"):
        return obj.name
    return str(obj)


def _rows(model: type[models.Model]) -> list[dict[str, Any]]:
    rows = []
    for obj in model._default_manager.all():
        row = {}
        for field in model._meta.concrete_fields:
            # The invitation a baseline came by is a one-time secret, never exported.
            if field.primary_key or field.name == "invitation":
                continue
            value = getattr(obj, field.name)
            row[field.name] = _natural(value) if field.is_relation and value else value
        rows.append(row)
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))


def _everything() -> dict[str, list[dict[str, Any]]]:
    return {model.__name__: _rows(model) for model in VOICE_MODELS}


def _wipe_voice(org: Organisation) -> None:
    for model in (AgendaItemChange, AgendaItem, AllianceComment, ClientHopes, Baseline):
        model._default_manager.all().delete()
    TeamSharing.objects.all().delete()
    _wipe(org)


def test_the_voice_records_come_back_exactly(clinic: SimpleNamespace) -> None:
    _voice(clinic)
    before = _everything()
    assert all(before.values())
    document = _exported(clinic.org)
    voice = document["episodes"][0]["voice"]
    assert [item["text"] for item in voice["agenda"]] == [WORDS[0], "Work"]
    assert [c["changed_by"] for c in voice["agenda"][0]["changes"]] == [
        "clinician",
        "colleague",
        "clinician",
    ]
    assert voice["baseline"]["instrument"] == "ors"
    assert document["team_sharing"] == [{"team": "Adults North", "clients_may_see_progress": True}]
    _wipe_voice(clinic.org)
    assert not any(_everything().values())

    created = _import(document)

    assert created["agenda items"] == 2 and created["agenda item changes"] == 3
    assert created["alliance comments"] == created["client hopes"] == created["baselines"] == 1
    assert _everything() == before
    assert _exported(Organisation.objects.get()) == document
    assert _import(document) == {}


def test_an_export_without_the_voice_still_imports(clinic: SimpleNamespace) -> None:
    document = _exported(clinic.org)
    old = copy.deepcopy(document)
    del old["team_sharing"]
    for episode in old["episodes"]:
        del episode["voice"]
    _wipe_voice(clinic.org)
    _import(old)
    assert _exported(Organisation.objects.get()) == document


def test_bad_words_are_refused_naming_the_field_and_nothing_is_written(
    clinic: SimpleNamespace,
) -> None:
    _voice(clinic)
    document = _exported(clinic.org)
    document["organisation"]["name"] = "Elsewhere"
    voice = document["episodes"][0]["voice"]
    voice["agenda"][0]["text"] = "<b>loud</b>"
    voice["comments"][0]["text"] = "x" * 1001
    voice["hopes"][0]["response"] = str(uuid.uuid4())
    voice["baseline"]["items"]["ors_1"] = 11
    outcome = organisation_import(source=document, organisation="", progress=lambda *_: None)
    assert {e.column for e in outcome.errors} == {"episodes[0].voice.hopes[0].response"}
    voice["hopes"][0]["response"] = None
    outcome = organisation_import(source=document, organisation="", progress=lambda *_: None)
    where = {e.column for e in outcome.errors}
    assert {
        "episodes[0].voice.agenda[0].text",
        "episodes[0].voice.comments[0].text",
    } <= where
    assert any(w.startswith("episodes[0].voice.baseline.items") for w in where)
    messages = " ".join(e.message for e in outcome.errors)
    assert "1000 characters" in messages and "web page tags" in messages
    assert not Organisation.objects.filter(name="Elsewhere").exists()


def test_the_research_export_carries_none_of_the_client_s_words(clinic: SimpleNamespace) -> None:
    _voice(clinic)
    text = research_csv(organisation=clinic.org, key=b"a research key of some length")
    assert text.count("\n") >= 2  # the ratings are there
    for words in (*WORDS, "Work"):
        assert words not in text
