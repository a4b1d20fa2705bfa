"""The client page's chart builders moved to :mod:`alliance.charts` (issue 15); this module
keeps their old names working for code that still imports them from here."""

from alliance.charts.lines import alliance_items_spec, alliance_totals_spec, goals_spec
from alliance.charts.outcome import outcome_spec
from alliance.charts.palette import (
    BAND,
    CUTOFF,
    EXPECTED,
    IMPROVED,
    INK,
    SERIES_COLOURS,
    SERIES_DASHES,
    SERIES_SHAPES,
    SEVERITY_FILLS,
    SEVERITY_TEXT,
)
from alliance.charts.points import (
    AllianceText,
    BandPoint,
    ChangeMarker,
    Line,
    OutcomeText,
    ScorePoint,
    SeverityRange,
)
from alliance.charts.scale import Sparkline, data_domain, sparkline
from alliance.charts.spec import SCHEMA, Spec

__all__ = [
    "BAND",
    "CUTOFF",
    "EXPECTED",
    "IMPROVED",
    "INK",
    "SCHEMA",
    "SERIES_COLOURS",
    "SERIES_DASHES",
    "SERIES_SHAPES",
    "SEVERITY_FILLS",
    "SEVERITY_TEXT",
    "AllianceText",
    "BandPoint",
    "ChangeMarker",
    "Line",
    "OutcomeText",
    "ScorePoint",
    "SeverityRange",
    "Sparkline",
    "Spec",
    "alliance_items_spec",
    "alliance_totals_spec",
    "data_domain",
    "goals_spec",
    "outcome_spec",
    "sparkline",
]
