"""An episode's measures come from the installed instruments only (issue 11, point 3), and a
client added at intake can be given an episode in the admin (issue 11, the admin's gap)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as Browser
from django.urls import reverse

from alliance.care.models import Client, Episode, measure_codes
from alliance.measures import catalogue
from tests.factories import PASSWORD


def _installed(kind: str) -> list[str]:
    # An episode's outcome may also be the client's goals (goal-based outcomes, issue 12).
    kinds = ("outcome", "goal") if kind == "outcome" else (kind,)
    return sorted(code for code, i in catalogue.instruments().items() if i.kind in kinds)


def test_the_allowed_codes_are_the_installed_instruments_of_each_kind() -> None:
    assert measure_codes("outcome") == _installed("outcome") and "ors" in _installed("outcome")
    assert "gbo" in measure_codes("outcome") and "srs" not in measure_codes("outcome")
    assert measure_codes("alliance") == _installed("alliance") and "srs" in _installed("alliance")


@pytest.mark.parametrize("field", ["outcome_measure", "alliance_measure"])
def test_saving_an_episode_with_an_unknown_measure_is_refused_naming_the_field_and_the_codes(
    clinic: SimpleNamespace, field: str
) -> None:
    episode = Episode(
        client=clinic.episode.client, team=clinic.team_a, started_on=dt.date(2026, 2, 1)
    )
    setattr(episode, field, "xyz")
    with pytest.raises(ValidationError) as refused:
        episode.save()
    message = refused.value.message_dict[field][0]
    kind = "outcome" if field == "outcome_measure" else "alliance"
    assert "xyz" in message and ", ".join(_installed(kind)) in message
    assert Episode.objects.count() == 1


def test_an_alliance_measure_is_not_accepted_as_the_outcome_measure(
    clinic: SimpleNamespace,
) -> None:
    clinic.episode.outcome_measure = "srs"
    with pytest.raises(ValidationError) as refused:
        clinic.episode.full_clean()
    assert set(refused.value.message_dict) == {"outcome_measure"}
    assert Episode.objects.get(pk=clinic.episode.pk).outcome_measure == "ors"


def test_an_edit_to_an_unknown_measure_changes_nothing(clinic: SimpleNamespace) -> None:
    clinic.episode.alliance_measure = "xyz"
    with pytest.raises(ValidationError):
        clinic.episode.save()
    assert Episode.objects.get(pk=clinic.episode.pk).alliance_measure == "srs"


@pytest.fixture
def admin_browser(clinic: SimpleNamespace) -> Browser:
    browser = Browser()
    assert browser.login(username="administrator", password=PASSWORD)
    return browser


def _episode_form(client: Client, team_id: int, **changes: object) -> dict[str, object]:
    return {
        "client": client.pk,
        "team": team_id,
        "setting": "individual",
        "started_on": "2026-02-02",
        "outcome_measure": "ors",
        "alliance_measure": "srs",
        "care_team-TOTAL_FORMS": "0",
        "care_team-INITIAL_FORMS": "0",
        "care_team-MIN_NUM_FORMS": "0",
        "care_team-MAX_NUM_FORMS": "1000",
    } | changes


def test_the_admin_offers_the_measures_as_a_list(admin_browser: Browser) -> None:
    page = admin_browser.get(reverse("admin:care_episode_add")).content.decode()
    assert '<select name="outcome_measure"' in page and '<select name="alliance_measure"' in page
    assert 'value="phq9"' in page


def test_a_client_added_at_intake_can_be_given_an_episode_in_the_admin(
    clinic: SimpleNamespace, admin_browser: Browser
) -> None:
    client = Client.objects.create(
        organisation=clinic.org,
        code="NEW1",
        display_name="New",
        age_group="adult",
        created_by=clinic.clinician,
    )
    answer = admin_browser.post(
        reverse("admin:care_episode_add"), _episode_form(client, clinic.team_a.pk)
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert Episode.objects.filter(client=client).count() == 1


def test_the_admin_refuses_a_measure_not_installed(
    clinic: SimpleNamespace, admin_browser: Browser
) -> None:
    client = Client.objects.create(
        organisation=clinic.org, code="NEW1", display_name="New", age_group="adult"
    )
    data = _episode_form(client, clinic.team_a.pk, outcome_measure="xyz")
    page = admin_browser.post(reverse("admin:care_episode_add"), data)
    assert page.status_code == 200 and "outcome_measure" in page.context["adminform"].form.errors
    assert not Episode.objects.filter(client=client).exists()
