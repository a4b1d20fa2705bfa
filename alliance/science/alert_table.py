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

__all__ = ["AlertTable", "evaluate_columns"]

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
            return [self._alert(k) for k in range(len(self))[index]]
        return self._alert(range(len(self))[index])

    def __iter__(self) -> Iterator[EpisodeAlert]:
        return (self._alert(k) for k in range(len(self)))

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

    def records(self) -> Iterator[dict[str, Any]]:
        """The alerts' JSON records (:func:`.analysis_records.alert_record`), one at a time.
        Their values are plain already (Python numbers, finite, None for none), so they skip
        :func:`.analysis_records.plain_object`."""
        texts = {code: advice.text for code, advice in ADVICE.items()}
        for k in range(len(self)):
            found = self._parts(k)
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

    def _parts(self, k: int) -> tuple[Any, ...]:
        fired, j, row = self.fired[int(self._which[k])], int(self._at[k]), int(self._rows[k])
        columns = self.columns
        episode = int(columns.episode[row])
        session = int(columns.number[row])
        own = columns.episodes.measure[episode] or None
        measure = fired.measure[j] or own
        evidence = {"session": session, **fired.evidence(j)}
        return (
            columns.episodes.episode_id[episode],
            measure,
            fired.rule,
            SEVERITIES[int(fired.severity[j])],
            session,
            evidence,
            fired.advice[j],
            fired.pathway[j],
            bool(columns.dated[row]),
        )

    def _alert(self, k: int) -> EpisodeAlert:
        episode, measure, rule, severity, session, evidence, advice, pathway, dated = self._parts(k)
        fired = self.fired[int(self._which[k])]
        alert = Alert(
            rule, severity, session, evidence, ADVICE[advice], pathway, fired.measure[self._at[k]]
        )
        return EpisodeAlert(episode, measure, alert, dated)
