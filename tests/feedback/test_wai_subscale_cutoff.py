"""A WAI-SR subscale below its cutoff raises the low-alliance alert (issue 12, point 2). No cutoff
is published for the WAI-SR's subscales, so the file ships none and a site sets one through
``ALLIANCE_THRESHOLDS`` (``{"wai_sr": {"subscale:bond": 12}}``); an instrument file may carry
one, checked to lie inside the subscale's range."""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import override_settings

from alliance.care.models import Episode
from alliance.clinic.explain import alert_reason
from alliance.feedback.models import Alert, AlertState
from alliance.feedback.services import alerts_refresh
from alliance.measures import catalogue
from alliance.measures.services import response_record
from alliance.science.instrument_reader import parse_instrument
from alliance.science.instrument_schema import InstrumentError
from alliance.science.series import check_threshold_overrides
from tests.factories import make_client, make_episode, make_session

BOND = ("wai_sr_3", "wai_sr_5", "wai_sr_7", "wai_sr_9")


def _wai_episode(clinic: SimpleNamespace) -> Episode:
    episode = make_episode(clinic.team_a, clinic.clinician, client=make_client(clinic.org))
    episode.outcome_measure, episode.alliance_measure = "ors", "wai_sr"
    episode.save(update_fields=["outcome_measure", "alliance_measure"])
    return episode


def _rate(episode: Episode, number: int, bond: int, rest: int = 4) -> None:
    values = {f"wai_sr_{n}": rest for n in range(1, 13)} | dict.fromkeys(BOND, bond)
    response_record(session=make_session(episode, number), instrument_code="wai_sr", values=values)


def _bond_at(cutoff: float) -> dict[str, object]:
    return {**settings.ALLIANCE, "THRESHOLDS": {"wai_sr": {"subscale:bond": cutoff}}}


def test_the_wai_sr_file_ships_no_subscale_cutoff() -> None:
    # Horvath: the WAI family has no standardised cut-offs (docs/science.md).
    assert all(s.cutoff is None for s in catalogue.instrument("wai_sr").subscales)


def test_without_a_cutoff_a_low_bond_raises_nothing(clinic: SimpleNamespace) -> None:
    episode = _wai_episode(clinic)
    _rate(episode, 1, bond=2)  # bond 8 of 20, total 40 of 60
    alerts_refresh([episode])
    assert not Alert.objects.filter(episode=episode, rule="low_alliance").exists()


def test_a_bond_below_the_sites_cutoff_raises_a_low_alliance_that_names_it(
    clinic: SimpleNamespace,
) -> None:
    episode = _wai_episode(clinic)
    with override_settings(ALLIANCE=_bond_at(12)):
        _rate(episode, 1, bond=2)  # bond 8 < 12; goal and task 16
        alerts_refresh([episode])
    alert = Alert.objects.get(episode=episode, rule="low_alliance")
    assert alert.severity == "low"
    assert alert.evidence["subscales_below_cutoff"] == "bond"
    assert alert.evidence["fired_by_item"] == "bond"
    assert (alert.evidence["subscale_bond"], alert.evidence["subscale_cutoff_bond"]) == (8.0, 12)
    assert alert.pathway == "expressive_repair"  # a strained bond: talk about the relationship
    assert "Bond subscale 8.0, below 12.0." in alert_reason(alert)


def test_a_later_bond_at_the_cutoff_resolves_it(clinic: SimpleNamespace) -> None:
    episode = _wai_episode(clinic)
    with override_settings(ALLIANCE=_bond_at(12)):
        _rate(episode, 1, bond=2)
        _rate(episode, 2, bond=3)  # 12: not below 12
        alerts_refresh([episode])
    alert = Alert.objects.get(episode=episode, rule="low_alliance")
    assert (alert.state, alert.closed_by_session) == (AlertState.RESOLVED, 2)


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"wai_sr": {"subscale:bond": 21}}, "THRESHOLDS['wai_sr']['subscale:bond']"),
        ({"wai_sr": {"subscale:trust": 10}}, "subscale:goal, subscale:task, subscale:bond"),
        ({"srs": {"subscale:bond": 10}}, "THRESHOLDS['srs']['subscale:bond']"),
    ],
)
def test_a_subscale_override_off_its_range_or_unknown_is_refused_naming_it(
    overrides: dict[str, dict[str, float]], named: str
) -> None:
    with pytest.raises(ValueError, match=named.replace("[", r"\[").replace("]", r"\]")):
        check_threshold_overrides(overrides, catalogue.instruments())


@pytest.mark.parametrize(("cutoff", "ok"), [(12, True), (3, False), (20.5, False)])
def test_an_instrument_files_subscale_cutoff_must_lie_inside_the_subscale(
    cutoff: float, ok: bool
) -> None:
    source = Path(catalogue.__file__).parents[1] / "instruments" / "wai_sr.json"
    data = json.loads(source.read_text())
    data["subscales"][2]["cutoff"] = cutoff  # bond: 4 to 20
    if ok:
        bond = parse_instrument(data, "wai_sr.json").subscales[2]
        assert (bond.code, bond.cutoff) == ("bond", 12.0)
    else:
        with pytest.raises(InstrumentError, match=r"subscales\[2\]\.cutoff: must be between 4"):
            parse_instrument(data, "wai_sr.json")
