"""A chart as a page shows it: the spec, a visible summary and the table behind it.

Plain data, filled in by the apps (``alliance.clinic.progress``, ``alliance.supervision.charts``,
``alliance.trajectories.preview``) and drawn by ``clinic/_figure.html``;
``alliance.clinic.figures`` and ``alliance.clinic.progress`` still export both names.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from alliance.charts.spec import Spec

__all__ = ["DataTable", "Figure"]


@dataclass(frozen=True)
class DataTable:
    """The numbers behind a chart, for screen readers (and anyone who prefers a table)."""

    caption: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class Figure:
    """One chart on the page: its Vega-Lite spec, a visible summary and the table behind it."""

    key: str
    title: str
    spec: Spec
    summary: str
    table: DataTable
    notes: Sequence[str] = field(default_factory=tuple)
    citation: str = ""
    has_data: bool = True
