"""The thresholds in force (``alliance.science.thresholds``): the instrument file's, the site's
override applied key by key, and the check that refuses a bad override naming it."""

import pytest

from alliance.science.instruments import load_instruments
from alliance.science.thresholds import check_threshold_overrides, thresholds_for


def test_an_override_replaces_only_the_keys_it_sets() -> None:
    ors = load_instruments()["ors"]
    own = thresholds_for(ors, "adult")
    found = thresholds_for(ors, "adult", {"ors": {"reliable_change": 6}, "srs": {"total": 30}})
    assert found.reliable_change == 6.0
    assert (found.cutoff, found.item_cutoff) == (own.cutoff, own.item_cutoff)


def test_a_bad_key_or_value_is_refused_naming_it() -> None:
    instruments = load_instruments()
    with pytest.raises(ValueError, match=r"THRESHOLDS\['srs'\]\['totl'\]"):
        check_threshold_overrides({"srs": {"totl": 30}}, instruments)
    with pytest.raises(ValueError, match=r"THRESHOLDS\['srs'\]\['total'\]"):
        check_threshold_overrides({"srs": {"total": 41}}, instruments)
    check_threshold_overrides({"srs": {"total": 34, "item": 8}}, instruments)
