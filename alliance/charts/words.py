"""The words the charts draw themselves (axis titles, legend titles, fixed labels, chart
titles), in one place.

This is the one module of ``alliance.charts`` that imports Django, and only
``django.utils.translation``: each word is a lazy translation, turned into the reader's language
when a builder runs (``str(words.SESSION)``), so a spec holds plain strings that serialise to
JSON for the page and for vl-convert. Words that describe the data (a measure's name, a summary,
a table) come from the app that read the data, already translated. The msgids are the ones the
apps used before the builders moved here, so the catalogues did not change.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

__all__ = [
    "ACTIVITY_TITLE",
    "AGENCY_AVERAGE",
    "ESTIMATE_AXIS",
    "HIGHER_IS_BETTER",
    "INTAKE",
    "LOWER_IS_BETTER",
    "MODEL",
    "OUTCOME_CLASSES_TITLE",
    "PREVIEW_DESCRIPTION",
    "SCORE",
    "SESSION",
    "YOUR_SCORE",
    "YOUR_SCORES_AND_PATH",
    "YOUR_SCORES_OVER_SESSIONS",
    "YOUR_SCORE_DIRECTION",
    "direction",
]

SESSION = _("Session")
SCORE = _("Score")
HIGHER_IS_BETTER = _("higher is better")
LOWER_IS_BETTER = _("lower is better")

# The client's own charts (the portal's thank-you page, the progress page).
YOUR_SCORE = _("Your score")
YOUR_SCORE_DIRECTION = _("Your score (%(better)s)")
YOUR_SCORES_OVER_SESSIONS = _("Your scores over your sessions; %(better)s.")
YOUR_SCORES_AND_PATH = _("Your scores, the usual path and the usual range, by session.")

# The development page's estimate.
ESTIMATE_AXIS = _("ORS points (0: the agency average)")
AGENCY_AVERAGE = _("agency average")

# The trajectory preview.
MODEL = _("Model")
# The tooltip's heading of a line's intake ("Intake 12").
INTAKE = pgettext_lazy("trajectory preview tooltip", "Intake")
PREVIEW_DESCRIPTION = _("Expected paths under the model in use and the candidate fit")

# The agency report's charts (page and PDF).
OUTCOME_CLASSES_TITLE = _("Outcome classes per measure (share of closed episodes, with n)")
ACTIVITY_TITLE = _("Episodes and sessions (counts)")


def direction(higher_is_better: bool) -> str:
    """Which way is better on a measure, in the reader's language ("higher is better")."""
    return str(HIGHER_IS_BETTER if higher_is_better else LOWER_IS_BETTER)
