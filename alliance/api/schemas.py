"""The REST API's request and answer schemas for the clinical records (docs/api.md): what each
endpoint of :mod:`alliance.api.rest` reads and writes, field by field."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, ConfigDict

from alliance.api.rest_app import (
    Marker,
    RaterIn,
    RecordId,
    Strategy,
)
from alliance.care.models import (
    AgeGroup,
    CareRole,
    CareTeamMember,
    Ending,
    GoalStatus,
    NoticedBy,
    Resolution,
    SessionStatus,
    Setting,
    TaskOutcome,
)
from alliance.feedback.models import AlertState, Severity
from alliance.measures.models import Method, Rater

# -------------------------------------------------------------------------------------


class In(Schema):
    """A request body: a field it does not declare is refused (422), never silently ignored."""

    model_config = ConfigDict(extra="forbid")


# A blank ending (an open episode) is the empty string.
EndingOrBlank = Ending | Literal[""]


class ClientOut(Schema):
    id: int
    code: str
    display_name: str
    age_group: AgeGroup
    birth_year: int | None


class EpisodeOut(Schema):
    id: int
    client_id: int
    team_id: int
    setting: Setting
    started_on: date
    ended_on: date | None
    ending: EndingOrBlank
    outcome_measure: str
    alliance_measure: str


class CareTeamMemberOut(Schema):
    member_id: int
    name: str
    role: CareRole
    joined_on: date | None

    @staticmethod
    def resolve_name(obj: CareTeamMember) -> str:
        return str(obj.member)


class SessionOut(Schema):
    id: int
    episode_id: int
    number: int | None  # none for a cancelled or withdrawn session (issue 11)
    starts_at: datetime
    status: SessionStatus


class ResponseOut(Schema):
    id: int
    session_id: int
    instrument: str
    rater: Rater
    method: Method
    items: dict[str, float | None]
    total: float
    subscales: dict[str, float]
    band: str
    risk_items: list[str]
    prorated: bool
    answered_at: datetime
    version: int


# An answer is a JSON number (or null for a missing one): never a boolean or a string ("5").
Answer = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class ResponseIn(In):
    session: RecordId
    instrument: str
    items: dict[str, Answer | None]
    rater: RaterIn = Rater.CLIENT.value
    idempotency_key: uuid.UUID | None = None
    # With its offset (2026-01-05T10:30:00+01:00): a time without one is ambiguous.
    answered_at: AwareDatetime | None = None


class AlertOut(Schema):
    id: int
    episode_id: int
    session_id: int
    rule: str
    severity: Severity
    evidence: dict[str, Any]
    advice: str
    pathway: str
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by_id: int | None
    acknowledgement_note: str
    measure: str
    state: AlertState
    since_session: int | None
    closed_by_session: int | None


class AcknowledgementIn(In):
    note: str = Field("", max_length=1000)


class GoalOut(Schema):
    id: int
    episode_id: int
    text: str
    agreed: bool
    status: GoalStatus
    version: int
    replaces_id: int | None
    created_at: datetime


class TaskOut(Schema):
    id: int
    episode_id: int
    agreed_in_id: int
    goal_id: int | None
    what: str
    rationale: str
    client_agreed: bool
    outcome: TaskOutcome
    reviewed_in_id: int | None
    review_note: str


class RuptureOut(Schema):
    id: int
    session_id: int
    markers: list[Marker]
    noticed_by: NoticedBy
    strategies: list[Strategy]
    resolution: Resolution
    note: str
    recorded_at: datetime


class EpisodeFilter(Schema):
    episode: RecordId | None = None
