"""A column of a ratings table as its cells: stripped text, checked and parsed once per distinct
value (``alliance.science.ratings_table`` reads every column through these).

A research CSV of a million ratings holds a few hundred distinct scores, sessions and codes:
each is stripped, parsed or checked once and the answer looked up for every cell (issue 16),
so every cell gets exactly what it would get on its own, at the cost of the distinct values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

# A date as written, with any time of day after it.
DATE = r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$"


@dataclass(frozen=True)
class Cells:
    """A column as stripped text ("" for blank), held as each row's index into the column's
    distinct values: a check or a parse runs once per distinct value and is then looked up,
    so a million rows of a few hundred scores cost a few hundred parses (issue 16), and every
    cell gets exactly what it would get on its own."""

    codes: NDArray[np.intp]
    values: NDArray[np.object_]

    @classmethod
    def of(cls, column: pd.Series) -> Cells:
        if isinstance(column.dtype, pd.CategoricalDtype):
            # Read as categories (alliance analyze): the distinct cells are there already.
            categories = column.cat.categories
            values = np.array([*(str(value).strip() for value in categories), ""], dtype=object)
            return cls(np.asarray(column.cat.codes, dtype=np.intp), values)
        if isinstance(column.dtype, pd.StringDtype):
            text = column
        elif pd.api.types.is_object_dtype(column):
            text = column.fillna("").astype(str)
        else:
            text = column.astype("string").fillna("")
        codes, distinct = pd.factorize(text)  # a blank (NaN) is -1: the "" put last below
        values = np.array([*(str(value).strip() for value in distinct), ""], dtype=object)
        return cls(np.asarray(codes, dtype=np.intp), values)

    def each(self, parse: Callable[[NDArray[np.object_]], Any]) -> NDArray[Any]:
        """``parse`` (a function of an array of texts) of every cell."""
        return np.asarray(parse(self.values))[self.codes]

    def text(self) -> pd.Series:
        return pd.Series(self.values[self.codes], dtype=object)

    def texts_at(self, rows: NDArray[np.bool_]) -> list[str]:
        """The stripped text of the ``rows`` (a mask), in order: the bad cells' texts, made
        without a text per cell of the column."""
        return list(self.values[self.codes[rows]].tolist())


def column_cells(frame: pd.DataFrame, name: str) -> Cells:
    """A column's cells (missing columns are all blank)."""
    if name not in frame.columns:
        return Cells(np.full(len(frame), -1, dtype=np.intp), np.array([""], dtype=object))
    column = frame[name]
    if isinstance(column, pd.DataFrame):  # a repeated header: the first one counts
        column = column.iloc[:, 0]
    return Cells.of(column)


def column_text(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column as stripped text, "" for blank (missing columns are all blank)."""
    return column_cells(frame, name).text()


def parse_numbers(values: NDArray[np.object_]) -> NDArray[np.float64]:
    text = pd.Series(values, dtype=object)
    parsed = pd.to_numeric(text.where(text != ""), errors="coerce")
    return np.asarray(parsed, dtype=np.float64)


def cell_numbers(cells: Cells) -> NDArray[np.float64]:
    return cells.each(parse_numbers).astype(np.float64, copy=False)


def parse_dates(values: NDArray[np.object_]) -> NDArray[np.datetime64]:
    # A session is a day: the date as written counts, any time of day after it is ignored
    # (converting times between zones could move a session to another day).
    day = pd.Series(values, dtype=object).str.extract(DATE, expand=False)
    return np.asarray(pd.to_datetime(day, errors="coerce", format="%Y-%m-%d").to_numpy())


def lower_texts(values: NDArray[np.object_], blank: str = "") -> NDArray[np.object_]:
    """Each text in lower case, ``blank`` for ""."""
    return np.array([value.lower() or blank for value in values], dtype=object)
