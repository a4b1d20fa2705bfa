"""FHIR searches mean what they say (issue 14, point 2): every parameter the
CapabilityStatement lists is tried (the cases are derived from it), and what it does not list is
refused under ``Prefer: handling=strict`` and otherwise left out of the search and its link."""

import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.utils import timezone

from alliance.api.fhir import resources
from alliance.api.fhir.capability import RESOURCES
from tests.api.conftest import Api, api_as
from tests.api.test_fhir import valid
from tests.clinic.builders import bulk_caseload

STRICT = {"HTTP_PREFER": "handling=strict"}


def day(moment: Any) -> str:
    return timezone.localtime(moment).date().isoformat()


# For each (resource, parameter) the CapabilityStatement lists: a value that finds the standing
# record, and one that finds nothing. A parameter listed without a row here fails the test.
Sample = Callable[[SimpleNamespace], tuple[str, str]]
client: Sample = lambda c: (str(c.episode.client_id), str(c.episode.client_id + 999))  # noqa: E731
session: Sample = lambda c: (f"Encounter/{c.session.pk}", f"Encounter/{c.session.pk + 999}")  # noqa: E731
response: Sample = lambda c: (str(c.response.pk), str(c.response.pk + 999))  # noqa: E731
SAMPLES: dict[tuple[str, str], Sample] = {
    ("Patient", "_id"): client,
    ("Patient", "identifier"): lambda c: (
        f"{resources.client_code_system(c.org)}|{c.episode.client.code}",
        f"urn:other|{c.episode.client.code}",
    ),
    ("Encounter", "_id"): lambda c: (str(c.session.pk), str(c.session.pk + 999)),
    ("Encounter", "patient"): client,
    ("Encounter", "subject"): client,
    ("Encounter", "date"): lambda c: (day(c.session.starts_at), "ge2099-01-01"),
    ("EpisodeOfCare", "_id"): lambda c: (str(c.episode.pk), str(c.episode.pk + 999)),
    ("EpisodeOfCare", "patient"): client,
    ("EpisodeOfCare", "status"): lambda c: ("active", "finished"),
    ("Appointment", "_id"): lambda c: (str(c.session.pk), str(c.session.pk + 999)),
    ("Appointment", "patient"): client,
    ("Appointment", "actor"): client,
    ("Appointment", "date"): lambda c: (day(c.session.starts_at), "ge2099-01-01"),
    ("Appointment", "status"): lambda c: ("fulfilled", "booked"),
    ("Questionnaire", "_id"): lambda c: ("phq9", "nope"),
    ("Questionnaire", "url"): lambda c: (resources.questionnaire_url("phq9"), "http://x/Q/phq9"),
    ("Questionnaire", "code"): lambda c: ("http://loinc.org|44249-1", "http://loinc.org|1-1"),
    ("QuestionnaireResponse", "_id"): response,
    ("QuestionnaireResponse", "patient"): client,
    ("QuestionnaireResponse", "subject"): client,
    ("QuestionnaireResponse", "encounter"): session,
    ("QuestionnaireResponse", "questionnaire"): lambda c: (
        resources.questionnaire_url("phq9"),
        "Questionnaire/gad7",
    ),
    ("QuestionnaireResponse", "authored"): lambda c: (day(c.response.answered_at), "lt1990"),
    ("Observation", "_id"): response,
    ("Observation", "patient"): client,
    ("Observation", "subject"): client,
    ("Observation", "encounter"): session,
    ("Observation", "code"): lambda c: ("http://loinc.org|44261-6", "http://loinc.org|70274-6"),
    ("Observation", "date"): lambda c: (f"le{day(c.response.answered_at)}", "gt2099"),
}


def capability() -> list[dict[str, Any]]:
    return list(valid(Api(None).get("/fhir/metadata").json())["rest"][0]["resource"])


def listed() -> list[tuple[str, str]]:
    return [
        (resource["type"], param["name"])
        for resource in capability()
        for param in resource["searchParam"]
    ]


def found(cast: SimpleNamespace, kind: str, strict: bool = True, **params: Any) -> Any:
    extra = STRICT if strict else {}
    answer = api_as(cast, "clinician").browser.get(f"/fhir/{kind}", params, **extra)
    assert answer.status_code == 200, answer.content
    return valid(answer.json())


