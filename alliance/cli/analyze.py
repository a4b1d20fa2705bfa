"""``alliance analyze``: the IO shell around :mod:`alliance.science.analysis`.

Reads the CSV as text (so a bad cell can be named), checks every row, runs the analysis with
progress bars on stderr, and writes the JSON (and, if asked, a self-contained HTML report)
atomically: a temporary file in the same folder, then a rename. On bad input nothing is written
and any earlier output is left as it was. Exit codes: 0 done, 1 the analysis failed, 2 bad input.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from alliance.cli.analyze_report import render_report
from alliance.cli.json_text import json_reason
from alliance.cli.language import LANGUAGE_CODE, ngettext
from alliance.cli.language import gettext as _
from alliance.console.messages import for_language
from alliance.science.analysis import ROW_SECTIONS, AnalysisSettings, analyze_ratings
from alliance.science.instruments import Instrument, load_instruments
from alliance.science.ratings_table import RatingsError, RatingsTable, read_ratings
from alliance.science.signals import SignalSettings

__all__ = [
    "BAD_INPUT",
    "FAILED",
    "OK",
    "analysis_settings",
    "json_chunks",
    "progress_bars",
    "read_ratings_csv",
    "run",
    "write_atomically",
]

OK, FAILED, BAD_INPUT = 0, 1, 2


class InputProblem(Exception):
    """Input that cannot be analysed, with a message for the person running the command."""


# The site's settings (docs/settings.md) that the analysis shares with the web application.
ENVIRONMENT = {
    "ALLIANCE_BAND_PERCENTILE": ("band_percentile", float),
    "ALLIANCE_INTERVAL_LEVEL": ("level", float),
    "ALLIANCE_MIN_CASELOAD": ("min_caseload", int),
    "ALLIANCE_TRAJECTORY_MIN_EPISODES": ("min_episodes_for_fit", int),
    "ALLIANCE_TRAJECTORY_MIN_RATINGS_PER_EPISODE": ("min_ratings_per_episode", float),
    "ALLIANCE_SRS_CUTOFF": ("signals.alliance_cutoff", float),
    "ALLIANCE_SRS_ITEM_CUTOFF": ("signals.alliance_item_cutoff", float),
    "ALLIANCE_SRS_DROP": ("signals.alliance_drop", float),
    "ALLIANCE_RATING_GAP": ("signals.rating_discrepancy", float),
    "ALLIANCE_PERFECT_STREAK": ("signals.perfect_streak", int),
    "ALLIANCE_MISSING_OUTCOME_STREAK": ("signals.missing_outcome_streak", int),
}
_SETTING_TYPES: dict[str, Any] = {
    "band_percentile": float,
    "level": float,
    "min_caseload": int,
    "min_episodes_for_fit": int,
    "min_ratings_per_episode": float,
    "alliance_summary": str,
    "outcome_order": tuple,
    "alliance_measures": tuple,
}
_SIGNAL_TYPES: dict[str, Any] = {
    f.name: {"float": float, "int": int, "bool": bool}.get(str(f.type), f.type)
    for f in dataclasses.fields(SignalSettings)
    if f.name != "item_aspects"
}


_KIND_WORDS = {
    float: _("a number"),
    int: _("a whole number"),
    str: _("text"),
    bool: _("true or false"),
}


def analysis_settings(
    *,
    environ: Mapping[str, str] | None = None,
    settings_file: Path | None = None,
    options: Mapping[str, object] | None = None,
    fitted_at: datetime | None = None,
) -> AnalysisSettings:
    """The analysis settings: the defaults, then the site's ``ALLIANCE_*`` environment
    variables, then a settings file (JSON, the ``settings`` object an analysis writes), then the
    command-line flags (``options``, None values ignored). Raises InputProblem naming the
    setting when a value is not allowed."""
    values: dict[str, Any] = {}
    signals: dict[str, Any] = {}

    def put(name: str, value: object, where: str) -> None:
        in_signals = name.startswith("signals.")
        key = name.removeprefix("signals.")
        target, types = (signals, _SIGNAL_TYPES) if in_signals else (values, _SETTING_TYPES)
        if key not in types:
            allowed = ", ".join(types if in_signals else [*types, "signals"])
            raise InputProblem(
                _("%(where)s: unknown setting %(key)r; known: %(allowed)s")
                % {"where": where, "key": key, "allowed": allowed}
            )
        kind = types[key]
        try:
            if kind is int and isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            if kind is bool and not isinstance(value, bool):
                raise ValueError(value)
            # tuple() of something that is not a list raises TypeError, refused below
            target[key] = tuple(cast(Iterable[Any], value)) if kind is tuple else kind(value)
        except (TypeError, ValueError):
            words = _KIND_WORDS.get(kind) or _("a list")
            raise InputProblem(
                _("%(where)s: %(key)s must be %(words)s, got %(value)r")
                % {"where": where, "key": key, "words": words, "value": value}
            ) from None

    for variable, (name, _kind) in ENVIRONMENT.items():
        if (environ if environ is not None else os.environ).get(variable, "").strip():
            put(name, (environ if environ is not None else os.environ)[variable], variable)
    if settings_file is not None:
        for name, value in _read_settings_file(settings_file).items():
            if name == "signals" and isinstance(value, dict):
                for key, inner in value.items():
                    put(f"signals.{key}", inner, f"{settings_file}: signals")
            else:
                put(name, value, str(settings_file))
    for name, value in (options or {}).items():
        if value is not None:
            put(name, value, "--" + name.replace("_", "-"))
    try:
        return AnalysisSettings(
            **values,
            signals=dataclasses.replace(SignalSettings(), **signals),
            fitted_at=fitted_at,
        )
    except ValueError as error:
        raise InputProblem(str(error)) from None


def _read_settings_file(path: Path) -> dict[str, Any]:
    try:
        plain = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputProblem(
            _("cannot read %(path)s: %(reason)s") % {"path": path, "reason": error.strerror}
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputProblem(
            _("%(path)s is not a JSON settings file: %(error)s")
            % {"path": path, "error": json_reason(error, _)}
        ) from None
    if isinstance(plain, dict) and isinstance(plain.get("settings"), dict):
        plain = plain["settings"]  # a whole earlier analysis: reuse its settings
    if not isinstance(plain, dict):
        raise InputProblem(_("%(path)s: must be a JSON object of settings") % {"path": path})
    return plain


def run(
    ratings: Path,
    json_out: Path,
    report: Path | None,
    *,
    settings_file: Path | None = None,
    options: Mapping[str, object] | None = None,
) -> int:
    """Analyse ``ratings`` and write ``json_out`` (and ``report``); return the exit code.

    Every bad row is printed to stderr as ``row R, column C: message`` (rows as a spreadsheet
    numbers them: the header is row 1) and nothing is written. Settings: see
    :func:`analysis_settings`; they are written into the JSON.
    """
    started = datetime.now(UTC)
    instruments = load_instruments()
    try:
        settings = analysis_settings(
            settings_file=settings_file, options=options, fitted_at=started
        )
        _check_paths(ratings, json_out, report)
        with progress_bars() as progress:  # closed (bars gone) before any message below
            table = _read_checked(ratings, instruments, progress)
    except InputProblem as problem:
        _say(_("alliance analyze: %(problem)s") % {"problem": problem})
        return BAD_INPUT
    except RatingsError as bad:
        for error in bad.errors:
            # The science core says what is wrong with the cell; where it is, here, both in the
            # command line's language.
            message = for_language(error.detail or error.message, _, LANGUAGE_CODE)
            _say(
                _("row %(row)d, column %(column)s: %(message)s")
                % {"row": error.row, "column": error.column, "message": message}
            )
        _say(
            ngettext(
                "alliance analyze: %(count)d problem in %(file)s; nothing was written.",
                "alliance analyze: %(count)d problems in %(file)s; nothing was written.",
                len(bad.errors),
            )
            % {"count": len(bad.errors), "file": ratings}
        )
        return BAD_INPUT
    try:
        with progress_bars() as progress:
            for path, text in _outputs(
                table, instruments, started, ratings.name, json_out, report, settings,
                _without_stage(progress, "checking rows"),  # its bar was shown while reading
            ):  # fmt: skip
                write_atomically(path, text)
    except ValueError as error:
        _say(
            _("alliance analyze: the analysis failed, nothing was written: %(error)s")
            % {"error": error}
        )
        return FAILED
    written = [json_out] if report is None else [json_out, report]
    print(
        _("Analysed %(file)s; wrote %(outputs)s.")
        % {"file": ratings, "outputs": ", ".join(str(path) for path in written)}
    )
    return OK


def _read_checked(
    path: Path, instruments: Mapping[str, Instrument], progress: ProgressCallback
) -> RatingsTable:
    """The CSV read and checked, each with its progress bar (at agency size each takes a
    while: issue 16)."""
    progress("reading the CSV", 0, 1)
    frame = read_ratings_csv(path, categories=True)
    progress("reading the CSV", 1, 1)
    progress("checking rows", 0, 1)
    table = read_ratings(frame, instruments=instruments)
    progress("checking rows", 1, 1)
    return table


def _without_stage(progress: ProgressCallback, left_out: str) -> ProgressCallback:
    def advance(stage: str, done: int, total: int) -> None:
        if stage != left_out:
            progress(stage, done, total)

    return advance


def _outputs(
    table: RatingsTable,
    instruments: Mapping[str, Instrument],
    started: datetime,
    source: str,
    json_out: Path,
    report: Path | None,
    settings: AnalysisSettings | None = None,
    progress: ProgressCallback | None = None,
) -> list[tuple[Path, Iterable[str]]]:
    """Every output, the report's text made before anything is written; the JSON as chunks
    encoded while it is written (:func:`json_chunks`), so the whole file is never in memory."""
    settings = settings or AnalysisSettings(fitted_at=started)
    advance = progress or _quiet
    analysis = analyze_ratings(table, instruments=instruments, settings=settings, progress=advance)
    sections = list(analysis.json_sections())
    rows = len(analysis.episodes) + len(analysis.talking_therapies) + len(analysis.alerts)
    outputs: list[tuple[Path, Iterable[str]]] = [
        (json_out, json_chunks(sections, rows=rows, progress=advance))
    ]
    if report is not None:
        advance("report", 0, 1)
        small = {key: value for key, value in sections if key not in ROW_SECTIONS}
        outputs.append((report, render_report(small, source=source, when=started)))
        advance("report", 1, 1)
    return outputs


def _quiet(stage: str, done: int, total: int) -> None:
    """No progress bars."""


_ROWS_PER_REPORT = 20_000  # records between progress reports while the JSON is written


def json_chunks(
    sections: Iterable[tuple[str, Any]], *, rows: int = 0, progress: ProgressCallback = _quiet
) -> Iterator[str]:
    """The analysis JSON as text chunks, valid JSON with the layout of ``json.dumps(indent=1)``
    except that each record of the large arrays (:data:`ROW_SECTIONS`: episodes, alerts) is one
    line. Records are encoded one at a time by the standard library's C encoder (which
    ``indent`` turns off: the indented pure-Python encoder took a quarter of a run at agency
    size, issue 16); NaN is refused as before."""
    record = _record_encoder()
    done = 0
    progress("writing the JSON", 0, rows)
    yield "{"
    for index, (key, value) in enumerate(sections):
        yield ("\n " if index == 0 else ",\n ") + json.dumps(key) + ": "
        if key not in ROW_SECTIONS:
            yield json.dumps(value, allow_nan=False, indent=1).replace("\n", "\n ")
            continue
        opened = False
        # Rows that can encode themselves (the alerts: alliance.science.alert_table) do.
        encoded = getattr(value, "encoded", None)
        for line in encoded(record) if encoded is not None else map(record, value):
            yield ("[\n  " if not opened else ",\n  ") + line
            opened, done = True, done + 1
            if done % _ROWS_PER_REPORT == 0:
                progress("writing the JSON", done, rows)
        yield "\n ]" if opened else "[]"
    progress("writing the JSON", rows, rows)
    yield "\n}\n"


def _record_encoder() -> Callable[[Any], str]:
    """``json.JSONEncoder(allow_nan=False, separators=(", ", ": ")).encode``, its C encoder
    made once rather than once per record (half the cost of encoding a small record, issue
    16). Records are plain data without cycles, so the cycle check is left out."""
    encoder = json.JSONEncoder(allow_nan=False, separators=(", ", ": "))
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without the C accelerator
        return encoder.encode
    chunks = make(
        None, encoder.default, json.encoder.encode_basestring_ascii, None, ": ", ", ",
        False, False, False,
    )  # fmt: skip

    def encode(value: Any) -> str:
        return "".join(chunks(value, 0))

    return encode


# The delimiters a spreadsheet writes: a comma, a semicolon (Excel where the decimal mark is a
# comma) or a tab.
DELIMITERS = (",", ";", "\t")
_DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d+,\d+\s*$")
_NUMBER_COLUMN = re.compile(r"^\s*(score|session|item_\d+)\s*$", re.IGNORECASE)


def sniffed_delimiter(header: str) -> str:
    """The delimiter of a CSV file from its header: the one of ``DELIMITERS`` that splits it
    into the most columns (a comma when none does).

    >>> sniffed_delimiter("episode_id;clinician_id;session"), sniffed_delimiter("a,b;c,d")
    (';', ',')
    """
    counts = {
        delimiter: len(next(csv.reader([header], delimiter=delimiter))) for delimiter in DELIMITERS
    }
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > 1 else ","


def _decimal_points(frame: pd.DataFrame) -> pd.DataFrame:
    """Decimal commas (``7,5``, as a spreadsheet writes them where that is the mark) read as
    decimal points, in the number columns only (score, session, item_<n>). Each distinct cell
    is matched once (a column of a million scores has a few hundred: issue 16)."""
    for name in frame.columns:
        if not _NUMBER_COLUMN.match(str(name)):
            continue
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            if not any(_DECIMAL_COMMA.match(str(cell)) for cell in column.cat.categories):
                continue
            column = column.astype(object)  # its cells as text, to be rewritten
        codes, distinct = pd.factorize(column)
        comma = np.array([bool(_DECIMAL_COMMA.match(str(cell))) for cell in distinct])
        if not comma.any():
            continue
        hit = np.zeros(len(column), dtype=bool)
        known = codes >= 0
        hit[known] = comma[codes[known]]
        frame[name] = column.where(~hit, column.str.replace(",", ".", regex=False))
    return frame


def _csv_bytes(path: Path) -> bytes:
    """The file's bytes, checked to be UTF-8, without a byte-order mark (Excel's "CSV UTF-8").
    The parser reads the bytes themselves: a text copy in memory (io.StringIO holds four bytes
    a character) took about 300 MB for a million ratings (issue 16)."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputProblem(
            _("cannot read %(path)s: %(reason)s") % {"path": path, "reason": error.strerror}
        ) from None
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputProblem(
            _(
                '%(path)s is not UTF-8 text (byte %(byte)d is not); save it as "CSV UTF-8" '
                "and try again"
            )
            % {"path": path, "byte": error.start + 1}
        ) from None
    return raw.removeprefix(b"\xef\xbb\xbf")


