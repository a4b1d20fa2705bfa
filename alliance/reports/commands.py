"""The ``alliance report`` command's work: parse, build and write, or say plainly what is wrong."""

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from alliance.reports import formats, pdf
from alliance.reports.selectors import Report, ReportError, report_build, report_scope

__all__ = ["report_write"]

WRITERS: dict[str, Callable[[Report], str | bytes]] = {
    "csv": formats.report_csv,
    "json": formats.report_json,
    "pdf": pdf.report_pdf,
}


def _day(name: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ReportError(
            name, f"{text!r} is not a date; write YYYY-MM-DD, e.g. 2026-01-31"
        ) from None


def report_write(
    *,
    organisation: str,
    team: str,
    clinician: str,
    date_from: str,
    date_to: str,
    measure: str,
    fmt: str,
    output: Path,
) -> str | None:
    """Write the report to ``output``; return a plain message instead when it cannot be made."""
    try:
        if fmt not in WRITERS:
            raise ReportError("format", f"--format must be one of: {', '.join(WRITERS)}")
        scope = report_scope(
            viewer=None,
            organisation=organisation,
            team=team,
            clinician=clinician,
            start=_day("--from", date_from),
            end=_day("--to", date_to),
            measure=measure,
        )
        report = report_build(scope)
    except ReportError as error:
        return f"{error.field.replace('date_', '--')}: {error.message}"
    body = WRITERS[fmt](report)
    if isinstance(body, str):
        output.write_text(body, encoding="utf-8")
    else:
        output.write_bytes(body)
    return None
