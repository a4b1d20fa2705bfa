"""Every installed instrument through the whole alert refresh, as an episode's outcome or
alliance measure, with its thresholds from its own file (and the site's override)."""

import subprocess
import sys
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from alliance.care.models import Episode
from alliance.feedback.models import Alert
from alliance.feedback.services import alerts_refresh, threshold_overrides
from alliance.measures import catalogue
from alliance.measures.models import Rater
from alliance.measures.services import response_record
from alliance.science.instruments import Instrument
from tests.factories import make_client, make_episode, make_session

OUTCOMES = sorted(c for c, i in catalogue.instruments().items() if i.kind in ("outcome", "goal"))
ALLIANCES = sorted(c for c, i in catalogue.instruments().items() if i.kind == "alliance")


def _values(instrument: Instrument, share: float) -> dict[str, float]:
    """Every scored item at ``share`` of the way up its scale, on the scale's grid."""
    values = {}
    for item in instrument.scored_items:
        low, high = item.scale.min, item.scale.max
        if item.scale.options:
            choices = sorted(option.value for option in item.scale.options)
            values[item.code] = float(choices[round(share * (len(choices) - 1))])
        else:
            step = item.scale.step or 1
            values[item.code] = round((low + share * (high - low)) / step) * step
    return values


def _episode(clinic: SimpleNamespace, outcome: str, alliance: str) -> Episode:
    """An episode with these measures, for a client of an age group both are made for."""
    both = set(catalogue.instrument(outcome).age_groups) & set(
        catalogue.instrument(alliance).age_groups
    )
    age = next((group for group in ("adult", "adolescent", "child") if group in both), "adult")
    episode = make_episode(
        clinic.team_a, clinic.clinician, client=make_client(clinic.org, age_group=age)
    )
    episode.outcome_measure, episode.alliance_measure = outcome, alliance
    episode.save(update_fields=["outcome_measure", "alliance_measure"])
    return episode


def _rate(clinic: SimpleNamespace, session: object, code: str, share: float) -> None:
    instrument = catalogue.instrument(code)
    if Rater.CLIENT in instrument.respondents:
        response_record(session=session, instrument_code=code, values=_values(instrument, share))
    else:  # the WAI-SR therapist form
        response_record(
            session=session,
            instrument_code=code,
            values=_values(instrument, share),
            rater=Rater.CLINICIAN,
            rater_user=clinic.clinician,
            method="clinician",
        )


@pytest.mark.parametrize("alliance", ALLIANCES)
@pytest.mark.parametrize("outcome", OUTCOMES)
def test_every_installed_instrument_goes_through_the_refresh(
    clinic: SimpleNamespace, outcome: str, alliance: str
) -> None:
    episode = _episode(clinic, outcome, alliance)
    for number, share in ((1, 0.9), (2, 0.3), (3, 0.2)):
        session = make_session(episode, number)
        _rate(clinic, session, outcome, share)
        _rate(clinic, session, alliance, share)
    alerts_refresh([episode])
    scale = catalogue.instrument(alliance)
    for alert in Alert.objects.filter(episode=episode, rule="low_alliance"):
        # The alliance measure's own cutoff, never the SRS's on another scale.
        cutoff = next(c for c in scale.cutoffs if c.age_group == episode.client.age_group)
        assert alert.evidence["alliance_cutoff"] == cutoff.total
        assert alert.evidence["alliance_measure"] == alliance
    if not scale.cutoffs:
        assert not Alert.objects.filter(episode=episode, rule="low_alliance").exists()


def test_a_good_wai_sr_of_48_raises_no_error_and_no_alert(clinic: SimpleNamespace) -> None:
    episode = _episode(clinic, "ors", "wai_sr")
    values = {f"wai_sr_{n}": 4 for n in range(1, 13)}  # 48 of 60
    response_record(session=make_session(episode, 1), instrument_code="wai_sr", values=values)
    alerts_refresh([episode])
    assert not Alert.objects.filter(episode=episode).exists()


def test_a_wai_sr_of_36_does_not_fire_the_srs_cutoff(clinic: SimpleNamespace) -> None:
    # The WAI-SR publishes no cutoff (docs/science.md): 36 of 60 is not "36 or below on the SRS".
    episode = _episode(clinic, "ors", "wai_sr")
    values = {f"wai_sr_{n}": 3 for n in range(1, 13)}
    response_record(session=make_session(episode, 1), instrument_code="wai_sr", values=values)
    alerts_refresh([episode])
    assert not Alert.objects.filter(episode=episode, rule="low_alliance").exists()


