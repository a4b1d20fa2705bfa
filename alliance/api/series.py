"""``GET /api/v1/episodes/{id}/series``: an episode's series as the alert rules, the client
page's charts and the reports read it (``alliance.feedback.series``, which calls
``alliance.science.series.episode_series``), for an episode the caller may see.

A router of its own, added to the API in ``alliance.api.rest``; it reads the signed-in user
from the token as ``rest`` does.
"""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from alliance import access
from alliance.api.models import ApiToken
from alliance.care.models import Episode
from alliance.feedback.series import loaded_episode_series
from alliance.science.series import EpisodeSeries

__all__ = ["router"]

router = Router(tags=["episodes"])

_RecordId = Annotated[int, Field(ge=1, le=2_147_483_647)]


class RiskAnswerOut(Schema):
    item: str
    value: float
    threshold: float


class SessionPointOut(Schema):
    number: int
    date: dt.date
    status: str
    outcome: float | None
    expected_boundary: float | None
    alliance: float | None
    alliance_items: dict[str, float]
    alliance_subscales: dict[str, float]
    clinician_alliance: float | None
    risk_answers: list[RiskAnswerOut]
    new_task: bool


class ScoreOut(Schema):
    session: int
    score: float


class MeasureSeriesOut(Schema):
    measure: str
    higher_is_better: bool
    cutoff: float | None
    reliable_change: float | None
    scores: list[ScoreOut]


class EpisodeSeriesOut(Schema):
    episode: int
    measure: str
    higher_is_better: bool
    cutoff: float | None
    reliable_change: float | None
    alliance_measure: str
    alliance_max: float
    alliance_item_max: float
    alliance_cutoff: float | None
    alliance_item_cutoff: float | None
    alliance_subscale_cutoffs: dict[str, float]
    sessions: list[SessionPointOut]
    measures: list[MeasureSeriesOut]
    # The outcome measure before treatment (issue 19; session 0 on the chart), read by no rule.
    baseline: float | None = None
    baseline_date: dt.date | None = None


def _as_record(series: EpisodeSeries) -> dict[str, Any]:
    return {
        "episode": int(series.episode),
        "baseline": series.baseline,
        "baseline_date": series.baseline_date,
        "measure": series.measure,
        "higher_is_better": series.higher_is_better,
        "cutoff": series.cutoff,
        "reliable_change": series.reliable_change,
        "alliance_measure": series.alliance_measure,
        "alliance_max": series.alliance_max,
        "alliance_item_max": series.alliance_item_max,
        "alliance_cutoff": series.alliance_cutoff,
        "alliance_item_cutoff": series.alliance_item_cutoff,
        "alliance_subscale_cutoffs": dict(series.alliance_subscale_cutoffs),
        "sessions": [
            {
                **{name: getattr(p, name) for name in SessionPointOut.model_fields},
                "alliance_items": dict(p.alliance_items),
                "alliance_subscales": dict(p.alliance_subscales),
                "risk_answers": [vars(r) for r in p.risk_answers],
            }
            for p in series.sessions
        ],
        "measures": [
            {
                "measure": m.measure,
                "higher_is_better": m.higher_is_better,
                "cutoff": m.cutoff,
                "reliable_change": m.reliable_change,
                "scores": [{"session": n, "score": v} for n, v in m.scores],
            }
            for m in series.measures
        ],
    }


@router.get("/episodes/{episode_id}/series", response=EpisodeSeriesOut)
def episode_series(request: HttpRequest, episode_id: _RecordId) -> dict[str, Any]:
    """The per-session series every rule, chart and report reads: each session's outcome score
    and expected boundary, the client's alliance total, items and subscales, the clinician's
    own rating and the risk answers; the other outcome measures' scores; the thresholds in
    force (instrument files, the site's override applied)."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    visible = access.visible_episodes(token.user).select_related("client")
    episode: Episode = get_object_or_404(
        visible.prefetch_related("sessions__responses"), pk=episode_id
    )
    return _as_record(loaded_episode_series(episode))
