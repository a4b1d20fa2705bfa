"""RowRecords: a table's rows encoded a column at a time read as each record encoded whole."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from alliance.science.analysis_records import records
from alliance.science.row_records import RowRecords


def _encode(value: object) -> str:
    return json.JSONEncoder(allow_nan=False, separators=(", ", ": ")).encode(value)


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "episode_id": pd.array(["1", "2", None, "4", "2"], dtype="string"),
            "score": [0.0, -0.0, np.nan, np.inf, 11.200000000000003],
            "n": np.array([1, 1, 3, -2, 10**12], dtype=np.int64),
            "flag": [True, False, True, True, False],
            "mixed": pd.Series(["a", None, 1.5, -0.0, 0.0], dtype=object),
            'odd {key} "quoted"': ["é", "{}", "x", "x", "ü"],
        }
    )


def test_it_writes_each_row_as_its_record_encoded_whole() -> None:
    table = _table()
    expected = [_encode(record) for record in records(table)]
    assert list(RowRecords(table).encoded(_encode)) == expected


def test_it_keeps_minus_zero_apart_from_zero() -> None:
    lines = list(RowRecords(_table()).encoded(_encode))
    assert '"score": 0.0' in lines[0] and '"score": -0.0' in lines[1]
    assert '"mixed": -0.0' in lines[3] and '"mixed": 0.0' in lines[4]


def test_it_reads_as_the_records_of_the_table() -> None:
    table = _table()
    assert list(RowRecords(table)) == records(table) and len(RowRecords(table)) == 5
