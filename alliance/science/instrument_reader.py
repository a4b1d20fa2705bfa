"""The strict reader of instrument files and of sites' local item-text files.

Use it through :mod:`alliance.science.instruments` (``load_instrument``, ``load_instruments``,
``with_site_item_text``). Every check raises :class:`InstrumentError` with the file name and the
JSON path of the field at fault (``"phq9.json: items[3].code: duplicate code 'phq9_4'"``): a measure
that scores clients must never load half-right.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NoReturn

from alliance.science.instrument_schema import (
    AGE_GROUPS,
    DIRECTIONS,
    EVIDENCE,
    KINDS,
    RESPONDENTS,
    SCALE_TYPES,
    SCHEMA_VERSION,
    TIMINGS,
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
    Text,
    loinc_check_digit,
)

__all__ = ["parse_instrument", "parse_site_item_text", "read_json"]

_CODE = re.compile(r"[a-z][a-z0-9_]*\Z")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z")
_LOINC = re.compile(r"(\d{1,7})-(\d)\Z")
_LOINC_ANSWER = re.compile(r"LA\d{1,7}-\d\Z")
_RESOLUTIONS = (1, 2, 4, 5, 10, 20, 25, 50, 100, 1000)
_EXACT = 1e-9


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # json.loads keeps the last of two equal keys; a strict format must not guess which was meant.
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def read_json(path: Path) -> object:
    """Read a JSON file strictly, raising :class:`InstrumentError` naming the file.

    Unlike :func:`json.loads`, two equal keys in one object are refused rather than the last one
    silently winning.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "ors.json"
    ...     _ = path.write_text('{"code": "ors", "code": "srs"}')
    ...     read_json(path)
    Traceback (most recent call last):
    ...
    alliance.science.instrument_schema.InstrumentError: ors.json: duplicate field 'code'
    """
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except OSError as error:
        raise InstrumentError(f"{path.name}: cannot be read ({error.strerror})") from None
    except _DuplicateKeyError as error:
        raise InstrumentError(f"{path.name}: duplicate field {error.key!r}") from None
    except json.JSONDecodeError as error:
        message = f"line {error.lineno}: not valid JSON ({error.msg})"
        raise InstrumentError(f"{path.name}: {message}") from None
    except UnicodeDecodeError:
        raise InstrumentError(f"{path.name}: not UTF-8 text") from None


class _SchemaError(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)


@dataclass(frozen=True)
class _Node:
    """A JSON value with its path, so every complaint names the field."""

    value: object
    path: str

    def fail(self, message: str) -> NoReturn:
        raise _SchemaError(self.path, message)

    def at(self, key: str | int) -> _Node:
        path = f"{self.path}[{key}]" if isinstance(key, int) else f"{self.path}.{key}"
        value = self.value.get(key) if isinstance(self.value, dict) else None
        return _Node(value, path.lstrip("."))

    def fields(self, required: Sequence[str], optional: Sequence[str] = ()) -> dict[str, _Node]:
        if not isinstance(self.value, dict):
            self.fail("must be an object")
        for key in self.value:
            if key not in required and key not in optional:
                self.at(key).fail("unknown field")
        for key in required:
            if key not in self.value:
                self.at(key).fail("missing field")
        return {key: self.at(key) for key in (*required, *optional)}

    def is_null(self) -> bool:
        return self.value is None

    def elements(self, min_length: int = 0) -> list[_Node]:
        if not isinstance(self.value, list):
            self.fail("must be a list")
        if len(self.value) < min_length:
            self.fail(f"must have at least {min_length} entries")
        return [_Node(value, f"{self.path}[{index}]") for index, value in enumerate(self.value)]

    def elements_or_none(self) -> list[_Node]:
        return [] if self.is_null() else self.elements()

    def string(self, pattern: re.Pattern[str] | None = None, hint: str = "") -> str:
        if not isinstance(self.value, str) or not self.value.strip():
            self.fail("must be non-empty text")
        if pattern is not None and not pattern.match(self.value):
            self.fail(f"{self.value!r} must be {hint}")
        return self.value

    def code(self) -> str:
        return self.string(_CODE, "lowercase letters, digits and _ starting with a letter")

    def number(self) -> float:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail("must be a number")
        if not math.isfinite(value):
            self.fail("must be a finite number")
        return float(value)

    def number_or_none(self) -> float | None:
        return None if self.is_null() else self.number()

    def integer(self) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            self.fail("must be a whole number")
        return self.value

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            self.fail("must be true or false")
        return self.value

    def choice(self, allowed: Sequence[str]) -> str:
        value = self.string()
        if value not in allowed:
            self.fail(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def choices(self, allowed: Sequence[str]) -> tuple[str, ...]:
        chosen: list[str] = []
        for element in self.elements(min_length=1):
            value = element.choice(allowed)
            if value in chosen:
                element.fail(f"{value!r} is listed twice")
            chosen.append(value)
        return tuple(chosen)

    def text(self) -> Text:
        if not isinstance(self.value, dict) or not self.value:
            self.fail('must be a language map such as {"en": "..."}')
        for language, words in self.value.items():
            if not _LANGUAGE.match(language):
                self.at(language).fail("is not a language tag such as en or pt-BR")
            if not isinstance(words, str) or not words.strip():
                self.at(language).fail("must be non-empty text")
        return dict(self.value)

    def text_or_none(self) -> Text | None:
        return None if self.is_null() else self.text()

    def loinc_or_none(self) -> str | None:
        if self.is_null():
            return None
        code = self.string(_LOINC, "a LOINC code such as 44261-6")
        number, check = code.split("-")
        if loinc_check_digit(number) != int(check):
            self.fail(f"{code!r} has a wrong check digit (expected {loinc_check_digit(number)})")
        return code


def parse_instrument(data: object, file_name: str) -> Instrument:
    """Build an :class:`Instrument` from parsed JSON, or raise :class:`InstrumentError`.

    Examples
    --------
    >>> parse_instrument({"schema_version": 1, "code": "x"}, "x.json")
    Traceback (most recent call last):
    ...
    alliance.science.instrument_schema.InstrumentError: x.json: name: missing field
    """
    try:
        return _instrument(_Node(data, ""))
    except _SchemaError as error:
        raise InstrumentError(f"{file_name}: {error}") from None


def parse_site_item_text(instrument: Instrument, data: object, file_name: str) -> Instrument:
    """Merge a site's local item wording (parsed JSON) into an instrument.

    Examples
    --------
    >>> from alliance.science.instruments import load_instruments
    >>> srs = load_instruments()["srs"]
    >>> local = {"instrument": "srs", "items": {"srs_1": {"label": {"nl": "Relatie"}}}}
    >>> label = parse_site_item_text(srs, local, "srs.json").items[0].label
    >>> label["en"], label["nl"]
    ('Relationship', 'Relatie')
    """
    try:
        return _merge_site_text(instrument, _Node(data, ""))
    except _SchemaError as error:
        raise InstrumentError(f"{file_name}: {error}") from None


_TOP_REQUIRED = (
    "schema_version", "code", "name", "kind", "respondents", "timing", "age_groups", "scale",
    "items", "scoring", "direction", "codes", "licence", "sources",
)  # fmt: skip
_TOP_OPTIONAL = ("instructions", "subscales", "severity_bands", "cutoffs", "reliable_change")


def _instrument(root: _Node) -> Instrument:
    fields = root.fields(_TOP_REQUIRED, _TOP_OPTIONAL)
    if fields["schema_version"].integer() != SCHEMA_VERSION:
        fields["schema_version"].fail(f"must be {SCHEMA_VERSION}")
    sources = _sources(fields["sources"])
    keys = {source.key for source in sources}
    age_groups = fields["age_groups"].choices(AGE_GROUPS)
    licence = _licence(fields["licence"])
    items = _items(fields["items"], _scale(fields["scale"]), licence)
    scoring = _scoring(fields["scoring"], items, keys)
    return Instrument(
        code=fields["code"].code(),
        name=fields["name"].text(),
        kind=fields["kind"].choice(KINDS),
        respondents=fields["respondents"].choices(RESPONDENTS),
        timing=fields["timing"].choice(TIMINGS),
        age_groups=age_groups,
        instructions=fields["instructions"].text_or_none(),
        items=items,
        subscales=_subscales(fields["subscales"], items, scoring),
        scoring=scoring,
        higher_is_better=fields["direction"].choice(DIRECTIONS) == "higher_is_better",
        severity_bands=_bands(fields["severity_bands"], scoring),
        cutoffs=_cutoffs(fields["cutoffs"], age_groups, scoring, items, keys),
        reliable_changes=_reliable_changes(fields["reliable_change"], age_groups, scoring, keys),
        codes=_codes(fields["codes"]),
        licence=licence,
        sources=sources,
    )


def _whole(value: float) -> bool:
    return abs(value - round(value)) <= _EXACT


def _scale(node: _Node) -> Scale:
    kind = node.fields(("type",), ("min", "max", "step", "anchors", "options"))["type"]
    if kind.choice(SCALE_TYPES) == "likert":
        fields = node.fields(("type", "options"))
        options = _options(fields["options"])
        values = [option.value for option in options]
        resolution = next((r for r in _RESOLUTIONS if all(_whole(v * r) for v in values)), 0)
        if not resolution:
            fields["options"].fail("option values must be multiples of 0.001")
        return Scale("likert", min(values), max(values), None, None, options, resolution)
    fields = node.fields(("type", "min", "max", "step", "anchors"))
    low, high, step = fields["min"].number(), fields["max"].number(), fields["step"].number()
    if not low < high:
        fields["max"].fail(f"must be above min ({low:g})")
    resolution = round(1 / step) if step > 0 else 0
    if resolution not in _RESOLUTIONS or abs(resolution * step - 1) > _EXACT:
        fields["step"].fail("must be 1 divided by a whole number, such as 1, 0.5 or 0.1")
    for name, bound in (("min", low), ("max", high)):
        if not _whole(bound * resolution):
            fields[name].fail(f"must be a whole number of steps of {step:g}")
    anchors = _anchors(fields["anchors"])
    return Scale(str(kind.value), low, high, step, anchors, (), resolution)


def _anchors(node: _Node) -> Anchors:
    fields = node.fields(("low", "high"))
    return Anchors(low=fields["low"].text(), high=fields["high"].text())


def _options(node: _Node) -> tuple[Option, ...]:
    options: list[Option] = []
    for element in node.elements(min_length=2):
        fields = element.fields(("value", "label"), ("loinc",))
        value = fields["value"].number()
        if any(option.value == value for option in options):
            fields["value"].fail(f"duplicate value {value:g}")
        loinc = None
        if not fields["loinc"].is_null():
            loinc = fields["loinc"].string(_LOINC_ANSWER, "a LOINC answer code such as LA6568-5")
        options.append(Option(value, fields["label"].text(), loinc))
    return tuple(options)


def _items(node: _Node, default_scale: Scale, licence: Licence) -> tuple[Item, ...]:
    items: list[Item] = []
    for element in node.elements(min_length=1):
        fields = element.fields(
            ("code", "number", "label"), ("text", "loinc", "scored", "risk_above", "scale")
        )
        code, number = fields["code"].code(), fields["number"].integer()
        if any(item.code == code for item in items):
            fields["code"].fail(f"duplicate code {code!r}")
        if number < 1 or any(item.number == number for item in items):
            fields["number"].fail(f"{number} must be a positive number not used by another item")
        scale = default_scale if fields["scale"].is_null() else _scale(fields["scale"])
        risk_above = fields["risk_above"].number_or_none()
        if risk_above is not None and not scale.min <= risk_above < scale.max:
            fields["risk_above"].fail(
                f"{risk_above:g} is outside the item's scale ({scale.describe()})"
            )
        text = fields["text"].text_or_none()
        _check_text_against_licence(fields["text"], text, licence)
        scored = fields["scored"].is_null() or fields["scored"].boolean()
        loinc = fields["loinc"].loinc_or_none()
        label = fields["label"].text()
        items.append(Item(code, number, label, text, loinc, scale, scored, risk_above))
    if not any(item.scored for item in items):
        node.fail("at least one item must be scored")
    return tuple(items)


def _check_text_against_licence(node: _Node, text: Text | None, licence: Licence) -> None:
    # A guard against committing licensed wording by accident, and against shipping blanks.
    if licence.item_text == "site_supplied" and text is not None:
        node.fail("must be null: the licence says item wording is supplied by the site")
    if licence.item_text == "shipped" and text is None:
        node.fail("missing: the licence says item wording is shipped")


def _scoring(node: _Node, items: tuple[Item, ...], keys: set[str]) -> Scoring:
    fields = node.fields(("method", "missing", "min", "max"))
    method = fields["method"].choice(("sum", "mean"))
    scored = [item for item in items if item.scored]
    missing = _missing_rule(fields["missing"], len(scored), keys)
    divisor = len(scored) if method == "mean" else 1
    expected = {
        "min": math.fsum(item.scale.min for item in scored) / divisor,
        "max": math.fsum(item.scale.max for item in scored) / divisor,
    }
    for name, value in expected.items():
        declared = fields[name].number()
        if abs(declared - value) > _EXACT:
            fields[name].fail(
                f"{declared:g} does not match the items' scales ({method}: {value:g})"
            )
    return Scoring(method, missing, expected["min"], expected["max"])


def _missing_rule(node: _Node, n_scored: int, keys: set[str]) -> MissingRule:
    fields = node.fields(("rule", "max_missing"), ("evidence", "source"))
    rule, max_missing = (
        fields["rule"].choice(("refuse", "prorate")),
        fields["max_missing"].integer(),
    )
    if rule == "refuse" and max_missing != 0:
        fields["max_missing"].fail("must be 0 when the rule is refuse")
    if rule == "prorate" and not 1 <= max_missing < n_scored:
        fields["max_missing"].fail(f"must be from 1 to {n_scored - 1} when prorating")
    evidence = None if fields["evidence"].is_null() else fields["evidence"].choice(EVIDENCE)
    return MissingRule(rule, max_missing, evidence, _source_key(fields["source"], keys, False))


def _source_key(node: _Node, keys: set[str], required: bool = True) -> str | None:
    if node.is_null() and not required:
        return None
    key = node.string()
    if key not in keys:
        node.fail(f"unknown source {key!r}; the file's sources are {', '.join(sorted(keys))}")
    return key


def _subscales(node: _Node, items: tuple[Item, ...], scoring: Scoring) -> tuple[Subscale, ...]:
    scored = {item.code for item in items if item.scored}
    subscales: list[Subscale] = []
    for element in node.elements_or_none():
        fields = element.fields(("code", "name", "items"), ("cutoff",))
        code = fields["code"].code()
        if any(subscale.code == code for subscale in subscales):
            fields["code"].fail(f"duplicate code {code!r}")
        members: list[str] = []
        for member in fields["items"].elements(min_length=1):
            item_code = member.string()
            if item_code not in scored or item_code in members:
                member.fail(f"{item_code!r} is not a scored item, or is listed twice")
            members.append(item_code)
        cutoff = _subscale_cutoff(fields["cutoff"], items, members, scoring)
        subscales.append(Subscale(code, fields["name"].text(), tuple(members), cutoff))
    return tuple(subscales)


def _subscale_cutoff(
    node: _Node, items: tuple[Item, ...], members: Sequence[str], scoring: Scoring
) -> float | None:
    """An optional cutoff, inside the subscale's own range (its items' scales, summed or
    averaged as the instrument scores)."""
    cutoff = node.number_or_none()
    if cutoff is None:
        return None
    scales = [item.scale for item in items if item.code in members]
    low, high = sum(s.min for s in scales), sum(s.max for s in scales)
    if scoring.method == "mean":
        low, high = min(s.min for s in scales), max(s.max for s in scales)
    if not low <= cutoff <= high:
        node.fail(f"must be between {low:g} and {high:g} (the subscale's range), got {cutoff:g}")
    return cutoff


def _within(node: _Node, low: float, high: float) -> float:
    value = node.number()
    if not low <= value <= high:
        node.fail(f"{value:g} is outside the range {low:g} to {high:g}")
    return value


def _bands(node: _Node, scoring: Scoring) -> tuple[SeverityBand, ...]:
    bands: list[SeverityBand] = []
    for element in node.elements_or_none():
        fields = element.fields(("code", "label", "from"))
        code = fields["code"].code()
        if any(band.code == code for band in bands):
            fields["code"].fail(f"duplicate code {code!r}")
        lower = _within(fields["from"], scoring.min, scoring.max)
        if not bands and lower != scoring.min:
            fields["from"].fail(f"the first band must start at the minimum total {scoring.min:g}")
        if bands and lower <= bands[-1].lower:
            fields["from"].fail(f"must be above the previous band's start {bands[-1].lower:g}")
        bands.append(SeverityBand(code, fields["label"].text(), lower))
    return tuple(bands)


def _cutoffs(
    node: _Node,
    age_groups: tuple[str, ...],
    scoring: Scoring,
    items: tuple[Item, ...],
    keys: set[str],
) -> tuple[Cutoff, ...]:
    scored = [item for item in items if item.scored]
    cutoffs: list[Cutoff] = []
    for element in node.elements_or_none():
        fields = element.fields(("age_group", "total", "evidence", "source"), ("item",))
        age_group = fields["age_group"].choice(age_groups)
        if any(cutoff.age_group == age_group for cutoff in cutoffs):
            fields["age_group"].fail(f"{age_group!r} has two cutoffs")
        total = _within(fields["total"], scoring.min, scoring.max)
        item = None
        if not fields["item"].is_null():
            low, high = max(i.scale.min for i in scored), min(i.scale.max for i in scored)
            item = _within(fields["item"], low, high)
        evidence = fields["evidence"].choice(EVIDENCE)
        source = str(_source_key(fields["source"], keys))
        cutoffs.append(Cutoff(age_group, total, item, evidence, source))
    return tuple(cutoffs)


def _reliable_changes(
    node: _Node, age_groups: tuple[str, ...], scoring: Scoring, keys: set[str]
) -> tuple[ReliableChange, ...]:
    changes: list[ReliableChange] = []
    for element in node.elements_or_none():
        fields = element.fields(("age_group", "points", "evidence", "source"))
        age_group = fields["age_group"].choice(age_groups)
        if any(change.age_group == age_group for change in changes):
            fields["age_group"].fail(f"{age_group!r} has two reliable-change values")
        points = _within(fields["points"], 0, scoring.max - scoring.min)
        if points == 0:
            fields["points"].fail("must be above 0")
        evidence = fields["evidence"].choice(EVIDENCE)
        source = str(_source_key(fields["source"], keys))
        changes.append(ReliableChange(age_group, points, evidence, source))
    return tuple(changes)


def _codes(node: _Node) -> Codes:
    fields = node.fields(("loinc_panel", "loinc_total"))
    return Codes(fields["loinc_panel"].loinc_or_none(), fields["loinc_total"].loinc_or_none())


def _licence(node: _Node) -> Licence:
    fields = node.fields(("name", "notice", "item_text"))
    item_text = fields["item_text"].choice(("shipped", "site_supplied"))
    return Licence(fields["name"].string(), fields["notice"].text(), item_text)


def _sources(node: _Node) -> tuple[Source, ...]:
    sources: list[Source] = []
    for element in node.elements(min_length=1):
        fields = element.fields(("key", "citation"))
        key = fields["key"].code()
        if any(source.key == key for source in sources):
            fields["key"].fail(f"duplicate key {key!r}")
        sources.append(Source(key, fields["citation"].string()))
    return tuple(sources)


def _merge_site_text(instrument: Instrument, root: _Node) -> Instrument:
    fields = root.fields(("instrument", "items"), ("instructions",))
    named = fields["instrument"].string()
    if named != instrument.code:
        fields["instrument"].fail(f"is {named!r} but the instrument is {instrument.code!r}")
    if not isinstance(fields["items"].value, dict):
        fields["items"].fail("must be an object of item code to wording")
    by_code = {item.code: item for item in instrument.items}
    merged: dict[str, Item] = {}
    for code in fields["items"].value:
        node = fields["items"].at(code)
        if code not in by_code:
            node.fail("unknown item")
        merged[code] = _merge_item(by_code[code], node)
    instructions = instrument.instructions
    if not fields["instructions"].is_null():
        instructions = {**(instructions or {}), **fields["instructions"].text()}
    items = tuple(merged.get(item.code, item) for item in instrument.items)
    return replace(instrument, instructions=instructions, items=items)


def _merge_item(item: Item, node: _Node) -> Item:
    fields = node.fields((), ("text", "label", "anchors"))
    if all(field.is_null() for field in fields.values()):
        node.fail("give at least one of text, label, anchors")
    scale = item.scale
    if not fields["anchors"].is_null():
        if scale.type == "likert":
            fields["anchors"].fail("only visual analogue and rating items have anchors")
        scale = replace(scale, anchors=_anchors(fields["anchors"]))
    text = item.text
    if not fields["text"].is_null():
        text = {**(text or {}), **fields["text"].text()}
    label = item.label
    if not fields["label"].is_null():
        label = {**label, **fields["label"].text()}
    return replace(item, text=text, label=label, scale=scale)