def refused(cast: SimpleNamespace, kind: str, **params: Any) -> dict[str, Any]:
    answer = api_as(cast, "clinician").browser.get(f"/fhir/{kind}", params, **STRICT)
    assert answer.status_code == 400, answer.content
    return valid(answer.json())


@pytest.mark.parametrize(("kind", "name"), listed())
def test_each_listed_search_parameter_finds_what_it_names_and_nothing_else(
    cast: SimpleNamespace, kind: str, name: str
) -> None:
    assert (kind, name) in SAMPLES, f"{kind}?{name} is listed but not tried here"
    hit, miss = SAMPLES[kind, name](cast)
    assert found(cast, kind, **{name: hit})["total"] == 1
    assert found(cast, kind, **{name: miss})["total"] == 0


def test_every_sample_is_listed_in_the_capability_statement() -> None:
    assert set(SAMPLES) <= set(listed())


@pytest.mark.parametrize("kind", sorted({kind for kind, _ in listed()}))
@pytest.mark.parametrize(
    "key", ["status", "_include", "patient.identifier", "subject:Group", "_id:exact", "_elements"]
)
def test_what_is_not_listed_is_refused_when_strict_and_left_out_otherwise(
    cast: SimpleNamespace, kind: str, key: str
) -> None:
    if (kind, key) in listed():
        pytest.skip(f"{kind} serves {key}")
    issue = refused(cast, kind, **{key: "x"})["issue"][0]
    assert issue["expression"] == [key]
    lenient = found(cast, kind, strict=False, **{key: "x"})
    assert lenient["total"] == found(cast, kind)["total"]
    assert key not in dict(parse_qsl(urlsplit(lenient["link"][0]["url"]).query))


def test_a_typed_patient_reference_filters(cast: SimpleNamespace) -> None:
    other = cast.episode.client_id + 999
    assert found(cast, "Observation", **{"subject:Patient": other})["total"] == 0
    assert found(cast, "Observation", **{"patient:Patient": cast.episode.client_id})["total"] == 1
    refused(cast, "Observation", **{"patient:Patient": f"Encounter/{cast.session.pk}"})


def test_a_repeated_parameter_must_hold_both_times_and_commas_are_alternatives(
    cast: SimpleNamespace,
) -> None:
    mine, other = cast.episode.client_id, cast.episode.client_id + 999
    assert found(cast, "Observation", patient=[mine, other])["total"] == 0
    assert found(cast, "Observation", patient=[mine, mine])["total"] == 1
    assert found(cast, "Observation", patient=f"{other},{mine}")["total"] == 1


@pytest.mark.parametrize(
    ("prefix", "total"), [("ge", 0), ("gt", 0), ("lt", 1), ("le", 1), ("ne", 1), ("eq", 0)]
)
def test_date_prefixes(cast: SimpleNamespace, prefix: str, total: int) -> None:
    assert found(cast, "Observation", date=f"{prefix}2099-01-01")["total"] == total


def test_a_date_range_is_two_dates(cast: SimpleNamespace) -> None:
    today = day(cast.response.answered_at)
    assert found(cast, "Observation", date=[f"ge{today}", f"le{today}"])["total"] == 1
    assert found(cast, "Observation", date=["ge2000", "lt2001"])["total"] == 0


@pytest.mark.parametrize("value", ["2026-01-05T10:30:00", "sa2026", "yesterday", "2026-13"])
def test_a_date_that_is_not_one_is_refused(cast: SimpleNamespace, value: str) -> None:
    refused(cast, "Observation", date=value)
    assert api_as(cast, "clinician").get("/fhir/Observation", date=value).status_code == 400


def test_sorting_by_date_both_ways(cast: SimpleNamespace) -> None:
    bulk_caseload(cast, clients=2, sessions=3)

    def times(order: str) -> list[str]:
        entries = found(cast, "Observation", _sort=order, _count=100)["entry"]
        return [entry["resource"]["effectiveDateTime"] for entry in entries]

    assert times("date") == sorted(times("date")) and len(set(times("date"))) > 1
    assert times("-date") == sorted(times("date"), reverse=True)
    refused(cast, "Observation", _sort="code")


