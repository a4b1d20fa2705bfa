"""Instrument definitions as data: load them strictly, validate answers, score responses.

Every questionnaire (ORS, SRS, PHQ-9, GAD-7, WAI-SR, GBO ...) is one JSON file in
``alliance/instruments/``; adding a measure is adding a file. The file format is described in
``docs/instruments.md``. Loading is strict: an unknown field, a wrong type, a duplicate code or a
figure outside its scale refuses the whole file with an :class:`InstrumentError` naming the file
and the field, so a typo can never silently change how clients are scored.

Totals are computed exactly: every answer is a whole number of the scale's resolution (tenths for
a visual analogue line, whole points for PHQ-9), the units are added as integers and divided once,
so 5.1 + 2.0 + 9.7 + 8.2 is exactly 25 (added as binary floats it is 24.999999999999996) and a
score on a cutoff is never misread as clinical.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from alliance.science.instrument_reader import parse_instrument, parse_site_item_text, read_json
from alliance.science.instrument_schema import (
    AGE_GROUPS,
    Anchors,
    Codes,
    Cutoff,
    Instrument,
    InstrumentError,
    Item,
    Licence,
    MissingRule,
    Option,
    ReliableChange,
    Scale,
    Scoring,
    SeverityBand,
    Source,
    Subscale,
)
from alliance.science.messages import Message, Number, gettext_noop

__all__ = [
    "AGE_GROUPS",
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
    "ResponseError",
    "Scale",
    "Score",
    "Scoring",
    "SeverityBand",
    "Source",
    "Subscale",
    "cutoff_for",
    "in_clinical_range",
    "load_instrument",
    "load_instruments",
    "reliable_change_for",
    "score_response",
    "score_totals",
    "validate_values",
    "with_site_item_text",
]

INSTRUMENTS_DIRECTORY = Path(__file__).resolve().parent.parent / "instruments"

# An answer counts as on the scale's grid when it is this close to a whole number of units; the
# slack absorbs binary noise (7.3 * 10 = 72.99999999999999) but refuses 7.35 on a 0.1 grid.
_GRID_TOLERANCE = 1e-6


class ResponseError(ValueError):
    """An answer that cannot be accepted; ``item`` names the item code (None if not one item).

    ``template`` (marked for the catalogue) and ``params`` say it in a form the apps translate
    (:attr:`message`); ``str(error)`` is the English text.

    >>> error = ResponseError("ors_1", gettext_noop("%(item)s: answer missing"), item="ors_1")
    >>> str(error), error.template, error.params
    ('ors_1: answer missing', '%(item)s: answer missing', {'item': 'ors_1'})
    """

    def __init__(self, item: str | None, template: str, /, **params: object) -> None:
        self.message = Message(template, params)
        super().__init__(str(self.message))
        self.item = item
        self.template = template
        self.params = params


@dataclass(frozen=True)
class Score:
    """The scored response.

    ``total`` is the instrument's total (prorated when ``prorated``); ``subscales`` maps subscale
    code to score; ``band`` is the severity band code or None; ``risk_items`` lists items answered
    above their risk threshold (PHQ-9 item 9 above 0) and ``risk_unanswered`` risk items left
    blank (unknown risk, never "safe"); ``missing`` lists unanswered scored items; ``below_cutoff``
    is True when the total is on the clinical side of the cutoff for the age group (below it for
    higher-is-better measures, at or above it otherwise), None when no cutoff is published;
    ``items_below_cutoff`` lists items worse than an item cutoff (SRS lines under 9).
    """

    total: float
    subscales: Mapping[str, float]
    band: str | None
    risk_items: tuple[str, ...]
    risk_unanswered: tuple[str, ...]
    prorated: bool
    missing: tuple[str, ...]
    below_cutoff: bool | None
    items_below_cutoff: tuple[str, ...]


def load_instrument(path: str | Path) -> Instrument:
    """Load and strictly validate one instrument file.

    Parameters
    ----------
    path : str or Path
        A JSON file in the format of ``docs/instruments.md``.

    Returns
    -------
    Instrument

    Raises
    ------
    InstrumentError
        If the file is not valid JSON or breaks the schema; the message starts with the file name
        and the field, e.g. ``"phq9.json: items[3].code: duplicate code 'phq9_4'"``.

    Examples
    --------
    >>> phq9 = load_instrument(INSTRUMENTS_DIRECTORY / "phq9.json")
    >>> phq9.code, phq9.scoring.max, phq9.codes.loinc_total
    ('phq9', 27.0, '44261-6')
    """
    source = Path(path)
    return parse_instrument(read_json(source), source.name)


def load_instruments(directory: str | Path | None = None) -> dict[str, Instrument]:
    """Load every ``*.json`` instrument in a folder, keyed by instrument code.

    Parameters
    ----------
    directory : str or Path, optional
        Defaults to the package's ``alliance/instruments/``.

    Raises
    ------
    InstrumentError
        If a file is invalid, or two files declare the same instrument code.

    Examples
    --------
    >>> sorted(load_instruments())[:4]
    ['ceq', 'cnip', 'cors', 'csrs']
    """
    folder = Path(directory) if directory is not None else INSTRUMENTS_DIRECTORY
    if not folder.is_dir():
        raise InstrumentError(f"{folder}: not a folder of instrument files")
    loaded: dict[str, Instrument] = {}
    seen_in: dict[str, str] = {}
    for path in sorted(folder.glob("*.json")):
        instrument = load_instrument(path)
        if instrument.code in loaded:
            raise InstrumentError(
                f"{path.name}: code: duplicate instrument code {instrument.code!r} "
                f"(also in {seen_in[instrument.code]})"
            )
        loaded[instrument.code] = instrument
        seen_in[instrument.code] = path.name
    return loaded


def with_site_item_text(instrument: Instrument, path: str | Path) -> Instrument:
    """Merge licensed item wording from a site's local file into an instrument.

    The file (format in ``docs/instruments.md``) names the instrument and gives, per item code,
    any of ``text``, ``label`` and ``anchors`` as language maps, plus optional ``instructions``.
    It is validated as strictly as an instrument file. Languages present in the local file replace
    the shipped ones; other languages are kept.

    Raises
    ------
    InstrumentError
        Naming the file and the field, e.g. ``"wai_sr.json: items.wai_sr_13: unknown item"``.

    Examples
    --------
    >>> import json, tempfile
    >>> wai = load_instruments()["wai_sr"]
    >>> local = {"instrument": "wai_sr", "items": {"wai_sr_5": {"text": {"en": "Site wording"}}}}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "wai_sr.json"
    ...     _ = path.write_text(json.dumps(local))
    ...     merged = with_site_item_text(wai, path)
    >>> merged.items[4].text
    {'en': 'Site wording'}
    """
    source = Path(path)
    return parse_site_item_text(instrument, read_json(source), source.name)


def validate_values(instrument: Instrument, values: Mapping[str, object]) -> dict[str, float]:
    """Check a response's answers and return them as numbers, in item order.

    Accepts ints, floats, decimals and numeric text (``"7.3"``); ``None`` or blank text means
    unanswered. Refuses booleans, NaN, infinity, other text, unknown item codes, values outside the
    item's scale or off its grid (a Likert value not among the options; a visual analogue value
    with more than one decimal), and more unanswered scored items than the instrument's missing
    rule allows.

    Raises
    ------
    ResponseError
        With ``.item`` set to the offending item code and a message naming the allowed values.

    Examples
    --------
    >>> ors = load_instruments()["ors"]
    >>> validate_values(ors, {"ors_1": "7.3", "ors_2": 5, "ors_3": 6.1, "ors_4": 8})
    {'ors_1': 7.3, 'ors_2': 5.0, 'ors_3': 6.1, 'ors_4': 8.0}
    >>> validate_values(ors, {"ors_1": 7.35, "ors_2": 5, "ors_3": 6, "ors_4": 8})
    Traceback (most recent call last):
    ...
    alliance.science.instruments.ResponseError: ors_1: 7.35 is not on the scale; allowed 0 to 10 ...
    """
    known = {item.code for item in instrument.items}
    for code in values:
        if code not in known:
            allowed = ", ".join(item.code for item in instrument.items)
            raise ResponseError(
                code,
                gettext_noop("%(item)s: unknown item for %(instrument)s; items are %(allowed)s"),
                item=code,
                instrument=instrument.code,
                allowed=allowed,
            )
    clean: dict[str, float] = {}
    for item in instrument.items:
        value = _as_number(item.code, values.get(item.code))
        if value is not None:
            _check_on_scale(item, value)
            clean[item.code] = value
    _check_missing(instrument, clean)
    return clean


def score_response(
    instrument: Instrument, values: Mapping[str, object], *, age_group: str = "adult"
) -> Score:
    """Validate and score one response.

    Formula: for ``sum`` scoring, total = sum of the answered scored items x (number of scored
    items / number answered); for ``mean`` scoring, total = mean of the answered items. With
    nothing missing the factor is 1; prorating is used only when the instrument's missing rule
    allows it (PHQ-9: at most 2 of 9 missing, NHS Data Dictionary, "Patient Health
    Questionnaire-9"), and ``Score.prorated`` says so. Subscales use the same formula over their
    own items. The band is the last severity band whose lower bound is at or below the total.

    Parameters
    ----------
    instrument : Instrument
    values : mapping of item code to answer
        As accepted by :func:`validate_values`.
    age_group : {"child", "adolescent", "adult"}
        Chooses the cutoff (ORS: 25 adults, 28 adolescents).

    Examples
    --------
    >>> phq9 = load_instruments()["phq9"]
    >>> answers = {f"phq9_{n}": 2 for n in range(1, 9)} | {"phq9_9": 1}
    >>> score = score_response(phq9, answers)
    >>> score.total, score.band, score.risk_items, score.below_cutoff
    (17.0, 'moderately_severe', ('phq9_9',), True)
    >>> del answers["phq9_3"]
    >>> score_response(phq9, answers).total, score_response(phq9, answers).prorated
    (16.875, True)
    """
    _check_age_group(age_group)
    clean = validate_values(instrument, values)
    scored = instrument.scored_items
    missing = tuple(item.code for item in scored if item.code not in clean)
    total = _combine(instrument, [clean[i.code] for i in scored if i.code in clean], len(scored))
    cutoff = cutoff_for(instrument, age_group)
    below_cutoff = None
    if cutoff is not None:
        direction = instrument.higher_is_better
        below_cutoff = in_clinical_range(total, cutoff=cutoff.total, higher_is_better=direction)
    return Score(
        total=total,
        subscales=_subscale_scores(instrument, clean),
        band=_band(instrument, total),
        risk_items=tuple(i.code for i in instrument.items if _above_risk(i, clean.get(i.code))),
        risk_unanswered=tuple(
            i.code for i in instrument.items if i.risk_above is not None and i.code not in clean
        ),
        prorated=bool(missing),
        missing=missing,
        below_cutoff=below_cutoff,
        items_below_cutoff=_items_below_cutoff(instrument, cutoff, clean),
    )


def score_totals(instrument: Instrument, items: ArrayLike) -> NDArray[np.float64]:
    """Score many responses at once (vectorised :func:`score_response` totals).

    Parameters
    ----------
    instrument : Instrument
    items : array of shape (n_responses, n_scored_items)
        Columns in the order of ``instrument.scored_items``; NaN marks an unanswered item.

    Returns
    -------
    ndarray of float64
        Totals by the same exact formula as :func:`score_response`; NaN where more items are
        missing than the instrument's missing rule allows.

    Raises
    ------
    ResponseError
        If any answered value is infinite, out of range or off the scale's grid; the message
        names the item and the row.

    Examples
    --------
    >>> ors = load_instruments()["ors"]
    >>> score_totals(ors, [[5.1, 2.0, 9.7, 8.2], [10, 10, 10, float("nan")]])
    array([25., nan])
    """
    scored = instrument.scored_items
    matrix = np.asarray(items, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] != len(scored):
        raise ValueError(
            f"items: expected an array of shape (n, {len(scored)}) with columns "
            f"{', '.join(i.code for i in scored)}; got shape {matrix.shape}"
        )
    answered = ~np.isnan(matrix)
    for column, item in enumerate(scored):
        _check_column(item, matrix[:, column], answered[:, column])
    resolution = float(instrument.resolution)
    units = np.where(answered, np.rint(matrix * resolution), 0.0).sum(axis=1)
    counts = answered.sum(axis=1).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if instrument.scoring.method == "sum":
            totals = units * len(scored) / (resolution * counts)
        else:
            totals = units / (resolution * counts)
    too_many_missing = len(scored) - counts > instrument.scoring.missing.max_missing
    totals[too_many_missing | (counts == 0)] = np.nan
    return np.asarray(totals, dtype=np.float64)


def cutoff_for(instrument: Instrument, age_group: str) -> Cutoff | None:
    """The published clinical cutoff for an age group, or None.

    No figure is borrowed from another age group: norms differ (ORS 25 adults, 28 adolescents).

    Examples
    --------
    >>> ors = load_instruments()["ors"]
    >>> cutoff_for(ors, "adolescent").total, cutoff_for(ors, "child")
    (28.0, None)
    """
    _check_age_group(age_group)
    return next((c for c in instrument.cutoffs if c.age_group == age_group), None)


def reliable_change_for(instrument: Instrument, age_group: str) -> ReliableChange | None:
    """The published reliable-change value (in points) for an age group, or None.

    Examples
    --------
    >>> reliable_change_for(load_instruments()["phq9"], "adult").points
    6.0
    """
    _check_age_group(age_group)
    return next((r for r in instrument.reliable_changes if r.age_group == age_group), None)


def in_clinical_range(score: float, *, cutoff: float, higher_is_better: bool) -> bool:
    """Whether a score is on the clinical side of a cutoff.

    A score on the cutoff belongs to the upper side: clinical means ``score < cutoff`` when higher
    is better and ``score >= cutoff`` when lower is better. Cutoffs are therefore stored as
    published: ORS 25 ("below 25 is clinical", Miller et al. 2003), PHQ-9 10 ("10 or above",
    NHS Data Dictionary), GAD-7 8 (NHS Talking Therapies caseness).

    Examples
    --------
    >>> in_clinical_range(24.9, cutoff=25, higher_is_better=True)
    True
    >>> in_clinical_range(25, cutoff=25, higher_is_better=True)
    False
    >>> in_clinical_range(10, cutoff=10, higher_is_better=False)
    True
    """
    return score < cutoff if higher_is_better else score >= cutoff


def _check_age_group(age_group: str) -> None:
    if age_group not in AGE_GROUPS:
        raise ValueError(f"age_group: {age_group!r} is not one of {', '.join(AGE_GROUPS)}")


def _as_number(code: str, raw: object) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool | np.bool_):
        raise ResponseError(
            code,
            gettext_noop("%(item)s: %(value)s is a yes/no value, not a number"),
            item=code,
            value=repr(raw),
        )
    if isinstance(raw, str):
        if not raw.strip():
            return None
        value = _parse_text(code, raw)
    elif isinstance(raw, int | float | Decimal | np.integer | np.floating):
        try:
            value = float(raw)
        except OverflowError:
            value = math.inf
    else:
        raise _not_a_number(code, raw)
    if not math.isfinite(value):
        raise ResponseError(
            code,
            gettext_noop("%(item)s: %(value)s is not a finite number"),
            item=code,
            value=repr(raw),
        )
    return value


def _parse_text(code: str, raw: str) -> float:
    try:
        return float(Decimal(raw.strip()))
    except InvalidOperation:
        raise _not_a_number(code, raw) from None


def _not_a_number(code: str, raw: object) -> ResponseError:
    return ResponseError(
        code, gettext_noop("%(item)s: %(value)s is not a number"), item=code, value=repr(raw)
    )


def _on_grid(scale: Scale, value: float) -> bool:
    units = value * scale.resolution
    whole = round(units)
    if abs(units - whole) > _GRID_TOLERANCE or not scale.min <= value <= scale.max:
        return False
    return scale.type != "likert" or whole in scale.option_units


def _check_on_scale(item: Item, value: float) -> None:
    if not _on_grid(item.scale, value):
        raise ResponseError(
            item.code,
            gettext_noop("%(item)s: %(value)s is not on the scale; allowed %(allowed)s"),
            item=item.code,
            value=Number.of(value),
            allowed=item.scale.description(),
        )


def _check_missing(instrument: Instrument, clean: Mapping[str, float]) -> None:
    missing = [item.code for item in instrument.scored_items if item.code not in clean]
    rule = instrument.scoring.missing
    if len(missing) <= rule.max_missing:
        return
    if rule.rule == "refuse":
        allowance = Message(
            gettext_noop("every item of %(instrument)s must be answered"),
            {"instrument": instrument.code},
        )
    else:
        allowance = Message(
            gettext_noop("%(instrument)s can be scored with at most %(most)s missing"),
            {"instrument": instrument.code, "most": rule.max_missing},
        )
    raise ResponseError(
        missing[0],
        gettext_noop(
            "%(item)s: answer missing; %(allowance)s, and %(count)s are missing (%(items)s)"
        ),
        item=missing[0],
        allowance=allowance,
        count=len(missing),
        items=", ".join(missing),
    )


def _combine(instrument: Instrument, answered: list[float], n_items: int) -> float:
    # Integer units then one division: the result is the correctly rounded exact value.
    units = sum(round(value * instrument.resolution) for value in answered)
    if instrument.scoring.method == "sum":
        return units * n_items / (instrument.resolution * len(answered))
    return units / (instrument.resolution * len(answered))


def _subscale_scores(instrument: Instrument, clean: Mapping[str, float]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for subscale in instrument.subscales:
        answered = [clean[code] for code in subscale.items if code in clean]
        # A subscale with none of its items answered has no score rather than a made-up one.
        if answered:
            scores[subscale.code] = _combine(instrument, answered, len(subscale.items))
    return scores


def _band(instrument: Instrument, total: float) -> str | None:
    band = None
    for candidate in instrument.severity_bands:
        if candidate.lower <= total:
            band = candidate.code
    return band


def _above_risk(item: Item, value: float | None) -> bool:
    return item.risk_above is not None and value is not None and value > item.risk_above


def _items_below_cutoff(
    instrument: Instrument, cutoff: Cutoff | None, clean: Mapping[str, float]
) -> tuple[str, ...]:
    if cutoff is None or cutoff.item is None:
        return ()
    item_cutoff = cutoff.item
    return tuple(
        item.code
        for item in instrument.scored_items
        if item.code in clean
        and in_clinical_range(
            clean[item.code], cutoff=item_cutoff, higher_is_better=instrument.higher_is_better
        )
    )


def _check_column(item: Item, column: NDArray[np.float64], answered: NDArray[np.bool_]) -> None:
    scale = item.scale
    units = column * scale.resolution
    whole = np.rint(units)
    with np.errstate(invalid="ignore"):
        good = (
            np.isfinite(column)
            & (column >= scale.min)
            & (column <= scale.max)
            & (np.abs(units - whole) <= _GRID_TOLERANCE)
        )
    if scale.type == "likert":
        good &= np.isin(whole, np.asarray(sorted(scale.option_units), dtype=np.float64))
    bad = np.flatnonzero(answered & ~good)
    if bad.size:
        row = int(bad[0])
        raise ResponseError(
            item.code,
            gettext_noop(
                "%(item)s: row %(row)s: %(value)s is not on the scale; allowed %(allowed)s"
            ),
            item=item.code,
            row=row,
            value=Number.of(float(column[row])),
            allowed=scale.description(),
        )
