"""What every alert rule shares: the settings, the alert that explains itself, and the small
readers of a series the rules use. Split from :mod:`alliance.science.signals`, which still
exports the public names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

from alliance.science.repair import DEFAULT_ITEM_ASPECTS, Advice, Aspect, Pathway
from alliance.science.series import EpisodeSeries, SessionPoint, check_number, refuse_unless

__all__ = ["DEFAULT_SETTINGS", "SEVERITIES", "Alert", "EvidenceValue", "Severity", "SignalSettings"]

Severity = Literal["critical", "high", "medium", "low"]
EvidenceValue = float | int | str | bool | None

SEVERITIES: tuple[Severity, ...] = get_args(Severity)
# Scores are measured to the millimetre and summed in floating point (9.1 - 8.1 != 1.0), so
# "at least" and "at most" comparisons allow this much rounding error.
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class SignalSettings:
    """Every threshold the rules use; each rule's docstring gives the full source.

    Attributes
    ----------
    alliance_cutoff : float
        Alliance total at or below which the alliance is a concern: 36 on the 0-40 SRS (Miller &
        Duncan; PCOMS/OpenFIT guidance [secondary]).
    alliance_item_cutoff : float
        An alliance item strictly below this is worth a conversation: 9 (same sources).
    alliance_drop : float
        Fall since the previous rated session that counts: 1 point ("down a point or more from
        last session", OpenFIT [secondary]).
    rating_discrepancy : float
        Clinician minus client total that signals a pseudo-alliance: 4 (ours, justified in
        :func:`rating_discrepancy`).
    perfect_streak, missing_outcome_streak : int
        Perfect totals in a row, attended sessions without an outcome in a row: 3 each (ours).
    count_cancellations : bool
        Whether a cancelled session counts as missed for :func:`ghosting_risk`: True.
    item_aspects : tuple of (keyword, aspect)
        Alliance item code keyword -> aspect rated; the first keyword found in the code wins.
    """

    alliance_cutoff: float = 36.0
    alliance_item_cutoff: float = 9.0
    alliance_drop: float = 1.0
    rating_discrepancy: float = 4.0
    perfect_streak: int = 3
    missing_outcome_streak: int = 3
    count_cancellations: bool = True
    item_aspects: tuple[tuple[str, Aspect], ...] = DEFAULT_ITEM_ASPECTS

    def __post_init__(self) -> None:
        check_number(self.alliance_cutoff, "alliance_cutoff", 0.0)
        check_number(self.alliance_item_cutoff, "alliance_item_cutoff", 0.0)
        for name in ("alliance_drop", "rating_discrepancy"):
            value = getattr(self, name)
            check_number(value, name, 0.0)
            refuse_unless(value > 0, name, "greater than 0", value)
        for name in ("perfect_streak", "missing_outcome_streak"):
            value = getattr(self, name)
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
            refuse_unless(ok, name, "a whole number of sessions >= 1", value)


DEFAULT_SETTINGS = SignalSettings()


@dataclass(frozen=True)
class Alert:
    """An alert that explains itself.

    Attributes
    ----------
    rule : str
        Stable rule code (the rule function's name).
    severity : {"critical", "high", "medium", "low"}
    session : int
        Number of the session the alert refers to.
    evidence : mapping
        The numbers that triggered it, so a clinician can see why and a researcher can audit.
    advice : Advice
        Advice code and English text.
    pathway : {"alliance_building", "immediate_repair", "expressive_repair"} or None
        Repair pathway suggested (Safran & Muran 2000; Eubanks, Muran & Safran 2015), if any.
    measure : str
        For an alert about one of the episode's other outcome measures
        (:attr:`EpisodeSeries.measures`, e.g. ``"phq9"`` beside the ORS), its code; empty for
        the episode's own outcome and alliance measures.
    """

    rule: str
    severity: Severity
    session: int
    evidence: Mapping[str, EvidenceValue]
    advice: Advice
    pathway: Pathway | None = None
    measure: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "evidence", MappingProxyType(dict(self.evidence)))

    def as_record(self) -> dict[str, object]:
        """Plain JSON-ready dict of the alert, for storage and export.

        Examples
        --------
        >>> from alliance.science.repair import ADVICE
        >>> advice = ADVICE["assess_risk_today"]
        >>> alert = Alert("risk_answer", "critical", 2, {"phq9_9": 1.0}, advice)
        >>> alert.as_record()["advice_code"]
        'assess_risk_today'
        """
        return {
            "rule": self.rule,
            "severity": self.severity,
            "session": self.session,
            "evidence": dict(self.evidence),
            "advice_code": self.advice.code,
            "advice_text": self.advice.text,
            "pathway": self.pathway,
        }


def _alert(
    rule: str,
    severity: Severity,
    point: SessionPoint,
    evidence: Mapping[str, EvidenceValue],
    advice: Advice,
    pathway: Pathway | None = None,
) -> Alert:
    return Alert(
        rule, severity, point.number, {"session": point.number, **evidence}, advice, pathway
    )


def _worsening(series: EpisodeSeries, before: float, after: float) -> float:
    """How much worse ``after`` is than ``before`` on the outcome measure (negative: better)."""
    return before - after if series.higher_is_better else after - before


def _measured(series: EpisodeSeries) -> list[tuple[SessionPoint, float]]:
    return [(p, p.outcome) for p in series.sessions if p.outcome is not None]


def _rated(series: EpisodeSeries) -> list[tuple[SessionPoint, float]]:
    return [(p, p.alliance) for p in series.sessions if p.alliance is not None]


def _alliance_cutoffs(
    series: EpisodeSeries, settings: SignalSettings
) -> tuple[float | None, float | None]:
    """The alliance cutoffs in force: the alliance measure's own (its instrument file, the
    site's override applied: :func:`alliance.science.series.thresholds_for`) when the series
    names its measure, else the settings' (the SRS's, for series built by hand)."""
    if series.alliance_measure:
        return series.alliance_cutoff, series.alliance_item_cutoff
    return settings.alliance_cutoff, settings.alliance_item_cutoff
