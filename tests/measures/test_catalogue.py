"""The site's instruments: every shipped file loads at start-up, and licensed wording a site
supplies locally is merged in."""

import json
from pathlib import Path

import pytest
from django.test import override_settings

from alliance.measures import catalogue

EXPECTED = {
    "ors", "srs", "cors", "csrs", "gsrs", "phq9", "gad7", "wai_sr", "wai_sr_t", "gbo", "cnip", "ceq"
}  # fmt: skip


def test_every_shipped_measure_is_offered() -> None:
    assert set(catalogue.instruments()) == EXPECTED


def test_a_site_supplied_wording_file_is_merged(tmp_path: Path, settings: object) -> None:
    (tmp_path / "wai_sr.json").write_text(
        json.dumps(
            {
                "instrument": "wai_sr",
                "items": {"wai_sr_1": {"text": {"en": "Licensed wording of the first item"}}},
            }
        )
    )
    catalogue.instruments.cache_clear()
    try:
        with override_settings(
            ALLIANCE={"SITE_ITEM_TEXT_DIR": tmp_path, "ADMIN_SEES_CLINICAL_DATA": False}
        ):
            first = catalogue.instrument("wai_sr").items[0]
            assert first.text is not None
            assert first.text["en"] == "Licensed wording of the first item"
    finally:
        catalogue.instruments.cache_clear()


def test_a_broken_site_file_stops_loading_and_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "wai_sr.json").write_text(
        json.dumps({"instrument": "wai_sr", "items": {"wai_sr_13": {"text": {"en": "?"}}}})
    )
    catalogue.instruments.cache_clear()
    try:
        with (
            override_settings(
                ALLIANCE={"SITE_ITEM_TEXT_DIR": tmp_path, "ADMIN_SEES_CLINICAL_DATA": False}
            ),
            pytest.raises(ValueError, match=r"wai_sr\.json: items\.wai_sr_13"),
        ):
            catalogue.instruments()
    finally:
        catalogue.instruments.cache_clear()
