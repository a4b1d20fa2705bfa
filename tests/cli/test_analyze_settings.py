"""``alliance analyze`` takes the site's settings: ALLIANCE_* environment variables, a settings
file and flags, in that order, and writes the settings it used into its JSON (issue 18)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from alliance.cli import app
from alliance.science.simulate import ClinicParameters, simulate_clinic


def analyze(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, ["analyze", *(str(arg) for arg in args)], env=env)


@pytest.fixture(scope="module")
def clinic_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ratings = simulate_clinic(ClinicParameters(n_clients=60, n_clinicians=4), seed=8).ratings
    path = tmp_path_factory.mktemp("clinic") / "ratings.csv"
    ratings.to_csv(path, index=False)
    return path


def settings_written(result: Result, out: Path) -> dict[str, object]:
    assert result.exit_code == 0, result.output
    settings: dict[str, object] = json.loads(out.read_text())["settings"]
    return settings


def test_the_sites_environment_settings_are_used_and_written(
    clinic_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.json"
    env = {
        "ALLIANCE_INTERVAL_LEVEL": "0.99",
        "ALLIANCE_BAND_PERCENTILE": "10",
        "ALLIANCE_SRS_CUTOFF": "35",
    }
    settings = settings_written(analyze(clinic_csv, "--json", out, env=env), out)
    assert settings["level"] == 0.99 and settings["band_percentile"] == 10.0
    assert settings["signals"]["alliance_cutoff"] == 35.0  # type: ignore[index]


def test_flags_win_over_a_settings_file_which_wins_over_the_environment(
    clinic_csv: Path, tmp_path: Path
) -> None:
    file = tmp_path / "settings.json"
    file.write_text(json.dumps({"level": 0.9, "min_caseload": 5, "alliance_summary": "early"}))
    out = tmp_path / "out.json"
    env = {"ALLIANCE_INTERVAL_LEVEL": "0.99", "ALLIANCE_MIN_CASELOAD": "20"}
    result = analyze(clinic_csv, "--json", out, "--settings", file, "--level", "0.8", env=env)
    settings = settings_written(result, out)
    assert settings["level"] == 0.8
    assert settings["min_caseload"] == 5
    assert settings["alliance_summary"] == "early"


def test_an_earlier_analysis_can_be_given_as_the_settings_file(
    clinic_csv: Path, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    settings_written(analyze(clinic_csv, "--json", first, "--band-percentile", "15"), first)
    again = settings_written(analyze(clinic_csv, "--json", second, "--settings", first), second)
    assert again == json.loads(first.read_text())["settings"]
    assert again["band_percentile"] == 15.0


def test_the_alliance_summary_is_named_in_the_split_note(clinic_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = analyze(clinic_csv, "--json", out, "--alliance-summary", "early")
    assert result.exit_code == 0, result.output
    notes = {r["note"] for r in json.loads(out.read_text())["alliance_outcome"].values()}
    assert any("sessions 1 to 3" in note or note.startswith("not estimated") for note in notes)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--level", "1.5"], {}, "level: must be above 0 and below 1"),
        (["--alliance-summary", "late"], {}, "alliance_summary: must be episode_mean or early"),
        ([], {"ALLIANCE_MIN_CASELOAD": "many"}, "ALLIANCE_MIN_CASELOAD: min_caseload must be"),
    ],
)
def test_a_bad_setting_is_refused_by_name_and_nothing_is_written(
    clinic_csv: Path, tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    out = tmp_path / "out.json"
    result = analyze(clinic_csv, "--json", out, *args, env=env)
    assert result.exit_code == 2
    assert message in result.output
    assert not out.exists()


def test_an_unknown_setting_in_the_file_is_refused_by_name(
    clinic_csv: Path, tmp_path: Path
) -> None:
    file = tmp_path / "settings.json"
    file.write_text(json.dumps({"levle": 0.9}))
    result = analyze(clinic_csv, "--json", tmp_path / "out.json", "--settings", file)
    assert result.exit_code == 2 and "unknown setting 'levle'" in result.output