def _header(raw: bytes) -> str:
    """The first line that is not blank (as ``str.splitlines`` splits lines), or ""."""
    start = 0
    while start < len(raw):
        end = raw.find(b"\n", start)
        end = len(raw) if end < 0 else end
        found = next((line for line in raw[start:end].decode().splitlines() if line.strip()), "")
        if found:
            return found
        start = end + 1
    return ""


def read_ratings_csv(path: Path, *, categories: bool = False) -> pd.DataFrame:
    """The CSV as text cells: blanks stay "" (not NaN) and blank lines stay rows, so row numbers
    match the file as a spreadsheet shows it (the checks skip blank lines). The delimiter (comma,
    semicolon or tab) is read from the header, a decimal comma is a decimal point, a byte-order
    mark and Windows line ends are fine. A row with more cells than the header is refused:
    pandas would otherwise shift it into an index or drop the extra cells.

    With ``categories`` each column is read as pandas categories of its text cells (the same
    cells, each distinct text held once): a million ratings take about 30 MB instead of about
    950 MB of Python strings, and the checks, which work on the distinct cells, find them made
    (``alliance analyze``, issue 16)."""
    raw = _csv_bytes(path)
    header = _header(raw)
    if not header:
        raise InputProblem(
            _("%(path)s is empty; it needs a header row and ratings") % {"path": path}
        )
    sep = sniffed_delimiter(header)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.BytesIO(raw),
                encoding="utf-8",
                sep=sep,
                dtype="category" if categories else str,
                keep_default_na=False,
                skip_blank_lines=False,
                index_col=False,
            )
    except pd.errors.EmptyDataError:
        raise InputProblem(
            _("%(path)s is empty; it needs a header row and ratings") % {"path": path}
        ) from None
    except pd.errors.ParserWarning:
        raise InputProblem(
            _("%(path)s: a row has more cells than the header has columns") % {"path": path}
        ) from None
    except pd.errors.ParserError as error:
        raise InputProblem(
            _("%(path)s is not a readable CSV file: %(error)s") % {"path": path, "error": error}
        ) from None
    if sep == "," and b'"' not in raw:
        return frame  # no cell can hold a comma: it would end the cell unless quoted
    return _decimal_points(frame)


