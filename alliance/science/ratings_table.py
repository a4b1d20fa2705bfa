"""The research ratings table: check every row of a long CSV, then parse it into typed columns.

``alliance analyze`` reads a long table, one rating per row (``docs/science/analysis.md``). This
module collects *every* bad cell at once, each with the row number a spreadsheet shows (the header
is row 1, the first rating row 2), the column and what is allowed, so a researcher can fix a file
in one pass; and it turns a clean table into typed columns for :mod:`alliance.science.analysis`.
Nothing is guessed: a blank optional cell means the same as a missing optional column (rater
``client``, age group ``adult``, no date), and that is the only default. A blank line (every
cell empty, as a spreadsheet leaves at the end) is no rating: it is skipped, and the rows after
it keep their numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from alliance.science.instruments import AGE_GROUPS, Instrument, Item, load_instruments
from alliance.science.messages import Message, Number, gettext_noop
from alliance.science.ratings_cells import (
    Cells,
    cell_numbers,
    column_cells,
    column_text,
    lower_texts,
    parse_dates,
)

__all__ = [
    "FIRST_DATA_ROW",
    "OPTIONAL_COLUMNS",
    "RATERS",
    "REQUIRED_COLUMNS",
    "RatingsError",
    "RatingsTable",
    "RowError",
    "check_ratings",
    "read_ratings",
    "validate_ratings",
]

REQUIRED_COLUMNS = ("episode_id", "clinician_id", "session", "measure", "score")
OPTIONAL_COLUMNS = ("client_id", "date", "rater", "age_group")
RATERS = ("client", "clinician")
FIRST_DATA_ROW = 2
"""Row number of the first rating: rows are numbered as a spreadsheet shows them, header = 1."""

_HEADER_ROW = 1
# The rater in a message ("... by the client"): the word, translated where the message is.
RATER_WORDS = {"client": gettext_noop("client"), "clinician": gettext_noop("clinician")}
_ITEM_COLUMN = re.compile(r"^item_([1-9][0-9]*)$")
# An item value counts as on its scale's grid within this slack (7.3 * 10 = 72.99999999999999),
# the same tolerance as alliance.science.instruments.
_GRID_TOLERANCE = 1e-6
_KEY = ["episode_id", "session", "measure", "rater"]

Mask = NDArray[np.bool_]


@dataclass(frozen=True, order=True)
class RowError:
    """One bad cell: ``row`` as a spreadsheet numbers it (header 1, first rating 2), the column,
    and a message saying what is wrong and what is allowed.

    ``message`` is English; ``detail``, when set, says the same as a :class:`Message` the apps
    translate (:meth:`of` sets both).

    >>> error = RowError.of(2, "score", gettext_noop("%(value)s is not a number"), value="'x'")
    >>> str(error), error.detail.template
    ("row 2, column score: 'x' is not a number", '%(value)s is not a number')
    """

    row: int
    column: str
    message: str
    detail: Message | None = field(default=None, compare=False)

    @classmethod
    def of(cls, row: int, column: str, template: str, /, **params: object) -> RowError:
        """The error at ``row`` and ``column`` saying ``template`` with ``params``."""
        return cls.said(row, column, Message(template, params))

    @classmethod
    def said(cls, row: int, column: str, detail: Message) -> RowError:
        return cls(row, column, str(detail), detail)

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


class RatingsError(ValueError):
    """A ratings table with bad rows; ``errors`` lists every one of them."""

    def __init__(self, errors: list[RowError]) -> None:
        shown = "; ".join(str(error) for error in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(f"ratings: {len(errors)} bad cells: {shown}{more}")
        self.errors = tuple(errors)


@dataclass(frozen=True)
class RatingsTable:
    """A checked ratings table in typed columns.

    ``ratings`` has one row per rating, in file order, with ``row`` (spreadsheet row number),
    ``episode_id``, ``clinician_id``, ``client_id`` (text or None), ``session`` (int64),
    ``measure``, ``rater``, ``age_group``, ``score`` (float64), ``date`` (datetime64, NaT when
    blank) and every ``item_<n>`` column of the file (float64, NaN when blank).
    """

    ratings: pd.DataFrame
    item_columns: tuple[str, ...]
    has_dates: bool


def validate_ratings(
    frame: pd.DataFrame, *, instruments: Mapping[str, Instrument] | None = None
) -> list[RowError]:
    """Every bad cell of a long ratings table, sorted by row then column.

    Checks: required columns present (``episode_id, clinician_id, session, measure, score``);
    ids not blank; ``measure`` a known instrument code; ``session`` a whole number, 1 or more;
    ``score`` a number inside the instrument's total range (ORS 0 to 40, PHQ-9 0 to 27);
    ``rater`` ``client`` or ``clinician`` and one the instrument allows; ``age_group`` one of
    child, adolescent, adult; ``date`` an ISO date, one per session, never earlier than an
    earlier session's; ``item_<n>`` on the scale of the instrument's item numbered n; and no two
    rows for the same episode, session, measure and rater.

    Parameters
    ----------
    frame : pandas.DataFrame
        As read from the CSV, best as text (``dtype=str``); numbers are accepted too. Row i of
        the frame (by position) is reported as row ``i + FIRST_DATA_ROW``.
    instruments : mapping of code to Instrument, optional
        Defaults to :func:`alliance.science.instruments.load_instruments`.

    Returns
    -------
    list of RowError
        Empty when the table is clean.

    Examples
    --------
    >>> frame = pd.DataFrame({"episode_id": ["e1", "e1"], "clinician_id": ["c1", "c1"],
    ...                       "session": ["1", "0"], "measure": ["ors", "ors"],
    ...                       "score": ["41", "20"]})
    >>> for error in validate_ratings(frame):
    ...     print(error)
    row 2, column score: 41 is outside ors's range 0 to 40
    row 3, column session: '0' is not a session number; allowed whole numbers 1 or more
    """
    return _check(frame, instruments)[0]


def read_ratings(
    frame: pd.DataFrame, *, instruments: Mapping[str, Instrument] | None = None
) -> RatingsTable:
    """Check a ratings table (:func:`validate_ratings`) and return it in typed columns.

    Raises
    ------
    RatingsError
        If any cell is bad; ``.errors`` holds every :class:`RowError`.

    Examples
    --------
    >>> frame = pd.DataFrame({"episode_id": ["e1"], "clinician_id": ["c1"], "session": ["2"],
    ...                       "measure": ["PHQ9"], "score": ["12"]})
    >>> table = read_ratings(frame)
    >>> table.ratings.iloc[0][["row", "measure", "rater", "age_group", "score"]].to_dict()
    {'row': 2, 'measure': 'phq9', 'rater': 'client', 'age_group': 'adult', 'score': 12.0}
    """
    errors, parsed = _check(frame, instruments)
    if errors or parsed is None:
        raise RatingsError(errors)
    return parsed


def check_ratings(
    frame: pd.DataFrame, *, instruments: Mapping[str, Instrument] | None = None
) -> tuple[list[RowError], RatingsTable | None]:
    """Every bad cell (:func:`validate_ratings`) and the rows without one in typed columns, for
    a caller that checks more of each row (the import) and reports every problem of a file in
    one pass. The table is ``None`` when a required column is missing or no row is left.

    Examples
    --------
    >>> frame = pd.DataFrame({"episode_id": ["e1", "e1"], "clinician_id": ["c1", "c1"],
    ...                       "session": ["1", "x"], "measure": ["ors", "ors"],
    ...                       "score": ["20", "21"]})
    >>> errors, table = check_ratings(frame)
    >>> [str(error) for error in errors], table.ratings["row"].tolist()
    (["row 3, column session: 'x' is not a session number; allowed whole numbers 1 or more"], [2])
    """
    return _check(frame, instruments, partial=True)


def _blank_lines(frame: pd.DataFrame) -> NDArray[np.bool_]:
    blank = np.full(len(frame), frame.shape[1] > 0)
    for position in range(frame.shape[1]):
        # Most rows are ruled out by their first cell: only the rest are read further.
        rows = np.flatnonzero(blank)
        if len(rows) == 0:
            break
        cells = Cells.of(frame.iloc[rows, position])
        blank[rows] = cells.each(lambda values: values == "")
    return blank


def _check(
    frame: pd.DataFrame, instruments: Mapping[str, Instrument] | None, *, partial: bool = False
) -> tuple[list[RowError], RatingsTable | None]:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError("frame: must be a pandas DataFrame with one row per rating")
    catalogue = dict(load_instruments() if instruments is None else instruments)
    renamed = frame.set_axis([str(name).strip().lower() for name in frame.columns], axis=1)
    missing = [name for name in REQUIRED_COLUMNS if name not in renamed.columns]
    if missing:
        needed = ", ".join(REQUIRED_COLUMNS)
        return [
            RowError.of(
                _HEADER_ROW,
                name,
                gettext_noop("required column missing; the file needs %(needed)s"),
                needed=needed,
            )
            for name in missing
        ], None
    blank = _blank_lines(renamed)
    if renamed.empty or blank.all():
        return [
            RowError.of(
                FIRST_DATA_ROW, REQUIRED_COLUMNS[0], gettext_noop("no ratings: the table is empty")
            )
        ], None
    rows = np.flatnonzero(~blank) + FIRST_DATA_ROW
    checker = _Checker(renamed[~blank].reset_index(drop=True), catalogue, rows)
    return checker.run(partial=partial)


class _Checker:
    """Parses each column once and collects every bad cell."""

    def __init__(
        self, frame: pd.DataFrame, instruments: dict[str, Instrument], rows: NDArray[np.int64]
    ) -> None:
        self.frame = frame
        self.instruments = instruments
        self.rows = rows
        self.errors: list[RowError] = []
        self.measure_codes: tuple[NDArray[np.intp], list[object]] = (np.zeros(0, np.intp), [])

    def flag(self, mask: Mask, column: str, message: Message) -> None:
        for position in np.flatnonzero(mask):
            self.errors.append(RowError.said(int(self.rows[position]), column, message))

    def flag_each(self, mask: Mask, column: str, describe: list[Message]) -> None:
        positions = np.flatnonzero(mask)
        for position, message in zip(positions, describe, strict=True):
            self.errors.append(RowError.said(int(self.rows[position]), column, message))

    def run(self, *, partial: bool = False) -> tuple[list[RowError], RatingsTable | None]:
        ids = {name: self.required_text(name) for name in ("episode_id", "clinician_id")}
        measure = self.measures()
        rater = self.choice("rater", RATERS, "client")
        age_group = self.choice("age_group", AGE_GROUPS, "adult")
        self.check_raters(rater)
        session = self.sessions()
        score = self.scores()
        date = self.dates()
        items = {name: self.items(name) for name in self.item_columns()}
        parsed = pd.DataFrame(
            {
                "row": self.rows,
                **ids,
                "client_id": column_text(self.frame, "client_id").replace("", None),
                "session": session,
                "measure": measure,
                "rater": rater,
                "age_group": age_group,
                "score": score,
                "date": date,
                **items,
            }
        )
        self.duplicates(parsed)
        self.date_order(parsed)
        errors = sorted(set(self.errors))
        if errors and partial:
            parsed = parsed[~parsed["row"].isin([error.row for error in errors])]
            parsed = parsed.reset_index(drop=True)
        if (errors and not partial) or parsed.empty:
            return errors, None
        parsed["session"] = parsed["session"].astype(np.int64)
        has_dates = "date" in self.frame.columns and bool(parsed["date"].notna().any())
        return errors, RatingsTable(parsed, tuple(items), has_dates)

    def required_text(self, name: str) -> pd.Series:
        return self.required_cells(name).text()

    def required_cells(self, name: str) -> Cells:
        cells = column_cells(self.frame, name)
        blank = cells.each(lambda values: values == "")
        self.flag(blank, name, Message(gettext_noop("missing; every rating needs one")))
        return cells

    def measures(self) -> pd.Series:
        cells = self.required_cells("measure")
        text = cells.text()
        code = pd.Series(cells.each(lower_texts), dtype=object)
        numbers, distinct = pd.factorize(code)
        self.measure_codes = (np.asarray(numbers, dtype=np.intp), list(distinct))
        unknown = (text != "") & ~code.isin(list(self.instruments))
        known = ", ".join(sorted(self.instruments))
        values = text[unknown].tolist()
        self.flag_each(
            unknown.to_numpy(),
            "measure",
            [
                Message(
                    gettext_noop("unknown measure %(value)s; known measures: %(known)s"),
                    {"value": repr(value), "known": known},
                )
                for value in values
            ],
        )
        return code

    def choice(self, name: str, allowed: tuple[str, ...], blank: str) -> pd.Series:
        cells = column_cells(self.frame, name)
        text = cells.text()
        value = pd.Series(cells.each(lambda values: lower_texts(values, blank)), dtype=object)
        bad = ~value.isin(list(allowed))
        self.flag_each(
            bad.to_numpy(),
            name,
            [
                Message(
                    gettext_noop("%(value)s is not allowed; allowed %(allowed)s"),
                    {"value": repr(raw), "allowed": ", ".join(allowed)},
                )
                for raw in text[bad]
            ],
        )
        return value

    def rated_on(self, code: str) -> Mask:
        """Rows of the measure ``code`` (:meth:`measures` first): compared as numbers, since a
        text comparison per instrument and column took seconds at agency size (issue 16)."""
        numbers, distinct = self.measure_codes
        if code not in distinct:
            return np.zeros(len(numbers), dtype=bool)
        return np.asarray(numbers == distinct.index(code), dtype=np.bool_)

    def check_raters(self, rater: pd.Series) -> None:
        codes, distinct = pd.factorize(rater)  # compared per distinct rater (issue 16)
        codes = np.asarray(codes, dtype=np.intp)

        def among(allowed: list[str]) -> Mask:
            return np.array([value in allowed for value in distinct] + [False])[codes]

        rated = among(list(RATERS))
        for code, instrument in self.instruments.items():
            allowed = [r for r in RATERS if r in instrument.respondents]
            bad = self.rated_on(code) & rated & ~among(allowed)
            message = Message(
                gettext_noop(
                    "%(measure)s is not rated by this rater; allowed for %(measure)s: %(allowed)s"
                ),
                {"measure": code, "allowed": ", ".join(allowed)},
            )
            self.flag(bad, "rater", message)

    def sessions(self) -> NDArray[np.float64]:
        cells = self.required_cells("session")
        value = cell_numbers(cells)
        with np.errstate(invalid="ignore"):
            good = np.isfinite(value) & (value >= 1) & (value == np.floor(value))
        bad = cells.each(lambda values: values != "") & ~good
        text = cells.texts_at(bad)
        self.flag_each(
            bad,
            "session",
            [
                Message(
                    gettext_noop(
                        "%(value)s is not a session number; allowed whole numbers 1 or more"
                    ),
                    {"value": repr(raw)},
                )
                for raw in text
            ],
        )
        return np.where(good, value, np.nan)

    def scores(self) -> NDArray[np.float64]:
        cells = self.required_cells("score")
        value = cell_numbers(cells)
        given = cells.each(lambda values: values != "")
        not_number = given & ~np.isfinite(value)
        self.flag_each(
            not_number, "score", [_not_a_number(raw) for raw in cells.texts_at(not_number)]
        )
        for code, instrument in self.instruments.items():
            low, high = instrument.scoring.min, instrument.scoring.max
            rows = self.rated_on(code) & np.isfinite(value)
            with np.errstate(invalid="ignore"):
                outside = rows & ((value < low) | (value > high))
            self.flag_each(
                outside,
                "score",
                [
                    Message(
                        gettext_noop("%(value)s is outside %(measure)s's range %(min)s to %(max)s"),
                        {
                            "value": Number.of(v, "g"),
                            "measure": code,
                            "min": Number.of(low, "g"),
                            "max": Number.of(high, "g"),
                        },
                    )
                    for v in value[outside]
                ],
            )
        return value

    def dates(self) -> pd.Series:
        cells = column_cells(self.frame, "date")
        parsed = pd.Series(cells.each(parse_dates))
        bad = cells.each(lambda values: values != "") & parsed.isna().to_numpy()
        text = cells.texts_at(bad)
        self.flag_each(
            bad,
            "date",
            [
                Message(
                    gettext_noop(
                        "%(value)s is not a date; allowed dates as YYYY-MM-DD, e.g. 2025-01-31"
                    ),
                    {"value": repr(raw)},
                )
                for raw in text
            ],
        )
        dates: pd.Series = parsed.dt.normalize()
        return dates

    def item_columns(self) -> list[str]:
        found = [str(name) for name in self.frame.columns if _ITEM_COLUMN.match(str(name))]
        return sorted(set(found), key=lambda name: int(name.split("_")[1]))

    def items(self, name: str) -> NDArray[np.float64]:
        number = int(name.split("_")[1])
        cells = column_cells(self.frame, name)
        value = cell_numbers(cells)
        given = cells.each(lambda values: values != "")
        not_number = given & ~np.isfinite(value)
        self.flag_each(not_number, name, [_not_a_number(raw) for raw in cells.texts_at(not_number)])
        for code, instrument in self.instruments.items():
            rows = given & self.rated_on(code) & np.isfinite(value)
            item = next((i for i in instrument.items if i.number == number), None)
            if item is None:
                message = Message(
                    gettext_noop("%(measure)s has %(count)s items, so %(column)s must be blank"),
                    {"measure": code, "count": len(instrument.items), "column": name},
                )
                self.flag(rows, name, message)
                continue
            bad = rows.copy()  # judged on the measure's rows only (issue 16)
            bad[rows] = ~_on_scale(item, value[rows])
            allowed = item.scale.description()
            self.flag_each(
                bad,
                name,
                [
                    Message(
                        gettext_noop("%(value)s is not on %(item)s's scale; allowed %(allowed)s"),
                        {"value": Number.of(v, "g"), "item": item.code, "allowed": allowed},
                    )
                    for v in value[bad]
                ],
            )
        return value

    def duplicates(self, parsed: pd.DataFrame) -> None:
        keyed = parsed.loc[self.keyed(parsed), [*_KEY, "row"]]
        repeated = keyed.duplicated(_KEY, keep="first").to_numpy()
        if not repeated.any():
            return
        first_row = keyed.groupby(_KEY, sort=False)["row"].transform("first").to_numpy()
        self.flag_each(
            np.isin(self.rows, keyed["row"].to_numpy()[repeated]),
            "session",
            [
                Message(
                    gettext_noop(
                        "duplicate rating: episode %(episode)s session %(session)s %(measure)s by "
                        "the %(rater)s is already in row %(first)s"
                    ),
                    {
                        "episode": repr(e),
                        "session": format(s, "g"),
                        "measure": m,
                        "rater": Message(RATER_WORDS.get(r, r)),
                        "first": first,
                    },
                )
                for e, s, m, r, first in zip(
                    *(keyed.loc[repeated, name] for name in _KEY),
                    first_row[repeated],
                    strict=True,
                )
            ],
        )

    def keyed(self, parsed: pd.DataFrame) -> Mask:
        """Rows whose episode, session, measure and rater are all valid."""
        return np.asarray(
            (parsed["episode_id"] != "")
            & parsed["session"].notna()
            & parsed["measure"].isin(list(self.instruments))
            & parsed["rater"].isin(list(RATERS)),
            dtype=np.bool_,
        )

    def date_order(self, parsed: pd.DataFrame) -> None:
        usable = self.keyed(parsed) & parsed["date"].notna().to_numpy()
        dated = parsed.loc[usable, ["episode_id", "session", "date", "row"]]
        if dated.empty:
            return
        by_session = dated.groupby(["episode_id", "session"], sort=True)["date"]
        session_date = by_session.transform("first")
        differs = (dated["date"] != session_date).to_numpy()
        self.flag_each(
            np.isin(self.rows, dated["row"].to_numpy()[differs]),
            "date",
            [
                Message(
                    gettext_noop(
                        "%(date)s differs from the date %(other)s of the same session in "
                        "another row"
                    ),
                    {"date": str(d.date()), "other": str(f.date())},
                )
                for d, f in zip(dated["date"][differs], session_date[differs], strict=True)
            ],
        )
        self.dates_going_back(dated, by_session.first())

    def dates_going_back(self, dated: pd.DataFrame, first: pd.Series) -> None:
        sessions = first.reset_index()
        by_episode = sessions.groupby("episode_id", sort=False)["date"]
        # the latest date of any earlier session: a running maximum, shifted by one session
        sessions["latest"] = by_episode.cummax().groupby(sessions["episode_id"]).shift(1)
        back = sessions.loc[
            sessions["date"] < sessions["latest"], ["episode_id", "session", "latest"]
        ]
        if back.empty:
            return
        flagged = dated.merge(back, on=["episode_id", "session"]).sort_values("row")
        self.flag_each(
            np.isin(self.rows, flagged["row"].to_numpy()),
            "date",
            [
                Message(
                    gettext_noop(
                        "%(date)s is before an earlier session's date %(other)s; "
                        "sessions must be numbered in date order"
                    ),
                    {"date": str(d.date()), "other": str(latest.date())},
                )
                for d, latest in zip(flagged["date"], flagged["latest"], strict=True)
            ],
        )


def _not_a_number(raw: object) -> Message:
    return Message(gettext_noop("%(value)s is not a number"), {"value": repr(raw)})


def _on_scale(item: Item, value: NDArray[np.float64]) -> Mask:
    """Whether each value is an allowed answer to the item (range, grid and Likert options)."""
    scale = item.scale
    units = value * scale.resolution
    whole = np.rint(units)
    with np.errstate(invalid="ignore"):
        good = (
            (value >= scale.min) & (value <= scale.max) & (np.abs(units - whole) <= _GRID_TOLERANCE)
        )
    if scale.type == "likert":
        good &= np.isin(whole, np.asarray(sorted(scale.option_units), dtype=np.float64))
    return np.asarray(good, dtype=np.bool_)
