"""Per-measure score series of one episode, for the charts: plain ratings in, plain series out.

The alert rules read :class:`alliance.science.series.EpisodeSeries`, which carries the episode's
outcome and alliance measures only. The client page charts every measure the episode has
(PHQ-9 and GAD-7 next to the ORS, WAI-SR subscales, each goal's rating), so this module picks
each measure's series out of the episode's ratings as plain data, with no rule and no Django.
Severity bands come from the instrument file (``severity_bands``), never from code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from alliance.science.checks import check_number, refuse_unless
from alliance.science.instrument_schema import Instrument, Text

__all__ = [
    "Rating",
    "SeverityRange",
    "client_series",
    "measures_rated",
    "severity_ranges",
    "subscale_range",
]


@dataclass(frozen=True)
class Rating:
    """One recorded response, as plain data.

    Attributes
    ----------
    session : int
        1-based session number.
    measure : str
        Instrument code, e.g. ``"phq9"``.
    total : float
        The response's total score.
    rater : str
        ``"client"``, ``"clinician"``, ``"team_member"`` or ``"collateral"``.
    about_member : bool
        True when an alliance rating is about one named member of the care team rather than
        the whole team.
    subscales : mapping of str to float
        Subscale scores by code (WAI-SR ``goal``, ``task``, ``bond``).
    date : str
        The session date as shown (ISO), for tooltips and tables.
    """

    session: int
    measure: str
    total: float
    rater: str = "client"
    about_member: bool = False
    subscales: Mapping[str, float] = field(default_factory=dict)
    date: str = ""

    def __post_init__(self) -> None:
        ok = isinstance(self.session, int) and not isinstance(self.session, bool)
        refuse_unless(ok and self.session >= 1, "session", "a whole number >= 1", self.session)
        refuse_unless(bool(self.measure), "measure", "an instrument code", self.measure)
        check_number(self.total, f"session {self.session}: {self.measure} total")
        subscales = MappingProxyType(dict(self.subscales))
        for code, value in subscales.items():
            check_number(value, f"session {self.session}: {self.measure} subscale {code!r}")
        object.__setattr__(self, "subscales", subscales)


def client_series(ratings: Iterable[Rating], measure: str) -> list[Rating]:
    """The client's own ratings of one measure about the whole care team, one per session (the
    first recorded, as the alert rules read it), in session order.

    Examples
    --------
    >>> rows = [Rating(2, "phq9", 12.0), Rating(1, "phq9", 18.0), Rating(1, "phq9", 17.0),
    ...         Rating(1, "gad7", 9.0), Rating(1, "phq9", 3.0, rater="clinician")]
    >>> [(r.session, r.total) for r in client_series(rows, "phq9")]
    [(1, 18.0), (2, 12.0)]
    """
    first: dict[int, Rating] = {}
    for rating in ratings:
        mine = rating.rater == "client" and not rating.about_member
        if mine and rating.measure == measure:
            first.setdefault(rating.session, rating)
    return [first[n] for n in sorted(first)]


def measures_rated(ratings: Iterable[Rating]) -> list[str]:
    """The measures the client rated at least once, in the order they first appear.

    >>> measures_rated([Rating(1, "ors", 20.0), Rating(1, "phq9", 9.0), Rating(2, "ors", 22.0)])
    ['ors', 'phq9']
    """
    seen: dict[str, None] = {}
    for rating in ratings:
        if rating.rater == "client":
            seen.setdefault(rating.measure, None)
    return list(seen)


@dataclass(frozen=True)
class SeverityRange:
    """A severity band with both ends: ``lower`` inclusive, ``upper`` where the next begins."""

    code: str
    label: Text
    lower: float
    upper: float


def severity_ranges(instrument: Instrument) -> list[SeverityRange]:
    """The instrument file's severity bands as ranges: each runs from its ``from`` to the next
    band's, the last to the top of the scale. Empty for a measure without bands (ORS).

    PHQ-9 bands are those of Kroenke, Spitzer & Williams (2001), GAD-7 those of Spitzer et al.
    (2006), both as written in their instrument files.

    Examples
    --------
    >>> from alliance.science.instruments import load_instruments
    >>> [(r.code, r.lower, r.upper) for r in severity_ranges(load_instruments()["gad7"])]
    [('minimal', 0.0, 5.0), ('mild', 5.0, 10.0), ('moderate', 10.0, 15.0), ('severe', 15.0, 21.0)]
    """
    bands = sorted(instrument.severity_bands, key=lambda band: band.lower)
    if not bands:
        return []
    tops = [band.lower for band in bands[1:]] + [instrument.scoring.max]
    return [
        SeverityRange(band.code, band.label, float(band.lower), float(top))
        for band, top in zip(bands, tops, strict=True)
    ]


def subscale_range(instrument: Instrument, code: str) -> tuple[float, float]:
    """The lowest and highest score a subscale can take, from its items' scales and the
    instrument's scoring method (WAI-SR: four items of 1 to 5, summed, so 4 to 20).

    Examples
    --------
    >>> from alliance.science.instruments import load_instruments
    >>> subscale_range(load_instruments()["wai_sr"], "bond")
    (4.0, 20.0)
    """
    subscale = next((s for s in instrument.subscales if s.code == code), None)
    refuse_unless(
        subscale is not None,
        "subscale",
        "one of " + ", ".join(s.code for s in instrument.subscales),
        code,
    )
    assert subscale is not None  # for the type checker: refuse_unless raised otherwise
    scales = [item.scale for item in instrument.items if item.code in subscale.items]
    if instrument.scoring.method == "mean":
        return float(min(s.min for s in scales)), float(max(s.max for s in scales))
    return float(sum(s.min for s in scales)), float(sum(s.max for s in scales))