def _check_paths(ratings: Path, json_out: Path, report: Path | None) -> None:
    if not ratings.is_file():
        raise InputProblem(_("%(path)s is not a file") % {"path": ratings})
    outputs = [json_out] if report is None else [json_out, report]
    resolved = [path.resolve() for path in outputs]
    if ratings.resolve() in resolved:
        raise InputProblem(_("an output would overwrite the ratings file; choose another name"))
    if len(set(resolved)) != len(resolved):
        raise InputProblem(_("--json and --report must be different files"))
    for path in outputs:
        if not path.parent.is_dir():
            raise InputProblem(
                _("cannot write %(path)s: the folder %(folder)s does not exist")
                % {"path": path, "folder": path.parent}
            )
        if path.is_dir():
            raise InputProblem(_("cannot write %(path)s: it is a folder") % {"path": path})


def _say(message: str) -> None:
    print(message, file=sys.stderr)


ProgressCallback = Callable[[str, int, int], None]

# The stages' names are the science core's and this module's (plain English keys); the bars
# show them in the command line's language. Another name (e.g. the transfer commands' already
# translated label) is shown as it comes.
STAGE_LABELS = {
    "reading the CSV": _("reading the CSV"),
    "checking rows": _("checking rows"),
    "changes": _("changes"),
    "expected trajectories": _("expected trajectories"),
    "alert rules": _("alert rules"),
    "clinician effects": _("clinician effects"),
    "writing the JSON": _("writing the JSON"),
    "report": _("report"),
}


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
    tasks: dict[str, TaskID] = {}

    def advance(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            label = STAGE_LABELS.get(stage, stage)
            tasks[stage] = bars.add_task(label, total=total)
        bars.update(tasks[stage], completed=done, total=total)

    with bars:
        yield advance


def write_atomically(path: Path, text: str | Iterable[str]) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path`` in one step, so a
    reader never sees half a file and a failure leaves the old file untouched. ``text`` may be
    an iterable of chunks, written as they come (an error while making them leaves nothing)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            if isinstance(text, str):
                stream.write(text)
            else:
                stream.writelines(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
