"""The clinical thresholds of ``settings.ALLIANCE`` as one typed, checked object.

``settings.ALLIANCE`` stays the way a site configures Alliance (the environment variables of
docs/settings.md fill it); this module reads its clinical part once into a frozen
:class:`ClinicalSettings`, checks every value, and is the one place code reads them from::

    from alliance.clinical_settings import clinical_settings

    level = clinical_settings().interval_level

A value of the wrong kind or outside its range raises ``ImproperlyConfigured`` naming the key
and what it allows. The object is built on first use and built again after a change of the
``ALLIANCE`` setting (Django's ``setting_changed``, sent by ``override_settings`` and by
pytest-django's ``settings`` fixture). Which instruments and keys ``THRESHOLDS`` may name, and
the instruments' scales, are checked at start-up by ``alliance.feedback.apps``, which knows the
installed instruments; this module imports no app, so every app may import it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.dispatch import receiver
from django.test.signals import setting_changed

from alliance.science.signal_base import SignalSettings

__all__ = ["ALERT_KEYS", "LEGACY_ALERT_KEYS", "ClinicalSettings", "clinical_settings"]

LEGACY_ALERT_KEYS: Mapping[str, str] = MappingProxyType(
    {"alliance_cutoff": "total", "alliance_item_cutoff": "item"}
)
"""Keys an older configuration left in ``ALLIANCE["ALERTS"]``: the SRS's ``THRESHOLDS`` keys."""

ALERT_KEYS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(SignalSettings) if f.name not in LEGACY_ALERT_KEYS
)
"""What ``ALLIANCE["ALERTS"]`` may set: the fields of the science core's ``SignalSettings``
(besides the legacy cutoffs above)."""


@dataclass(frozen=True)
class ClinicalSettings:
    """The clinical thresholds in force; each is a key of ``settings.ALLIANCE`` (docs/settings.md).

    Attributes
    ----------
    thresholds : mapping of instrument code to mapping of key to number
        ``THRESHOLDS``: the site's overrides of the instrument files' thresholds, with a legacy
        ``alliance_cutoff`` / ``alliance_item_cutoff`` of ``ALERTS`` as the SRS's ``total`` /
        ``item``.
    signals : SignalSettings
        ``ALERTS`` over the science core's defaults. Its alliance cutoffs are the defaults: the
        cutoffs in force are each alliance measure's own (``thresholds``).
    band_percentile : float
        ``BAND_PERCENTILE``, 1 to 49: the expected band's lower percentile.
    interval_level : float
        ``INTERVAL_LEVEL``, 0.5 to 0.999: the coverage of every interval around an estimate.
    min_caseload : int
        ``MIN_CASELOAD``, at least 1: fewest episodes before a clinician's estimate is shown.
    clinician_closed_episodes_only : bool
        ``CLINICIAN_CLOSED_EPISODES_ONLY``: clinician estimates from closed episodes only.
    ghosted_after_days : int
        ``GHOSTED_AFTER_DAYS``, at least 1: days without attendance before "ghosted".
    trajectory_min_episodes : int
        ``TRAJECTORY_MIN_EPISODES``, at least 30: closed episodes a local fit needs.
    trajectory_min_ratings_per_episode : float
        ``TRAJECTORY_MIN_RATINGS_PER_EPISODE``, at least 3: average ratings per episode it needs.
    report_min_clients : int
        ``REPORT_MIN_CLIENTS``, at least 1: fewest clients a report figure may rest on.
    risk_escalate_after_hours : int
        ``RISK_ESCALATE_AFTER_HOURS``, at least 1: hours before an unacknowledged risk answer
        goes to the supervisors again.
    """

    thresholds: Mapping[str, Mapping[str, float]]
    signals: SignalSettings
    band_percentile: float
    interval_level: float
    min_caseload: int
    clinician_closed_episodes_only: bool
    ghosted_after_days: int
    trajectory_min_episodes: int
    trajectory_min_ratings_per_episode: float
    report_min_clients: int
    risk_escalate_after_hours: int


@functools.cache
def clinical_settings() -> ClinicalSettings:
    """The clinical thresholds of ``settings.ALLIANCE``, checked (built once per setting)."""
    return from_alliance(settings.ALLIANCE)


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: object) -> None:
    if setting == "ALLIANCE":
        clinical_settings.cache_clear()


