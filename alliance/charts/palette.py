"""The one palette of every chart: pages, the PDF and the command line's offline page.

Colours are chosen to print in grey scale as distinct shades; shapes, dashes and written labels
carry the meaning, so nothing rests on colour alone. A chart takes its colours from here and
nowhere else (``tests/charts/test_rules.py`` fails on a colour written in another ``alliance``
module).
"""

__all__ = [
    "BAND",
    "CANDIDATE",
    "CLASS_COLOURS",
    "CLIENT_BAND",
    "CLIENT_EXPECTED",
    "COMPARED_COLOURS",
    "CUTOFF",
    "EXPECTED",
    "IMPROVED",
    "INK",
    "IN_USE",
    "NEUTRAL",
    "SERIES_COLOURS",
    "SERIES_DASHES",
    "SERIES_SHAPES",
    "SEVERITY_FILLS",
    "SEVERITY_TEXT",
]

# The client's scores, and every single-series line or bar.
INK = "#1f5fbf"
# The expected path (dashed) and the band around it.
EXPECTED = "#3d4556"
BAND = "#9db7e0"
# Cutoffs, the agency average and reliable deterioration.
CUTOFF = "#a3141c"
IMPROVED = "#1a7f37"
# What sets nothing apart: no reliable change, a clinician not distinguishable from the average.
NEUTRAL = "#9aa3b2"
# Severity bands: light greys growing darker with severity, so they print as distinct shades;
# each band's name is written inside it.
SEVERITY_FILLS = ("#f5f7fa", "#eaeef4", "#dfe5ee", "#d3dbe7", "#c8d1e0", "#bcc7d9")
SEVERITY_TEXT = "#3d4556"
# One line per rater, item or goal: each with its own colour, dot shape and dash.
SERIES_COLOURS = ("#1f5fbf", "#b34700", "#6b3fa0", "#1a7f37", "#7a5a00", "#3d4556")
SERIES_SHAPES = ("circle", "square", "diamond", "triangle-up", "cross", "triangle-down")
SERIES_DASHES = ((1, 0), (6, 3), (2, 2), (8, 2, 2, 2), (4, 4), (1, 3))
# The report's outcome classes, in the order of ``alliance.reports.labels.CHANGE_LABELS``
# (recovered, improved, no reliable change, deteriorated).
CLASS_COLOURS = (IMPROVED, INK, NEUTRAL, CUTOFF)
# The offline analysis page's clinician effects: an interval wholly on the better side of the
# average clinician, one that includes the average, one wholly on the worse side. Only a
# clinician set apart is coloured; the table beside the chart says which side in words.
COMPARED_COLOURS = (INK, NEUTRAL, CUTOFF)
# The trajectory preview: the model in use (solid, dark) beside the candidate fit (dashed).
IN_USE = "#1f3b73"
CANDIDATE = "#b35900"
# The client's own summary page: a softer band and a grey expected path.
CLIENT_BAND = "#7a9cc6"
CLIENT_EXPECTED = "#555"
