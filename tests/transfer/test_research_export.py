"""The pseudonymised research export: readable by ``alliance analyze``, holding no name, contact
detail or free text, with pseudonyms stable for one key and different for another."""

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import transaction

from alliance.accounts.models import Organisation, User
from alliance.care.models import Client, Goal, Reflection, Rupture, Task
from alliance.cli import analyze as analyze_command
from alliance.demo import _remove_earlier_demo, load_demo
from alliance.measures.models import Response
from alliance.transfer.research import pseudonym, research_csv

KEY = b"a research key of some length"
OTHER_KEY = b"another research key entirely"


@pytest.fixture(scope="module")
def _demo(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[int]:
    """The demo clinic, written once for the module (loading takes seconds) and removed again
    afterwards so other tests never see it; the export only reads it."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        yield load_demo(seed=7, today=dt.date(2026, 6, 1)).organisation.pk
        with transaction.atomic():
            _remove_earlier_demo()


@pytest.fixture
def demo_org(db: None, _demo: int) -> Organisation:
    return Organisation.objects.get(pk=_demo)


def _secrets() -> set[str]:
    """Every name, contact detail and free text of the source (short ones would match by chance)."""
    found: set[str] = set()
    for client in Client.objects.all():
        found |= {client.code, client.display_name, client.email, client.phone}
    for user in User.objects.all():
        found |= {user.username, user.first_name, user.last_name, user.email, user.get_full_name()}
    found |= set(Goal.objects.values_list("text", flat=True))
    found |= set(Task.objects.values_list("what", flat=True))
    found |= set(Task.objects.values_list("review_note", flat=True))
    found |= set(Rupture.objects.values_list("note", flat=True))
    found |= set(Reflection.objects.values_list("text", flat=True))
    return {text for text in found if len(text) >= 4}


def test_it_holds_no_name_contact_detail_or_free_text(demo_org: Organisation) -> None:
    output = research_csv(organisation=demo_org, key=KEY).lower()
    secrets = _secrets()

    assert len(secrets) > 100
    assert [s for s in secrets if s.lower() in output] == []
    header = output.splitlines()[0].split(",")
    assert "birth_year" not in header and "display_name" not in header


def test_alliance_analyze_reads_it_back(demo_org: Organisation, tmp_path: Path) -> None:
    source = tmp_path / "research.csv"
    source.write_text(research_csv(organisation=demo_org, key=KEY), encoding="utf-8")

    assert analyze_command.run(source, tmp_path / "out.json", None) == analyze_command.OK
    rows = list(csv.DictReader(io.StringIO(source.read_text(encoding="utf-8"))))
    client_ratings = Response.objects.filter(rater__in=("client", "clinician")).count()
    assert len(rows) == client_ratings


def test_pseudonyms_are_stable_for_a_key_and_differ_for_another(demo_org: Organisation) -> None:
    first = research_csv(organisation=demo_org, key=KEY)
    second = research_csv(organisation=demo_org, key=KEY)
    other = research_csv(organisation=demo_org, key=OTHER_KEY)

    assert first == second

    def episodes(text: str) -> set[str]:
        return {row["episode_id"] for row in csv.DictReader(io.StringIO(text))}

    assert len(episodes(first)) > 50
    assert episodes(first).isdisjoint(episodes(other))


def test_a_pseudonym_is_an_hmac_of_the_kind_and_the_natural_key() -> None:
    made = pseudonym(KEY, "client", "RC-0001")
    assert made == pseudonym(KEY, "client", "RC-0001") and len(made) == 17
    assert made != pseudonym(KEY, "episode", "RC-0001")
    assert made != pseudonym(OTHER_KEY, "client", "RC-0001")


def test_it_refuses_a_short_key(db: None) -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        research_csv(organisation=Organisation(name="x"), key=b"short")


def test_the_date_shift_is_never_zero_and_spans_26_weeks_either_way() -> None:
    """Found: one client in 53 kept their real days (a shift of 0 weeks)."""
    from alliance.transfer.research import _shift

    weeks = {_shift(KEY, f"C{n:05d}").days // 7 for n in range(5000)}
    assert 0 not in weeks
    assert weeks == set(range(-26, 0)) | set(range(1, 27))