def from_alliance(alliance: Mapping[str, Any]) -> ClinicalSettings:
    """A :class:`ClinicalSettings` from a mapping shaped like ``settings.ALLIANCE``; raises
    ``ImproperlyConfigured`` naming the first key that is missing or not allowed."""
    alerts = _mapping(alliance, "ALERTS")
    return ClinicalSettings(
        thresholds=_thresholds(alliance, alerts),
        signals=_signals(alerts),
        band_percentile=_number(alliance, "BAND_PERCENTILE", 1.0, 49.0),
        interval_level=_number(alliance, "INTERVAL_LEVEL", 0.5, 0.999),
        min_caseload=_whole(alliance, "MIN_CASELOAD", 1),
        clinician_closed_episodes_only=_flag(alliance, "CLINICIAN_CLOSED_EPISODES_ONLY"),
        ghosted_after_days=_whole(alliance, "GHOSTED_AFTER_DAYS", 1),
        trajectory_min_episodes=_whole(alliance, "TRAJECTORY_MIN_EPISODES", 30),
        trajectory_min_ratings_per_episode=_number(
            alliance, "TRAJECTORY_MIN_RATINGS_PER_EPISODE", 3.0, None
        ),
        report_min_clients=_whole(alliance, "REPORT_MIN_CLIENTS", 1),
        risk_escalate_after_hours=_whole(alliance, "RISK_ESCALATE_AFTER_HOURS", 1),
    )


def _key(*path: str) -> str:
    """``ALLIANCE['ALERTS']['perfect_streak']``: the setting as a site writes it."""
    return "ALLIANCE" + "".join(f"[{part!r}]" for part in path)


def _refuse(where: str, allowed: str, value: object) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{where} must be {allowed}; got {value!r}.")


def _value(alliance: Mapping[str, Any], key: str) -> object:
    if key not in alliance:
        raise ImproperlyConfigured(f"ALLIANCE has no {key!r}: set it (docs/settings.md).")
    return alliance[key]


def _number(alliance: Mapping[str, Any], key: str, low: float, high: float | None) -> float:
    value = _value(alliance, key)
    within = f"from {low:g} to {high:g}" if high is not None else f"of at least {low:g}"
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _refuse(_key(key), f"a number {within}", value)
    if value < low or (high is not None and value > high):
        raise _refuse(_key(key), f"a number {within}", value)
    return float(value)


def _whole(alliance: Mapping[str, Any], key: str, low: int) -> int:
    value = _value(alliance, key)
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise _refuse(_key(key), f"a whole number of at least {low}", value)
    return value


def _flag(alliance: Mapping[str, Any], key: str) -> bool:
    value = _value(alliance, key)
    if not isinstance(value, bool):
        raise _refuse(_key(key), "True or False", value)
    return value


def _mapping(alliance: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = _value(alliance, key)
    if not isinstance(value, Mapping):
        raise _refuse(_key(key), "a mapping (a dict)", value)
    return value


def _thresholds(
    alliance: Mapping[str, Any], alerts: Mapping[str, Any]
) -> Mapping[str, Mapping[str, float]]:
    # THRESHOLDS may be left out of an older configuration: no overrides then.
    given = alliance.get("THRESHOLDS", {})
    if not isinstance(given, Mapping):
        raise _refuse(_key("THRESHOLDS"), "a mapping of instrument code to overrides", given)
    found: dict[str, dict[str, float]] = {}
    for code, values in given.items():
        if not isinstance(values, Mapping):
            raise _refuse(_key("THRESHOLDS", code), "a mapping of key to number", values)
        found[code] = dict(values)
    for old, key in LEGACY_ALERT_KEYS.items():
        if old in alerts:
            value = alerts[old]
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise _refuse(_key("ALERTS", old), "a number", value)
            found.setdefault("srs", {})[key] = float(value)
    return MappingProxyType({code: MappingProxyType(v) for code, v in found.items()})


def _signals(alerts: Mapping[str, Any]) -> SignalSettings:
    values = {key: value for key, value in alerts.items() if key not in LEGACY_ALERT_KEYS}
    unknown = sorted(set(values) - set(ALERT_KEYS))
    if unknown:
        allowed = f"keyed by one of {', '.join((*ALERT_KEYS, *LEGACY_ALERT_KEYS))}"
        raise _refuse(_key("ALERTS"), allowed, unknown[0])
    try:
        return SignalSettings(**values)
    except ValueError as error:  # the science core names the field and its range
        raise ImproperlyConfigured(f"ALLIANCE['ALERTS']: {error}") from None
