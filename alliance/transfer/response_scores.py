"""A response's scores as the restore stores them: computed from its answers, never taken from
the file (``docs/transfer.md``). :mod:`alliance.transfer.document_values` checks every response
with :func:`response_scores`, and :mod:`alliance.transfer.restore_episode` stores what it gives
(both names are still importable from ``document_values``).
"""

from typing import Any

from django.utils.translation import gettext_noop

from alliance.measures import catalogue
from alliance.science.instruments import score_response, validate_values
from alliance.science.messages import Message, Number

__all__ = ["ScoreRefused", "response_scores"]

Record = dict[str, Any]


class ScoreRefused(ValueError):
    """A response's score the measure cannot have (a total without answers outside its range):
    ``field`` names it, ``message`` says why (``str(error)`` is ``"total: ..."`` in English)."""

    def __init__(self, field: str, template: str, /, **params: object) -> None:
        self.field = field
        self.message = Message(template, params)
        super().__init__(f"{field}: {self.message}")


def response_scores(record: Record, age_group: str) -> Record:
    """The stored fields of a response computed from its answers (never from the file): the
    clean items, total, subscales, band, risk answers and prorating. A response with no answers
    (a research import knows only the total) keeps its total, checked against the measure's
    range.

    Raises ``ValueError`` naming the item (``phq9_3: ...``) for an answer the form would refuse.
    """
    instrument = catalogue.instruments()[record["instrument"]]
    if not record["items"]:
        low, high = instrument.scoring.min, instrument.scoring.max
        if not low <= record["total"] <= high:
            raise ScoreRefused(
                "total",
                gettext_noop("%(total)s is outside %(low)s to %(high)s"),
                total=Number.of(record["total"], "g"),
                low=Number.of(low, "g"),
                high=Number.of(high, "g"),
            )
        return {
            "items": {},
            "total": float(record["total"]),
            "subscales": {},
            "band": "",
            "risk_items": [],
            "prorated": False,
        }
    clean = validate_values(instrument, record["items"])
    score = score_response(instrument, clean, age_group=age_group)
    return {
        "items": clean,
        "total": score.total,
        "subscales": dict(score.subscales),
        "band": score.band or "",
        "risk_items": list(score.risk_items),
        "prorated": score.prorated,
    }
