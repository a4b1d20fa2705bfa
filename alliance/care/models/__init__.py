"""Clients, episodes of care, care teams, sessions, measurement plans and the alliance work.

One module per subject; every model and name is importable from ``alliance.care.models`` as
before the split.
"""

from alliance.care.models.alliance_work import (
    MAX_ACTIVE_GOALS,
    Goal,
    GoalRating,
    GoalStatus,
    GoalVersion,
    NoticedBy,
    Reflection,
    Resolution,
    Rupture,
    Task,
    TaskOutcome,
)
from alliance.care.models.clients import (
    AgeGroup,
    Client,
)
from alliance.care.models.episodes import (
    KINDS_TAKEN,
    MEASURE_KINDS,
    MEASURE_REFUSED,
    CareRole,
    CareTeamMember,
    Ending,
    Episode,
    Setting,
    measure_choices,
    measure_codes,
)
from alliance.care.models.plans import (
    MeasurePlanItem,
    PlanDefault,
    PlanEntry,
    PlanRepeat,
    plan_rules,
)
from alliance.care.models.sessions import (
    NUMBERED_STATUSES,
    CancelledBy,
    Session,
    SessionMode,
    SessionStatus,
)

__all__ = [
    "KINDS_TAKEN",
    "MAX_ACTIVE_GOALS",
    "MEASURE_KINDS",
    "MEASURE_REFUSED",
    "NUMBERED_STATUSES",
    "AgeGroup",
    "CancelledBy",
    "CareRole",
    "CareTeamMember",
    "Client",
    "Ending",
    "Episode",
    "Goal",
    "GoalRating",
    "GoalStatus",
    "GoalVersion",
    "MeasurePlanItem",
    "NoticedBy",
    "PlanDefault",
    "PlanEntry",
    "PlanRepeat",
    "Reflection",
    "Resolution",
    "Rupture",
    "Session",
    "SessionMode",
    "SessionStatus",
    "Setting",
    "Task",
    "TaskOutcome",
    "measure_choices",
    "measure_codes",
    "plan_rules",
]
