"""An instrument's thresholds in force: its file's cutoffs and reliable change for an age group,
the site's per-instrument override applied (``ALLIANCE_THRESHOLDS``), and the check that refuses
an override naming what is wrong. Every rule, chart and report reads them through
:func:`thresholds_for` (the web app through ``alliance.feedback.services.thresholds``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from alliance.science.checks import check_number, refuse_unless
from alliance.science.instruments import Instrument, cutoff_for, reliable_change_for
from alliance.science.measure_scores import subscale_range

__all__ = [
    "OVERRIDE_KEYS",
    "Overrides",
    "Thresholds",
    "check_threshold_overrides",
    "thresholds_for",
]


@dataclass(frozen=True)
class Thresholds:
    """An instrument's thresholds for one age group, the site's override applied.

    ``cutoff``: the total at the edge of the clinical range (outcome) or of concern (alliance);
    ``item_cutoff``: an item strictly below it is a concern; ``reliable_change``: points;
    ``subscale_cutoffs``: subscale code -> a score strictly below it is a concern (only the
    subscales that have one).
    """

    cutoff: float | None
    item_cutoff: float | None
    reliable_change: float | None
    subscale_cutoffs: Mapping[str, float] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "subscale_cutoffs", MappingProxyType(dict(self.subscale_cutoffs)))


OVERRIDE_KEYS = ("total", "item", "reliable_change")
"""What a site may override per instrument (``ALLIANCE["THRESHOLDS"]``), besides a subscale's
cutoff as ``"subscale:<code>"`` (e.g. ``{"wai_sr": {"subscale:bond": 12}}``)."""

SUBSCALE_KEY = "subscale:"

Overrides = Mapping[str, Mapping[str, float]]


def thresholds_for(
    instrument: Instrument, age_group: str, overrides: Overrides | None = None
) -> Thresholds:
    """The instrument file's cutoff, item cutoff and reliable change for an age group, each
    replaced by the site's override for this instrument where it sets one.

    Examples
    --------
    >>> from alliance.science.instruments import load_instruments
    >>> srs = load_instruments()["srs"]
    >>> thresholds_for(srs, "adult")
    Thresholds(cutoff=36.0, item_cutoff=9.0, reliable_change=None)
    >>> thresholds_for(srs, "adult", {"srs": {"total": 34}}).cutoff
    34.0
    >>> wai = load_instruments()["wai_sr"]
    >>> dict(thresholds_for(wai, "adult", {"wai_sr": {"subscale:bond": 12}}).subscale_cutoffs)
    {'bond': 12.0}
    """
    cutoff = cutoff_for(instrument, age_group)
    change = reliable_change_for(instrument, age_group)
    own = dict((overrides or {}).get(instrument.code, {}))
    found = Thresholds(
        cutoff=None if cutoff is None else cutoff.total,
        item_cutoff=None if cutoff is None else cutoff.item,
        reliable_change=None if change is None else change.points,
    )
    return Thresholds(
        cutoff=float(own["total"]) if "total" in own else found.cutoff,
        item_cutoff=float(own["item"]) if "item" in own else found.item_cutoff,
        reliable_change=float(own["reliable_change"])
        if "reliable_change" in own
        else found.reliable_change,
        subscale_cutoffs=_subscale_cutoffs(instrument, own),
    )


def _subscale_cutoffs(instrument: Instrument, own: Mapping[str, float]) -> dict[str, float]:
    """Each subscale's cutoff: the site's ``"subscale:<code>"`` override, else the file's."""
    found = {}
    for subscale in instrument.subscales:
        value = own.get(SUBSCALE_KEY + subscale.code, subscale.cutoff)
        if value is not None:
            found[subscale.code] = float(value)
    return found


def check_threshold_overrides(overrides: Overrides, instruments: Mapping[str, Instrument]) -> None:
    """Refuse a site override for an instrument that is not installed, a key other than
    :data:`OVERRIDE_KEYS` or ``"subscale:<code>"`` of one of its subscales, or a value outside
    the instrument's scale (a subscale's: outside the subscale's); the message names it.

    Examples
    --------
    >>> from alliance.science.instruments import load_instruments
    >>> check_threshold_overrides({"srz": {"total": 30}}, load_instruments())
    Traceback (most recent call last):
    ...
    ValueError: THRESHOLDS['srz']: must be an installed instrument (ceq, cnip, cors, csrs, gad7, \
gbo, gsrs, ors, phq9, srs, wai_sr, wai_sr_t), got 'srz'
    """
    for code, values in overrides.items():
        where = f"THRESHOLDS[{code!r}]"
        known = ", ".join(sorted(instruments))
        refuse_unless(code in instruments, where, f"an installed instrument ({known})", code)
        refuse_unless(isinstance(values, Mapping), where, "a mapping", values)
        instrument = instruments[code]
        scored = instrument.scored_items
        subscales = [SUBSCALE_KEY + s.code for s in instrument.subscales]
        allowed = ", ".join((*OVERRIDE_KEYS, *subscales))
        for key, value in values.items():
            name = f"{where}[{key!r}]"
            refuse_unless(key in OVERRIDE_KEYS or key in subscales, name, f"one of {allowed}", key)
            low, high = instrument.scoring.min, instrument.scoring.max
            if key in subscales:
                low, high = subscale_range(instrument, key.removeprefix(SUBSCALE_KEY))
            elif key == "item":
                low = max(item.scale.min for item in scored)
                high = min(item.scale.max for item in scored)
            elif key == "reliable_change":
                low, high = 0.0, high - low
            check_number(value, name, low, high)
