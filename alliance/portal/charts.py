"""The client's own progress chart as a Vega-Lite specification (drawn in the page by the
vendored vega-embed through ``alliance/static/alliance/charts.js``; a table carries the same
numbers for screen readers and for browsers without scripts). The builder is
:func:`alliance.charts.client_progress_spec`; this module turns the selector's data into its
input."""

from typing import Any

from alliance.charts import SCHEMA, ScorePoint, client_progress_spec
from alliance.portal.selectors import ClientProgress

__all__ = ["VEGA_LITE_SCHEMA", "progress_spec"]

# The old name of the one schema version (alliance.charts.SCHEMA).
VEGA_LITE_SCHEMA = SCHEMA


def progress_spec(progress: ClientProgress) -> dict[str, Any]:
    """A line of the client's scores by session on the measure's full range, in plain words."""
    return client_progress_spec(
        scores=[ScorePoint(point.session, point.score) for point in progress.points],
        minimum=progress.minimum,
        maximum=progress.maximum,
        higher_is_better=progress.higher_is_better,
    )
