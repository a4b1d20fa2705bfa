"""The report as CSV and JSON: one row per figure, with its n; no rounding (readers format)."""

import csv
import io
import json
from typing import Any

from alliance.reports.present import hidden_text
from alliance.reports.selectors import Report

__all__ = ["report_csv", "report_json", "report_rows"]

# ``note`` says why a figure has no value: "fewer than 5 clients" when it rests on too few.
COLUMNS = ("section", "figure", "measure", "label", "value", "n", "unit", "note")


def report_rows(report: Report) -> list[dict[str, Any]]:
    return [
        {
            "section": f.section,
            "figure": f.key,
            "measure": f.measure,
            "label": str(f.label),
            "value": f.value,
            "n": f.n,
            "unit": f.unit,
            "note": hidden_text() if f.hidden else "",
        }
        for f in report.figures
    ]


def _header(report: Report) -> dict[str, Any]:
    scope = report.scope
    return {
        "organisation": scope.organisation.name,
        "team": scope.team.name if scope.team else None,
        "clinician": scope.clinician.username if scope.clinician else None,
        "from": scope.start.isoformat(),
        "to": scope.end.isoformat(),
        "measure": scope.measure,
    }


def report_json(report: Report) -> str:
    return json.dumps({"report": _header(report), "figures": report_rows(report)}, indent=2)


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in report_rows(report):
        # An empty cell, never a zero, where there was nothing to compute from.
        blank = {key: "" for key in ("value", "n") if row[key] is None}
        writer.writerow({**row, **blank})
    return out.getvalue()
