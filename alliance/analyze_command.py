"""``alliance analyze``: the IO shell around :mod:`alliance.science.analysis`.

Reads the CSV as text (so a bad cell can be named), checks every row, runs the analysis with
progress bars on stderr, and writes the JSON (and, if asked, a self-contained HTML report)
atomically: a temporary file in the same folder, then a rename. On bad input nothing is written
and any earlier output is left as it was. Exit codes: 0 done, 1 the analysis failed, 2 bad input.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from alliance.analyze_report import render_report
from alliance.science.analysis import AnalysisSettings, analyze_ratings
from alliance.science.instruments import Instrument, load_instruments
from alliance.science.ratings_table import RatingsError, RatingsTable, read_ratings

__all__ = [
    "BAD_INPUT",
    "FAILED",
    "OK",
    "progress_bars",
    "read_ratings_csv",
    "run",
    "write_atomically",
]

OK, FAILED, BAD_INPUT = 0, 1, 2


class InputProblem(Exception):
    """Input that cannot be analysed, with a message for the person running the command."""


def run(ratings: Path, json_out: Path, report: Path | None) -> int:
    """Analyse ``ratings`` and write ``json_out`` (and ``report``); return the exit code.

    Every bad row is printed to stderr as ``row R, column C: message`` (rows as a spreadsheet
    numbers them: the header is row 1) and nothing is written.
    """
    started = datetime.now(UTC)
    instruments = load_instruments()
    try:
        _check_paths(ratings, json_out, report)
        table = read_ratings(read_ratings_csv(ratings), instruments=instruments)
    except InputProblem as problem:
        _say(f"alliance analyze: {problem}")
        return BAD_INPUT
    except RatingsError as bad:
        for error in bad.errors:
            _say(str(error))
        _say(f"alliance analyze: {len(bad.errors)} problems in {ratings}; nothing was written.")
        return BAD_INPUT
    try:
        outputs = _outputs(table, instruments, started, ratings.name, json_out, report)
    except ValueError as error:
        _say(f"alliance analyze: the analysis failed, nothing was written: {error}")
        return FAILED
    for path, text in outputs:
        write_atomically(path, text)
    print(f"Analysed {ratings}; wrote {', '.join(str(path) for path, _ in outputs)}.")
    return OK


def _outputs(
    table: RatingsTable,
    instruments: Mapping[str, Instrument],
    started: datetime,
    source: str,
    json_out: Path,
    report: Path | None,
) -> list[tuple[Path, str]]:
    """Every output's full text, made before anything is written."""
    settings = AnalysisSettings(fitted_at=started)
    with progress_bars() as progress:
        analysis = analyze_ratings(
            table, instruments=instruments, settings=settings, progress=progress
        )
        result = analysis.to_json_dict()
        outputs = [(json_out, json.dumps(result, allow_nan=False, indent=1) + "\n")]
        if report is not None:
            progress("report", 0, 1)
            outputs.append((report, render_report(result, source=source, when=started)))
            progress("report", 1, 1)
    return outputs


def read_ratings_csv(path: Path) -> pd.DataFrame:
    """The CSV as text cells: blanks stay "" (not NaN) and blank lines stay rows, so row numbers
    match the file as a spreadsheet shows it. A row with more cells than the header is refused:
    pandas would otherwise shift it into an index or drop the extra cells."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                index_col=False,
                encoding="utf-8-sig",
            )
    except pd.errors.EmptyDataError:
        raise InputProblem(f"{path} is empty; it needs a header row and ratings") from None
    except pd.errors.ParserWarning:
        raise InputProblem(f"{path}: a row has more cells than the header has columns") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputProblem(f"{path} is not a readable UTF-8 CSV file: {error}") from None
    except OSError as error:
        raise InputProblem(f"cannot read {path}: {error.strerror}") from None


def _check_paths(ratings: Path, json_out: Path, report: Path | None) -> None:
    if not ratings.is_file():
        raise InputProblem(f"{ratings} is not a file")
    outputs = [json_out] if report is None else [json_out, report]
    resolved = [path.resolve() for path in outputs]
    if ratings.resolve() in resolved:
        raise InputProblem("an output would overwrite the ratings file; choose another name")
    if len(set(resolved)) != len(resolved):
        raise InputProblem("--json and --report must be different files")
    for path in outputs:
        if not path.parent.is_dir():
            raise InputProblem(f"cannot write {path}: the folder {path.parent} does not exist")
        if path.is_dir():
            raise InputProblem(f"cannot write {path}: it is a folder")


def _say(message: str) -> None:
    print(message, file=sys.stderr)


ProgressCallback = Callable[[str, int, int], None]


@contextmanager
def progress_bars() -> Iterator[ProgressCallback]:
    """Progress bars on stderr, one per stage (only on a terminal: logs and pipes stay clean).
    Shared by the commands that take a while: ``alliance analyze``, ``import`` and ``export``."""
    console = Console(stderr=True)
    bars = Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    tasks: dict[str, int] = {}

    def advance(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = int(bars.add_task(stage, total=total))
        bars.update(tasks[stage], completed=done, total=total)  # type: ignore[arg-type]

    with bars:
        yield advance


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path`` in one step, so a
    reader never sees half a file and a failure leaves the old file untouched."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
