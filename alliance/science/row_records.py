"""A table's rows as JSON records, or as their JSON text made a column at a time.

The analysis JSON's per-episode tables (``episodes``, ``nhs_talking_therapies``) have one record
per row. Their values repeat (scores to one decimal, cut-offs, measures, classes), so
:meth:`RowRecords.encoded` encodes each column's *distinct* values once and writes each row from
a template of its keys, instead of making a dict per row and encoding every value again
(issue 16). The text is the encoder's own for each value, so the record reads byte for byte as
``encode(record)`` writes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from alliance.science.analysis_records import plain, records

__all__ = ["RowRecords"]

_BATCH = 10_000  # rows made at a time, so a large table's records are never all held


class RowRecords:
    """The rows of ``frame`` as plain JSON records (:func:`.analysis_records.records`), made a
    batch at a time as they are read; :meth:`encoded` gives each record's JSON text."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def __len__(self) -> int:
        return len(self.frame)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for start in range(0, len(self.frame), _BATCH):
            yield from records(self.frame.iloc[start : start + _BATCH])

    def encoded(self, encode: Callable[[Any], str]) -> Iterator[str]:
        """Each record as ``encode(record)`` writes it, for an encoder with ``", "`` and
        ``": "`` as separators."""
        keys = [encode(str(name)) for name in self.frame.columns]
        template = "{{" + ", ".join(_literal(key) + ": {}" for key in keys) + "}}"
        for start in range(0, len(self.frame), _BATCH):
            batch = self.frame.iloc[start : start + _BATCH]
            texts = [_texts(batch.iloc[:, k], encode) for k in range(batch.shape[1])]
            yield from map(template.format, *texts)


def _literal(text: str) -> str:
    """``text`` as it must appear in a :meth:`str.format` template."""
    return text.replace("{", "{{").replace("}", "}}")


def _texts(column: pd.Series, encode: Callable[[Any], str]) -> list[str]:
    """The JSON text of each value of a column as :func:`.analysis_records.plain` makes it,
    each distinct value encoded once. Numbers are told apart by their bits, so ``-0.0`` and
    ``0.0`` (equal, but written differently) each keep their own text."""
    values = column.to_numpy() if isinstance(column.dtype, np.dtype) else None
    if values is not None and values.dtype.kind == "f":
        bits, inverse = np.unique(values.astype(np.float64).view(np.int64), return_inverse=True)
        distinct = bits.view(np.float64)
        known = [encode(float(v)) if np.isfinite(v) else "null" for v in distinct.tolist()]
        return list(np.array(known, dtype=object)[inverse.reshape(-1)].tolist())
    if values is not None and values.dtype.kind in "iub":
        distinct_values, inverse = np.unique(values, return_inverse=True)
        known = [encode(v) for v in distinct_values.tolist()]
        return list(np.array(known, dtype=object)[inverse.reshape(-1)].tolist())
    cache: dict[tuple[type, Any], str] = {}
    texts = []
    for value in column.tolist():
        value = plain(value)
        if isinstance(value, float):  # 0.0 and -0.0 are one key: encode each float afresh
            texts.append(encode(value))
            continue
        try:
            key = (type(value), value)
            text = cache.get(key)
        except TypeError:  # a value that is not hashable (none of today's columns)
            texts.append(encode(value))
            continue
        if text is None:
            text = cache[key] = encode(value)
        texts.append(text)
    return texts
