"""The development page's small chart: the clinician's adjusted outcome estimate and its interval
against the agency's average clinician (0), as a figure with its text alternative.

Nothing clinical is decided here; the numbers come from ``alliance.supervision.selectors``, the
spec from :func:`alliance.charts.estimate_spec`. The chart shows one clinician only: never a
ranking.
"""

from django.utils.translation import gettext as _

from alliance.charts import DataTable, Figure, estimate_spec
from alliance.clinic import explain
from alliance.supervision.selectors import OutcomeEstimate

__all__ = ["estimate_figure"]


def _one(value: float) -> str:
    # The same rounding as the page's sentence (``floatformat``), so both show one number.
    return explain.number(value)


def estimate_figure(found: OutcomeEstimate) -> Figure | None:
    """The estimate as a figure for ``clinic/_figure.html``; None when it is not shown."""
    if not found.shown or found.effect is None:
        return None
    effect = found.effect
    summary = _(
        "The dot is the estimate, the bar its interval, the dashed line the agency's average "
        "clinician."
    )
    table = DataTable(
        _("Estimate and interval, in ORS points relative to the agency's average clinician (0)"),
        [_("Lower end"), _("Estimate"), _("Upper end")],
        [[_one(effect.lower), _one(effect.estimate), _one(effect.upper)]],
    )
    spec = estimate_spec(
        estimate=effect.estimate, lower=effect.lower, upper=effect.upper, description=summary
    )
    return Figure("estimate", _("Adjusted outcome and its interval"), spec, summary, table)
