"""What a report is made of: its scope, its figures and the small builders every section uses.
Split from ``alliance.reports.selectors``, which still exports these names."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from alliance.accounts.models import Organisation, Team, User
from alliance.care.models import Episode
from alliance.feedback.services import alert_settings

__all__ = [
    "Figure",
    "ReportError",
    "ReportScope",
    "closed_in_range",
    "count",
    "opened_in_range",
    "rate",
]


def alliance_split_at() -> float:
    """Mean client alliance above which an episode counts as a good alliance: the site's SRS
    concern cutoff, the same one the low-alliance alert uses."""
    return alert_settings().alliance_cutoff


class ReportError(ValueError):
    """A report that cannot be made, with the form field it is about and a plain message.
    ``refused`` is true when the person may not see it (answered like an unknown name)."""

    def __init__(self, field_name: str, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message
        self.refused = refused


@dataclass(frozen=True)
class ReportScope:
    """What a report covers: episodes of an organisation, a team or a clinician, a date range."""

    organisation: Organisation
    team: Team | None
    clinician: User | None
    start: dt.date
    end: dt.date
    measure: str | None
    episodes: QuerySet[Episode] = field(repr=False, compare=False)

    @property
    def title(self) -> str:
        who = str(self.organisation.name)
        if self.team is not None:
            who = f"{who} · {self.team.name}"
        if self.clinician is not None:
            name = str(self.clinician.get_full_name() or self.clinician.username)
            who = f"{who} · {name}"
        return who


@dataclass(frozen=True)
class Figure:
    """One reported number and the n it rests on; ``value`` is None when n is 0.

    ``clients`` is how many clients the figure rests on, where counted; otherwise its n counts
    episodes, each of one client. ``hidden`` means it rests on fewer clients than
    ``ALLIANCE_REPORT_MIN_CLIENTS``: value and n are then None and never shown (``_hide_few``).
    """

    section: str
    key: str
    label: str
    value: float | None
    n: int | None
    unit: str  # count, rate, mean or effect
    measure: str = ""
    clients: int | None = None
    hidden: bool = False


def rate(
    section: str,
    key: str,
    label: str,
    part: int,
    whole: int,
    measure: str = "",
    clients: int | None = None,
) -> Figure:
    value = part / whole if whole else None
    return Figure(section, key, label, value, whole, "rate", measure, clients)


def count(
    section: str, key: str, label: str, value: int, measure: str = "", clients: int | None = None
) -> Figure:
    return Figure(section, key, label, value, value, "count", measure, clients)


def closed_in_range(scope: ReportScope) -> Q:
    return Q(ended_on__gte=scope.start, ended_on__lte=scope.end)


def opened_in_range(scope: ReportScope) -> Q:
    return Q(started_on__gte=scope.start, started_on__lte=scope.end)