@pytest.mark.parametrize("params", [{"_summary": "count"}, {"_count": 0}])
def test_a_count_only_search_has_the_total_and_no_entries(
    cast: SimpleNamespace, params: dict[str, Any]
) -> None:
    bundle = found(cast, "Observation", **params)
    assert bundle["total"] == 1 and bundle["entry"] == []
    assert [link["relation"] for link in bundle["link"]] == ["self"]


def test_summary_other_than_count_is_refused(cast: SimpleNamespace) -> None:
    refused(cast, "Observation", _summary="true")


def test_questionnaires_by_url_and_by_code(cast: SimpleNamespace) -> None:
    by_url = found(cast, "Questionnaire", url=resources.questionnaire_url("gad7"))
    assert [e["resource"]["id"] for e in by_url["entry"]] == ["gad7"]
    by_code = found(cast, "Questionnaire", code="http://loinc.org|44249-1")
    assert [e["resource"]["id"] for e in by_code["entry"]] == ["phq9"]
    by_item = found(cast, "Questionnaire", code="69725-0")  # a GAD-7 item's LOINC code
    assert [e["resource"]["id"] for e in by_item["entry"]] == ["gad7"]


def test_an_identifier_is_matched_with_its_system(cast: SimpleNamespace) -> None:
    code = cast.episode.client.code
    assert found(cast, "Patient", identifier=code)["total"] == 1
    assert found(cast, "Patient", identifier=f"|{code}")["total"] == 0
    assert found(cast, "Patient", identifier=f"urn:alliance:client-code:1|{code}")["total"] == 0


def test_the_self_link_keeps_what_was_searched(cast: SimpleNamespace) -> None:
    bundle = found(cast, "Observation", strict=False, patient=cast.episode.client_id, _count=5)
    query = parse_qsl(urlsplit(bundle["link"][0]["url"]).query)
    assert query == [("patient", str(cast.episode.client_id)), ("_count", "5")]


# Each `_sort` key a resource lists (capability.RESOURCES), and what it orders by.
SORTED_BY: dict[tuple[str, str], Callable[[dict[str, Any]], Any]] = {
    ("Encounter", "date"): lambda r: r["period"]["start"],
    ("Appointment", "date"): lambda r: r["start"],
    ("QuestionnaireResponse", "authored"): lambda r: r["authored"],
    ("QuestionnaireResponse", "date"): lambda r: r["authored"],
    ("Observation", "date"): lambda r: r["effectiveDateTime"],
}
SORTS = [(served.type, key) for served in RESOURCES for key in served.sorts]


@pytest.mark.parametrize(("kind", "key"), SORTS)
def test_every_listed_sort_orders_both_ways(cast: SimpleNamespace, kind: str, key: str) -> None:
    bulk_caseload(cast, clients=2, sessions=3)
    value = SORTED_BY.get((kind, key), lambda r: int(r["id"]) if r["id"].isdigit() else r["id"])
    assert key == "_id" or (kind, key) in SORTED_BY, f"{kind} sorts by {key}, not tried here"

    def values(order: str) -> list[Any]:
        entries = found(cast, kind, _sort=order, _count=100)["entry"]
        return [value(entry["resource"]) for entry in entries]

    upwards, downwards = values(key), values(f"-{key}")
    assert upwards == sorted(upwards) and downwards == sorted(upwards, reverse=True)
    assert len(upwards) > 1


def test_docs_api_md_lists_the_conformance_as_served() -> None:
    """The conformance table of docs/api.md names each resource's search parameters and sort
    keys as capability.RESOURCES serves them, so the page cannot drift from the statement."""
    text = (Path(__file__).parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    section = text.split("### Conformance", 1)[1].split("###", 1)[0]
    rows = {
        line.split("|")[1].strip(" `"): line for line in section.splitlines() if line[:3] == "| `"
    }
    for served in RESOURCES:
        row = rows[served.type]
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", row)]  # not at an escaped \|
        interactions, params, sorts = cells[2], cells[3], cells[5]
        assert all(i in interactions for i in served.interactions), served.type
        assert all(f"`{p.name}`" in params for p in served.params), served.type
        assert all(f"`{key}`" in sorts for key in served.sorts), served.type
        assert all(f"`:{m}`" in cells[4] for p in served.params for m in p.modifiers), served.type
