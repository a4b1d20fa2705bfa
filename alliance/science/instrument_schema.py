"""The instrument model: frozen dataclasses for a measure and its parts, and the allowed codes.

Files are read into these by :mod:`alliance.science.instrument_reader`; use both through
:mod:`alliance.science.instruments`. The file format is documented in ``docs/instruments.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from alliance.science.messages import Message, Number, gettext_noop

__all__ = [
    "AGE_GROUPS",
    "DIRECTIONS",
    "EVIDENCE",
    "KINDS",
    "RESPONDENTS",
    "SCALE_TYPES",
    "SCHEMA_VERSION",
    "TIMINGS",
    "Anchors",
    "Codes",
    "Cutoff",
    "Instrument",
    "InstrumentError",
    "Item",
    "Licence",
    "MissingRule",
    "Option",
    "ReliableChange",
    "Scale",
    "Scoring",
    "SeverityBand",
    "Source",
    "Subscale",
    "Text",
    "loinc_check_digit",
]

SCHEMA_VERSION = 1
AGE_GROUPS = ("child", "adolescent", "adult")
RESPONDENTS = ("client", "clinician", "team_member", "collateral")
KINDS = ("outcome", "alliance", "goal", "preference", "expectancy")
TIMINGS = ("session_start", "session_end")
EVIDENCE = ("checked", "secondary", "unverified")
DIRECTIONS = ("higher_is_better", "lower_is_better")
SCALE_TYPES = ("vas", "rating", "likert")

Text = Mapping[str, str]
"""Human-readable text as a language map, e.g. ``{"en": "Individually"}``."""


class InstrumentError(ValueError):
    """An instrument or site item-text file that breaks the schema; names the file and field."""


@dataclass(frozen=True)
class Anchors:
    """End labels of a visual analogue or rating line."""

    low: Text
    high: Text


@dataclass(frozen=True)
class Option:
    """One Likert answer: its value, label and LOINC answer code (``LA...``) where one exists."""

    value: float
    label: Text
    loinc: str | None


@dataclass(frozen=True)
class Scale:
    """An item's response scale.

    ``type`` is ``vas`` (visual analogue line), ``rating`` (numeric rating line) or ``likert``
    (labelled options). Every allowed value is a whole number of ``1 / resolution`` units.
    """

    type: str
    min: float
    max: float
    step: float | None
    anchors: Anchors | None
    options: tuple[Option, ...]
    resolution: int

    @property
    def option_units(self) -> frozenset[int]:
        """Likert option values in whole units of ``1 / resolution``."""
        return frozenset(round(option.value * self.resolution) for option in self.options)

    def describe(self) -> str:
        """The allowed values in words, for error messages (English; see :meth:`description`)."""
        return str(self.description())

    def description(self) -> Message:
        """The allowed values as a translatable message: "one of 0, 1, 2, 3"."""
        if self.type == "likert":
            values = tuple(Number.of(option.value, "g") for option in self.options)
            return Message(gettext_noop("one of %(values)s"), {"values": values})
        return Message(
            gettext_noop("%(min)s to %(max)s in steps of %(step)s"),
            {
                "min": Number.of(self.min, "g"),
                "max": Number.of(self.max, "g"),
                "step": Number.of(self.step or 0.0, "g"),
            },
        )


@dataclass(frozen=True)
class Item:
    """One question: code, printed number, short label, full text (None when licensed)."""

    code: str
    number: int
    label: Text
    text: Text | None
    loinc: str | None
    scale: Scale
    scored: bool
    risk_above: float | None


@dataclass(frozen=True)
class Subscale:
    """A named group of scored items (WAI-SR goal, task, bond).

    ``cutoff``: optional; a subscale score strictly below it is a concern (the low-alliance
    alert). None when no cutoff is published, as for the WAI-SR's subscales (Horvath: the WAI
    family has no standardised cut-offs); a site may set one (``ALLIANCE_THRESHOLDS``).
    """

    code: str
    name: Text
    items: tuple[str, ...]
    cutoff: float | None = None


@dataclass(frozen=True)
class MissingRule:
    """``refuse`` (every scored item needed) or ``prorate`` with at most ``max_missing`` blank."""

    rule: str
    max_missing: int
    evidence: str | None
    source: str | None


@dataclass(frozen=True)
class Scoring:
    """How the total is formed (``sum`` or ``mean``), the missing rule, and the total's range."""

    method: str
    missing: MissingRule
    min: float
    max: float


@dataclass(frozen=True)
class SeverityBand:
    """A severity band starting at ``lower`` (inclusive) and running to the next band's start."""

    code: str
    label: Text
    lower: float


@dataclass(frozen=True)
class Cutoff:
    """Clinical cutoff for an age group: the last non-clinical total, and optionally per item."""

    age_group: str
    total: float
    item: float | None
    evidence: str
    source: str


@dataclass(frozen=True)
class ReliableChange:
    """The change in points counted as reliable for an age group."""

    age_group: str
    points: float
    evidence: str
    source: str


@dataclass(frozen=True)
class Codes:
    """LOINC codes of the panel and of the total score, where they exist."""

    loinc_panel: str | None
    loinc_total: str | None


@dataclass(frozen=True)
class Licence:
    """Licence name and notice; ``item_text`` is ``shipped`` or ``site_supplied``."""

    name: str
    notice: Text
    item_text: str


@dataclass(frozen=True)
class Source:
    """A citation, referred to by ``key`` from cutoffs, reliable-change values and rules."""

    key: str
    citation: str


@dataclass(frozen=True)
class Instrument:
    """A measure as loaded from its file (see ``docs/instruments.md``)."""

    code: str
    name: Text
    kind: str
    respondents: tuple[str, ...]
    timing: str
    age_groups: tuple[str, ...]
    instructions: Text | None
    items: tuple[Item, ...]
    subscales: tuple[Subscale, ...]
    scoring: Scoring
    higher_is_better: bool
    severity_bands: tuple[SeverityBand, ...]
    cutoffs: tuple[Cutoff, ...]
    reliable_changes: tuple[ReliableChange, ...]
    codes: Codes
    licence: Licence
    sources: tuple[Source, ...]

    @property
    def scored_items(self) -> tuple[Item, ...]:
        """The items that count towards the total, in file order."""
        return tuple(item for item in self.items if item.scored)

    @property
    def resolution(self) -> int:
        """Units per point shared by all scored items (10 for tenths)."""
        return math.lcm(*(item.scale.resolution for item in self.scored_items))


def loinc_check_digit(number: str) -> int:
    """The LOINC mod-10 check digit of a code's number part (``"44249"`` -> 1).

    LOINC's algorithm (LOINC Users' Guide, "Calculating Mod 10 check digits"): double the digits in
    odd positions counting from the right, add all digits of the results and of the remaining
    digits, and take the distance to the next multiple of ten.

    Examples
    --------
    >>> loinc_check_digit("44249"), loinc_check_digit("70274")
    (1, 6)
    """
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value // 10 + value % 10
    return (10 - total % 10) % 10
