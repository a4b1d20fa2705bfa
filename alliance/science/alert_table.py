"""Every alert of many episodes as one table: what the columnar twins of the rules raised
(:mod:`alliance.science.signals_columnar`), in the order :func:`alliance.science.signals.evaluate`
gives each episode's alerts, episodes in the order of the sessions.

Alerts are made into records (or :class:`EpisodeAlert` objects) only as they are read, one at a
time, so a file with hundreds of thousands of alerts never holds them all (issue 16).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

import numpy as np

from alliance.science.analysis_records import EpisodeAlert
from alliance.science.repair import ADVICE
from alliance.science.signal_base import SEVERITIES, Alert, SignalSettings
from alliance.science.signal_columns import SessionColumns
from alliance.science.signals import RULES
from alliance.science.signals_columnar import COLUMNAR_RULES, Fired

__all__ = ["AlertRecords", "AlertTable", "evaluate_columns"]

_RULE_RANK = {rule.__name__: rank for rank, rule in enumerate(RULES)}


def evaluate_columns(
    columns: SessionColumns,
    settings: SignalSettings,
    advance: Callable[[int, int], None] | None = None,
) -> AlertTable:
    """Every rule's twin over every episode, the alerts ordered as :func:`.signals.evaluate`
    orders one episode's: severity, the most recent session first, the order of
    :data:`.signals.RULES`, then the episode's own measure before its others (by code).
    ``advance(done, total)`` is called after each rule."""
    fired = []
    for done, rule in enumerate(COLUMNAR_RULES, start=1):
        fired.append(rule(columns, settings))
        if advance is not None:
            advance(done, len(COLUMNAR_RULES))
    return AlertTable(columns, fired)


class AlertTable(Sequence[EpisodeAlert]):
    """The alerts of :func:`evaluate_columns`; reads as a sequence of :class:`EpisodeAlert`."""

    def __init__(self, columns: SessionColumns, fired: list[Fired]) -> None:
        self.columns, self.fired = columns, fired
        rows = np.concatenate([f.rows for f in fired]) if fired else np.zeros(0, np.intp)
        which = np.concatenate([np.full(len(f.rows), k, np.intp) for k, f in enumerate(fired)])
        at = np.concatenate([np.arange(len(f.rows), dtype=np.intp) for f in fired])
        rank = np.array([_RULE_RANK[f.rule] for f in fired], np.intp)[which]
        severity = np.concatenate([f.severity for f in fired])
        order = np.concatenate([f.order for f in fired])
        # np.lexsort sorts by the last key first: episode, severity, latest session, rule.
        keys = (order, rank, -columns.number[rows], severity, columns.episode[rows])
        sort = np.lexsort(keys)
        self._which, self._at, self._rows = which[sort], at[sort], rows[sort]

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> EpisodeAlert: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[EpisodeAlert]: ...

    def __getitem__(self, index: int | slice) -> EpisodeAlert | Sequence[EpisodeAlert]:
        if isinstance(index, slice):
            return list(self._alerts())[index]
        return self._alert(range(len(self))[index])

    def __iter__(self) -> Iterator[EpisodeAlert]:
        return self._alerts()

    def rule_counts(self) -> dict[str, int]:
        """Alerts per rule, rules in the order they first appear (as the summary counts)."""
        codes = [self.fired[k].rule for k in range(len(self.fired))]
        counts: dict[str, int] = {}
        if not len(self):
            return counts
        _, first = np.unique(self._which, return_index=True)
        for k in sorted(first.tolist()):
            rule = codes[int(self._which[k])]
            counts[rule] = int(np.count_nonzero(self._which == self._which[k]))
        return counts

    def records(self) -> AlertRecords:
        """The alerts' JSON records (:func:`.analysis_records.alert_record`), made one at a time
        as they are read; :meth:`AlertRecords.encoded` gives them as JSON text."""
        return AlertRecords(self)

    def parts(self, first: int = 0, stop: int | None = None) -> Iterator[tuple[Any, ...]]:
        """Per alert in order (from ``first`` to ``stop``): episode id, measure, rule, severity,
        session, evidence, advice code, pathway, dated. Read a batch at a time (numpy's scalars
        are slow one by one)."""
        columns, fired = self.columns, self.fired
        ids, own = columns.episodes.episode_id, columns.episodes.measure
        end = len(self) if stop is None else min(stop, len(self))
        for start in range(first, end, _BATCH):
            batch = slice(start, min(start + _BATCH, end))
            rows = self._rows[batch]
            for which, j, episode, session, dated in zip(
                self._which[batch].tolist(),
                self._at[batch].tolist(),
                columns.episode[rows].tolist(),
                columns.number[rows].tolist(),
                columns.dated[rows].tolist(),
                strict=True,
            ):
                rule = fired[which]
                yield (
                    ids[episode],
                    rule.measure[j] or own[episode] or None,
                    rule.rule,
                    SEVERITIES[rule.severity[j]],
                    session,
                    {"session": session, **rule.evidence(j)},
                    rule.advice[j],
                    rule.pathway[j],
                    dated,
                )

    def _alert(self, k: int) -> EpisodeAlert:
        return next(self._alerts(k, k + 1))

    def _alerts(self, start: int = 0, stop: int | None = None) -> Iterator[EpisodeAlert]:
        for k, found in enumerate(self.parts(start, stop), start=start):
            episode, measure, rule, severity, session, evidence, advice, pathway, dated = found
            own = self.fired[int(self._which[k])].measure[int(self._at[k])]
            alert = Alert(rule, severity, session, evidence, ADVICE[advice], pathway, own)
            yield EpisodeAlert(episode, measure, alert, dated)


_BATCH = 10_000


class AlertRecords:
    """The JSON records of an :class:`AlertTable`, made as they are read: iterate for dicts,
    or :meth:`encoded` for each record's JSON text without making the dict."""

    def __init__(self, table: AlertTable) -> None:
        self.table = table

    def __len__(self) -> int:
        return len(self.table)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        # Their values are plain already (Python numbers, finite; None for none), so they skip
        # :func:`.analysis_records.plain_object`.
        texts = {code: advice.text for code, advice in ADVICE.items()}
        for found in self.table.parts():
            episode, measure, rule, severity, session, evidence, advice, pathway, dated = found
            if not dated and "date" in evidence:
                evidence["date"] = None
            yield {
                "episode_id": episode,
                "measure": measure,
                "rule": rule,
                "severity": severity,
                "session": session,
                "evidence": evidence,
                "advice_code": advice,
                "advice_text": texts[advice],
                "pathway": pathway,
            }

    def encoded(self, encode: Callable[[Any], str]) -> Iterator[str]:
        """Each record as ``encode(record)`` writes it, for an encoder with ``", "`` and
        ``": "`` as separators: the parts every alert of a kind shares (rule, severity, advice
        and its text) are encoded once, only the episode, measure, session and evidence per
        alert (issue 16: the long advice texts were most of the JSON's bytes)."""
        known: dict[object, str] = {}

        def once(value: object) -> str:
            if value not in known:
                known[value] = encode(value)
            return known[value]

        texts = {code: advice.text for code, advice in ADVICE.items()}
        for found in self.table.parts():
            episode, measure, rule, severity, session, evidence, advice, pathway, dated = found
            if not dated and "date" in evidence:
                evidence["date"] = None
            tail = known.get((advice, pathway))
            if tail is None:
                tail = known[advice, pathway] = (
                    f', "advice_code": {once(advice)}, "advice_text": {once(texts[advice])}'
                    f', "pathway": {once(pathway)}}}'
                )
            yield (
                f'{{"episode_id": {once(episode)}, "measure": {once(measure)}, '
                f'"rule": {once(rule)}, "severity": {once(severity)}, "session": {session}, '
                f'"evidence": {encode(evidence)}{tail}'
            )