def test_the_child_srs_reads_its_own_cutoff(clinic: SimpleNamespace) -> None:
    episode = _episode(clinic, "cors", "csrs")
    values = {"csrs_1": 9.0, "csrs_2": 8.0, "csrs_3": 9.0, "csrs_4": 9.0}  # 35, item 8
    response_record(session=make_session(episode, 1), instrument_code="csrs", values=values)
    alerts_refresh([episode])
    alert = Alert.objects.get(episode=episode, rule="low_alliance")
    assert alert.evidence["alliance_cutoff"] == 36.0  # csrs.json, for children
    assert alert.evidence["item_cutoff"] == 9.0
    assert alert.evidence["items_below_cutoff"] == alert.evidence["fired_by_item"]


@pytest.mark.parametrize(
    ("code", "first", "later", "change"), [("phq9", 1, 2, 6.0), ("gad7", 1, 2, 4.0)]
)
def test_a_reliable_deterioration_on_a_second_measure_raises_its_own_alert(
    clinic: SimpleNamespace, code: str, first: int, later: int, change: float
) -> None:
    items = [item.code for item in catalogue.instrument(code).scored_items]
    episode = clinic.episode
    for number, value in ((1, first), (2, later)):
        session = clinic.session if number == 1 else make_session(episode, number)
        response_record(session=session, instrument_code=code, values=dict.fromkeys(items, value))
    alerts_refresh([episode])
    alert = Alert.objects.get(episode=episode, rule="reliable_deterioration", measure=code)
    assert alert.evidence["reliable_change"] == change
    assert alert.evidence["worsening"] == len(items) * (later - first)
    assert alert.is_open and alert.session.number == 2


def test_a_worsening_smaller_than_the_reliable_change_raises_nothing(
    clinic: SimpleNamespace,
) -> None:
    phq = [f"phq9_{n}" for n in range(1, 10)]
    response_record(
        session=clinic.session,
        instrument_code="phq9",
        values={**dict.fromkeys(phq, 1), "phq9_9": 0},
    )
    worse = {**dict.fromkeys(phq, 1), "phq9_1": 3, "phq9_2": 3, "phq9_9": 0}  # +4 < 6
    response_record(session=make_session(clinic.episode, 2), instrument_code="phq9", values=worse)
    alerts_refresh([clinic.episode])
    assert not Alert.objects.filter(rule="reliable_deterioration").exists()


def test_the_site_override_is_per_instrument(clinic: SimpleNamespace, settings: object) -> None:
    settings.ALLIANCE = {**settings.ALLIANCE, "THRESHOLDS": {"srs": {"total": 30, "item": 5}}}  # type: ignore[attr-defined]
    response_record(
        session=clinic.session,
        instrument_code="srs",
        values={"srs_1": 8, "srs_2": 8, "srs_3": 8, "srs_4": 8},  # 32: low at 36, not at 30
    )
    child = _episode(clinic, "cors", "csrs")
    response_record(
        session=make_session(child, 1),
        instrument_code="csrs",
        values={"csrs_1": 8, "csrs_2": 8, "csrs_3": 8, "csrs_4": 8},
    )
    alerts_refresh([clinic.episode, child])
    assert not Alert.objects.filter(episode=clinic.episode).exists()
    assert Alert.objects.get(episode=child, rule="low_alliance").evidence["alliance_cutoff"] == 36


def test_the_old_alert_setting_still_sets_the_srs_cutoff(settings: object) -> None:
    settings.ALLIANCE = {  # type: ignore[attr-defined]
        **settings.ALLIANCE,  # type: ignore[attr-defined]
        "THRESHOLDS": {},
        "ALERTS": {**settings.ALLIANCE["ALERTS"], "alliance_cutoff": 34.0},  # type: ignore[attr-defined]
    }
    assert threshold_overrides() == {"srs": {"total": 34.0}}


def test_alliance_srs_cutoff_is_an_alias_of_the_srs_override() -> None:
    code = (
        "import os; os.environ['ALLIANCE_ENV'] = 'test'; "
        "os.environ['ALLIANCE_SRS_CUTOFF'] = '33'; "
        "import alliance.settings as s; print(s.ALLIANCE['THRESHOLDS'])"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == "{'srs': {'total': 33.0}}"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"srz": {"total": 30}}, "THRESHOLDS['srz']"),
        ({"srs": {"total": 41}}, "THRESHOLDS['srs']['total']"),
        ({"phq9": {"cutoff": 9}}, "THRESHOLDS['phq9']['cutoff']"),
    ],
)
def test_a_bad_override_stops_the_start_up_naming_it(
    settings: object, overrides: dict[str, dict[str, float]], named: str
) -> None:
    settings.ALLIANCE = {**settings.ALLIANCE, "THRESHOLDS": overrides}  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match=named.replace("[", r"\[")):
        apps.get_app_config("feedback").ready()
