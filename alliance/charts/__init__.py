"""Pure Vega-Lite builders: every chart of the pages, the PDF and the command line's offline
analysis page (``analysis.py``).

One schema version (:data:`SCHEMA`, in ``spec.py``), one palette (``palette.py``) and the
words the charts draw themselves (``words.py``). A builder takes plain data (numbers, strings,
the dataclasses of ``points.py``) and returns a Vega-Lite spec as plain dicts and lists.

The rules (``pyproject.toml`` holds the import-linter contracts that enforce them):

- no import of any ``alliance`` app, nor of ``alliance.access``, ``alliance.web`` or the
  settings: the apps import ``alliance.charts``, never the other way round. The selectors that
  turn models into chart data stay in the apps (``alliance.clinic.progress`` and friends);
- Django only in ``words.py``, and there only ``django.utils.translation``, for the lazy
  display words (``tests/charts/test_rules.py`` checks the second half);
- nothing clinical is decided here: cutoffs, bands and change markers come from the science
  core through the apps.

The old homes (``alliance.clinic.charts``, ``alliance.portal.charts``,
``alliance.supervision.charts``, ``alliance.reports.charts``) still export their public names.
"""

from alliance.charts.analysis import (
    ClassCount,
    Interval,
    MeanPathText,
    MeanPoint,
    alerts_spec,
    class_counts_spec,
    intervals_spec,
    mean_path_spec,
    printed,
)
from alliance.charts.client import client_progress_spec, client_summary_spec
from alliance.charts.estimate import estimate_spec
from alliance.charts.figure import DataTable, Figure
from alliance.charts.lines import alliance_items_spec, alliance_totals_spec, goals_spec
from alliance.charts.outcome import outcome_spec
from alliance.charts.paths import PathPoint, paths_spec
from alliance.charts.points import (
    AllianceText,
    BandPoint,
    ChangeMarker,
    Line,
    OutcomeText,
    ScorePoint,
    SeverityRange,
)
from alliance.charts.report import ClassShare, Count, class_shares_spec, counts_spec
from alliance.charts.scale import Sparkline, data_domain, sparkline
from alliance.charts.spec import SCHEMA, Spec

__all__ = [
    "SCHEMA",
    "AllianceText",
    "BandPoint",
    "ChangeMarker",
    "ClassCount",
    "ClassShare",
    "Count",
    "DataTable",
    "Figure",
    "Interval",
    "Line",
    "MeanPathText",
    "MeanPoint",
    "OutcomeText",
    "PathPoint",
    "ScorePoint",
    "SeverityRange",
    "Sparkline",
    "Spec",
    "alerts_spec",
    "alliance_items_spec",
    "alliance_totals_spec",
    "class_counts_spec",
    "class_shares_spec",
    "client_progress_spec",
    "client_summary_spec",
    "counts_spec",
    "data_domain",
    "estimate_spec",
    "goals_spec",
    "intervals_spec",
    "mean_path_spec",
    "outcome_spec",
    "paths_spec",
    "printed",
    "sparkline",
]
