"""Reading a FHIR R4 search's query string against the CapabilityStatement (``capability``):
what each parameter, modifier and value means, as R4's search page says
(https://hl7.org/fhir/R4/search.html), and what is not served.

A parameter given twice must hold both times (AND); values separated by commas are
alternatives (OR). Under ``Prefer: handling=strict`` anything not served is a 400; otherwise
it is left out of the search and of the ``self`` link, so the link says what was searched."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from alliance.api.fhir.capability import RESULT_PARAMS, Served

MAX_COUNT = 100
DEFAULT_COUNT = 50
DB_INT_MAX = 2_147_483_647
DATE_PREFIXES = ("eq", "ne", "lt", "le", "gt", "ge")
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


class SearchError(Exception):
    def __init__(self, diagnostics: str, expression: str | None = None):
        super().__init__(diagnostics)
        self.expression = expression


@dataclass
class Search:
    """A search read from the query string: the filters (one entry per occurrence of a
    parameter, in order), the page, the order, and the parameters kept for the links."""

    filters: list[tuple[str, str, list[str]]] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    offset: int = 0
    sort: list[str] = field(default_factory=list)
    summary_count: bool = False
    kept: list[tuple[str, str]] = field(default_factory=list)

    @property
    def entries_wanted(self) -> bool:
        return not self.summary_count and self.count > 0


def strict(request: HttpRequest) -> bool:
    """``Prefer: handling=strict`` (RFC 7240; several preferences may share the header)."""
    prefer = request.headers.get("Prefer", "")
    tokens = {token.strip().replace(" ", "").lower() for token in re.split(r"[,;]", prefer)}
    return "handling=strict" in tokens


def _whole(name: str, value: str, lowest: int, highest: int) -> int:
    if not (value.isascii() and value.isdigit()) or not lowest <= int(value[:12]) <= highest:
        raise SearchError(f"{name}: expected a whole number from {lowest} to {highest}.", name)
    return int(value)


def _result_param(search: Search, kind: Served, name: str, value: str) -> None:
    if name == "_count":
        search.count = _whole(name, value, 0, MAX_COUNT)
    elif name == "_offset":
        search.offset = _whole(name, value, 0, DB_INT_MAX)
    elif name == "_summary":
        if value != "count":
            raise SearchError("_summary: only _summary=count is served.", name)
        search.summary_count = True
    elif name == "_sort":
        for key in value.split(","):
            if key.removeprefix("-") not in kind.sorts:
                allowed = ", ".join(f"{s}, -{s}" for s in kind.sorts)
                raise SearchError(f"_sort: sort by one of {allowed}.", name)
            search.sort.append(key)


def parse(request: HttpRequest, kind: Served) -> Search:
    """The search ``request`` asks for, refusing (strict) or leaving out what is not served."""
    refuse = strict(request)
    search = Search()
    result_names = {param.name for param in RESULT_PARAMS}
    for key, values in request.GET.lists():
        name, colon, modifier = key.partition(":")
        param = kind.param(name)
        usable = (name in result_names and not colon) or (
            param is not None and (not colon or modifier in param.modifiers)
        )
        if not usable:
            if refuse:
                raise SearchError(_not_served(kind, key), key)
            continue
        for value in values:
            if name in result_names:
                _result_param(search, kind, name, value)
            else:
                search.filters.append((name, modifier, value.split(",")))
            search.kept.append((key, value))
    return search


def _not_served(kind: Served, key: str) -> str:
    names = ", ".join(param.name for param in kind.params)
    if "." in key:
        what = "chained searches are not served"
    elif ":" in key:
        what = "this modifier is not served"
    else:
        what = "this parameter is not served"
    return f"{key}: {what} for {kind.type}; it takes {names} (see /fhir/metadata)."


def reference_id(value: str, resource_type: str, name: str, modifier: str = "") -> int:
    """``12``, ``Patient/12`` or ``http://.../Patient/12`` as the id 12 (with ``:Patient``, the
    bare id)."""
    kind, _, raw = value.rpartition("/")
    if (kind and (modifier or not kind.endswith(resource_type))) or not is_id(raw):
        raise SearchError(f"{name}: expected a {resource_type} id.", name)
    return int(raw)


def is_id(raw: str) -> bool:
    """A whole number that fits a database integer (a longer one would be a server error, and
    one of thousands of digits cannot even be converted)."""
    return (
        raw.isascii()
        and raw.isdigit()
        and len(raw) <= len(str(DB_INT_MAX))
        and 0 < int(raw) <= DB_INT_MAX
    )


def token(value: str) -> tuple[str | None, str]:
    """``system|code`` as (system, code); ``|code`` as ("", code): a code with no system;
    ``code`` as (None, code): any system."""
    system, bar, code = value.rpartition("|")
    return (system if bar else None), code


def _range(value: str, name: str) -> tuple[datetime, datetime]:
    """The instants [start, end) a FHIR date or dateTime covers; a date without a time is a
    day in the site's time zone."""
    partial = _PARTIAL_DATE.match(value)
    if partial:
        year, month, day = (int(part) if part else None for part in partial.groups())
        try:
            start = date(year or 1, month or 1, day or 1)
        except ValueError:
            raise SearchError(f"{name}: {value!r} is not a date.", name) from None
        if day:
            end = start + timedelta(days=1)
        elif month:
            end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        else:
            end = date(start.year + 1, 1, 1)
        zone = timezone.get_current_timezone()
        return (
            datetime.combine(start, time.min, tzinfo=zone),
            datetime.combine(end, time.min, tzinfo=zone),
        )
    moment = parse_datetime(value) if "T" in value else None
    if moment is None or timezone.is_naive(moment):
        raise SearchError(
            f"{name}: expected a date (2026-01-05, 2026-01, 2026) or a date-time with its "
            "offset (2026-01-05T10:30:00+01:00), after an optional prefix "
            f"({', '.join(DATE_PREFIXES)}).",
            name,
        )
    return moment, moment + timedelta(seconds=1)


def date_lookup(value: str, field_name: str, name: str) -> tuple[dict[str, Any], bool]:
    """The lookups for one date value and whether they are negated (``ne``)."""
    prefix = value[:2] if value[:2].isalpha() else "eq"
    if prefix not in DATE_PREFIXES:
        allowed = ", ".join(DATE_PREFIXES)
        raise SearchError(f"{name}: the prefix {prefix!r} is not served; use {allowed}.", name)
    start, end = _range(value[2:] if value[:2].isalpha() else value, name)
    lookups = {
        "eq": {f"{field_name}__gte": start, f"{field_name}__lt": end},
        "ne": {f"{field_name}__gte": start, f"{field_name}__lt": end},
        "lt": {f"{field_name}__lt": start},
        "le": {f"{field_name}__lt": end},
        "gt": {f"{field_name}__gte": end},
        "ge": {f"{field_name}__gte": start},
    }
    return lookups[prefix], prefix == "ne"
