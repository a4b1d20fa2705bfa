"""``alliance analyze`` at agency size (issue 16, point 7): the JSON is written record by record
with the C encoder and means the same as the analysis' dict, every stage reports as it starts and
as it ends, and a failure while writing leaves nothing behind. Speed is in
``bench/bench_analyze.py``, never asserted here."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from alliance.cli.analyze import json_chunks, read_ratings_csv, run, write_atomically
from alliance.science.analysis import ROW_SECTIONS, Analysis, analyze_ratings
from alliance.science.series import check_number
from alliance.science.simulate import ClinicParameters, simulate_clinic


@pytest.fixture(scope="module")
def csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ratings = simulate_clinic(ClinicParameters(n_clients=120, n_clinicians=6), seed=16).ratings
    path = tmp_path_factory.mktemp("scale") / "ratings.csv"
    ratings.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def analysis(csv: Path) -> Analysis:
    return analyze_ratings(read_ratings_csv(csv))


def test_the_streamed_json_means_what_the_analysis_dict_says(analysis: Analysis) -> None:
    text = "".join(json_chunks(analysis.json_sections()))
    expected = json.loads(json.dumps(analysis.to_json_dict(), allow_nan=False))
    assert json.loads(text) == expected
    assert len(expected["alerts"]) > 10 and len(expected["episodes"]) > 100


def test_each_record_of_the_large_arrays_is_one_line(analysis: Analysis) -> None:
    lines = "".join(json_chunks(analysis.json_sections())).splitlines()
    result = analysis.to_json_dict()
    records = sum(len(result[key]) for key in ROW_SECTIONS)
    one_line = [line for line in lines if line.startswith("  {") and line.rstrip(",").endswith("}")]
    assert len(one_line) == records


def test_an_empty_array_is_written_as_one(analysis: Analysis) -> None:
    sections = [("format", "x"), ("alerts", iter(())), ("etr", {})]
    assert json.loads("".join(json_chunks(sections))) == {"format": "x", "alerts": [], "etr": {}}


def test_nan_is_still_refused_while_writing() -> None:
    with pytest.raises(ValueError, match="Out of range float values"):
        "".join(json_chunks([("alerts", iter([{"x": math.nan}]))]))


def test_a_failure_while_writing_chunks_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("earlier")

    def chunks() -> Iterator[str]:
        yield "{"
        raise ValueError("broken")

    with pytest.raises(ValueError, match="broken"):
        write_atomically(target, chunks())
    assert target.read_text() == "earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_every_stage_reports_when_it_starts_and_when_it_is_done(
    csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contextlib import contextmanager

    from alliance.cli import analyze as analyze_command

    seen: list[tuple[str, int, int]] = []

    @contextmanager
    def recorder() -> Iterator[object]:
        yield lambda *call: seen.append(call)

    monkeypatch.setattr(analyze_command, "progress_bars", recorder)
    assert run(csv, tmp_path / "out.json", tmp_path / "out.html") == 0
    stages = list(dict.fromkeys(stage for stage, _, _ in seen))
    assert stages == [
        "reading the CSV",  # a bar of its own: a million ratings take a while to read
        "checking rows",
        "changes",
        "expected trajectories",
        "alert rules",
        "clinician effects",
        "report",  # made before anything is written
        "writing the JSON",
    ]
    for stage in stages:
        calls = [(done, total) for name, done, total in seen if name == stage]
        assert calls[0][0] == 0, stage
        assert calls[-1][0] == calls[-1][1], stage
    written = json.loads((tmp_path / "out.json").read_text())
    assert written["summary"]["n_episodes"] == 120
    assert "<svg" in (tmp_path / "out.html").read_text()


@pytest.mark.parametrize(
    "value", [True, math.nan, math.inf, -math.inf, -0.5, "3", None, pd.NA], ids=repr
)
def test_the_quick_number_check_still_refuses_what_it_refused(value: object) -> None:
    with pytest.raises(ValueError, match="alliance: must be"):
        check_number(value, "alliance", 0.0, 40.0)


@pytest.mark.parametrize("value", [0, 40, 12.5, 0.0])
def test_the_quick_number_check_accepts_numbers_in_range(value: float) -> None:
    check_number(value, "alliance", 0.0, 40.0)
