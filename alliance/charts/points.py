"""The plain data a measure's chart is drawn from: scores, the expected band, change markers,
cutoff lines and severity bands, and the words of each chart already in the reader's language.

The apps build these from the database (``alliance.clinic.progress``, ``alliance.clinic.figures``,
``alliance.clinic.alliance_figures``); the builders in ``alliance.charts`` read nothing else.
"""

from dataclasses import dataclass

__all__ = [
    "AllianceText",
    "BandPoint",
    "ChangeMarker",
    "Line",
    "OutcomeText",
    "ScorePoint",
    "SeverityRange",
]


@dataclass(frozen=True)
class ScorePoint:
    """One score on a chart: the session it belongs to, its value and the line it is part of."""

    session: int
    value: float
    series: str = ""
    date: str = ""


@dataclass(frozen=True)
class BandPoint:
    """The expected path at one session and the band around it."""

    session: int
    expected: float
    lower: float
    upper: float


@dataclass(frozen=True)
class ChangeMarker:
    """A session whose change since intake reaches the reliable-change value.

    ``kind`` is the words shown in the legend and the tooltip (e.g. "Reliable improvement");
    ``better`` picks the shape: a triangle pointing up for better, down for worse.
    """

    session: int
    value: float
    kind: str
    better: bool


@dataclass(frozen=True)
class Line:
    """A horizontal reference line (a clinical cutoff) with the words written beside it."""

    value: float
    label: str


@dataclass(frozen=True)
class SeverityRange:
    """A severity band drawn behind the scores: from ``lower`` (inclusive) to ``upper``, with its
    name written in it (PHQ-9 "Moderate", 10 to 15)."""

    lower: float
    upper: float
    label: str


@dataclass(frozen=True)
class OutcomeText:
    """The words of the outcome chart, already in the user's language."""

    description: str
    session: str
    score: str
    expected: str
    band: str
    scores: str
    baseline: str = ""


@dataclass(frozen=True)
class AllianceText:
    """The words of the alliance charts, already in the user's language."""

    description: str
    session: str
    score: str
    series: str
