"""The clinical thresholds of ``settings.ALLIANCE`` as one typed object
(``alliance.clinical_settings``): read from the dict, checked with messages naming the key and
what it allows, and read again after the setting changes."""

from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from alliance.clinical_settings import ClinicalSettings, clinical_settings, from_alliance


def _alliance(**changes: Any) -> dict[str, Any]:
    return {**django_settings.ALLIANCE, **changes}


def test_it_reads_the_clinical_keys_of_settings_alliance() -> None:
    found = clinical_settings()
    alliance = django_settings.ALLIANCE
    assert isinstance(found, ClinicalSettings)
    assert found.interval_level == alliance["INTERVAL_LEVEL"]
    assert found.min_caseload == alliance["MIN_CASELOAD"]
    assert found.report_min_clients == alliance["REPORT_MIN_CLIENTS"]
    assert found.signals.alliance_drop == alliance["ALERTS"]["alliance_drop"]


def test_it_is_read_again_inside_and_after_override_settings() -> None:
    before = clinical_settings().interval_level
    with override_settings(ALLIANCE=_alliance(INTERVAL_LEVEL=0.99)):
        assert clinical_settings().interval_level == 0.99
    assert clinical_settings().interval_level == before


def test_the_settings_fixture_changes_it_too(settings: Any) -> None:
    settings.ALLIANCE = _alliance(GHOSTED_AFTER_DAYS=10)
    assert clinical_settings().ghosted_after_days == 10


def test_a_legacy_alert_cutoff_is_the_srs_total() -> None:
    alerts = {**django_settings.ALLIANCE["ALERTS"], "alliance_cutoff": 34}
    found = from_alliance(_alliance(THRESHOLDS={"phq9": {"total": 12}}, ALERTS=alerts))
    assert {code: dict(v) for code, v in found.thresholds.items()} == {
        "phq9": {"total": 12},
        "srs": {"total": 34.0},
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"BAND_PERCENTILE": 60}, "ALLIANCE['BAND_PERCENTILE'] must be a number from 1 to 49"),
        ({"INTERVAL_LEVEL": "0.95"}, "ALLIANCE['INTERVAL_LEVEL'] must be a number from 0.5"),
        ({"MIN_CASELOAD": True}, "ALLIANCE['MIN_CASELOAD'] must be a whole number of at least 1"),
        ({"TRAJECTORY_MIN_EPISODES": 29}, "TRAJECTORY_MIN_EPISODES'] must be a whole number of at"),
        ({"CLINICIAN_CLOSED_EPISODES_ONLY": "yes"}, "must be True or False"),
        ({"THRESHOLDS": {"srs": 35}}, "ALLIANCE['THRESHOLDS']['srs'] must be a mapping"),
        ({"ALERTS": {"alliance_dorp": 1.0}}, "keyed by one of alliance_drop, rating_discrepancy"),
        ({"ALERTS": {"perfect_streak": 0}}, "ALLIANCE['ALERTS']: perfect_streak"),
    ],
)
def test_it_refuses_a_bad_value_naming_the_key_and_what_it_allows(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ImproperlyConfigured) as refused:
        from_alliance(_alliance(**changes))
    assert message in str(refused.value)


def test_it_names_a_missing_key() -> None:
    alliance = _alliance()
    del alliance["REPORT_MIN_CLIENTS"]
    with pytest.raises(ImproperlyConfigured, match="ALLIANCE has no 'REPORT_MIN_CLIENTS'"):
        from_alliance(alliance)


def test_a_bad_clinical_setting_stops_the_start_up(settings: Any) -> None:
    settings.ALLIANCE = _alliance(RISK_ESCALATE_AFTER_HOURS=0)
    with pytest.raises(ImproperlyConfigured, match="RISK_ESCALATE_AFTER_HOURS"):
        apps.get_app_config("feedback").ready()
