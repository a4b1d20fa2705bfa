"""The client's own progress (issue 19, point 6): their outcome scores against the expected
band, their alliance ratings and their goals, in plain words that never blame them.

Built for the client's page reached from their link and for the printable summary the
clinician hands over; who may see it is decided by ``alliance.access.client_may_see_progress``
(the views check it, and that the page shows only the invitation's own client).
"""

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from alliance.care.models import Episode, GoalRating, GoalStatus
from alliance.charts import BandPoint, ScorePoint, client_summary_spec
from alliance.feedback.services import band_percentile, trajectory_model
from alliance.measures import catalogue
from alliance.measures.models import Rater, Response
from alliance.portal.wording import in_language
from alliance.voice.models import Baseline


@dataclass(frozen=True)
class Point:
    session: int
    date: Any
    score: float
    expected: float | None = None
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class GoalLine:
    text: str
    first: int
    latest: int


@dataclass(frozen=True)
class ClientSummary:
    """Everything the client's page shows, already in words the client reads."""

    first_name: str
    measure_name: str
    minimum: float
    maximum: float
    higher_is_better: bool
    points: tuple[Point, ...]
    band: tuple[Point, ...]
    sentence: str
    alliance_name: str
    alliance: tuple[Point, ...]
    goals: tuple[GoalLine, ...]
    # The score before treatment (the form sent when the first session was booked): shown
    # apart, never the start of the usual path (issue 19, point 5).
    baseline: Point | None = None


def _client_totals(episode: Episode, code: str) -> list[Point]:
    responses = (
        Response.objects.filter(session__episode=episode, instrument=code, rater=Rater.CLIENT)
        .select_related("session")
        .order_by("session__number", "answered_at")
    )
    by_session: dict[int, Point] = {}
    for r in responses:
        number = r.session.number
        if number is None:  # a cancelled or withdrawn session is not on the chart
            continue
        date = timezone.localdate(r.session.starts_at)
        by_session.setdefault(number, Point(number, date, r.total))
    return list(by_session.values())


def _band(episode: Episode, points: list[Point]) -> list[Point]:
    model = trajectory_model(episode.outcome_measure, episode.client.organisation_id)
    if model is None or not points:
        return []
    sessions = list(range(points[0].session, points[-1].session + 2))
    path = model.expected_path(
        intake=points[0].score, sessions=sessions, percentile=band_percentile()
    )
    return [
        Point(s, None, float(e), float(e), float(lo), float(hi))
        for s, e, lo, hi in zip(sessions, path.expected, path.lower, path.upper, strict=True)
    ]


def _sentence(points: list[Point], band: list[Point], higher_is_better: bool) -> str:
    # Plain words that describe, never judge: a score below the band is a reason to talk, and
    # it is the help that may need changing, not the client.
    if not points:
        return _("There are no scores to show yet.")
    if len(points) == 1:
        return _("This is your first score. The chart fills in as you answer at each session.")
    at = {p.session: p for p in band}
    latest = points[-1]
    expected = at.get(latest.session)
    if expected is None or expected.lower is None or expected.upper is None:
        return _("Your scores so far are shown below, session by session.")
    better = latest.score > expected.upper if higher_is_better else latest.score < expected.lower
    worse = latest.score < expected.lower if higher_is_better else latest.score > expected.upper
    if better:
        return _("Your latest score is better than most people's at this point.")
    if worse:
        return _(
            "Your latest score is outside the usual range for now. That is useful to know: it "
            "tells you and your clinician that it may help to try something different together."
        )
    return _("Your latest score is within the usual range for people at this point.")


def _goals(episode: Episode) -> list[GoalLine]:
    ratings = (
        GoalRating.objects.filter(goal__episode=episode, goal__status=GoalStatus.ACTIVE)
        .select_related("goal", "session")
        .order_by("goal_id", "session__number")
    )
    by_goal: dict[int, list[GoalRating]] = {}
    for rating in ratings:
        by_goal.setdefault(rating.goal_id, []).append(rating)
    return [GoalLine(rs[0].goal.text, rs[0].rating, rs[-1].rating) for rs in by_goal.values() if rs]


def client_summary(episode: Episode, first_name: str = "") -> ClientSummary:
    """The client's progress, from their own answers only (rater: client)."""
    outcome = catalogue.instrument(episode.outcome_measure)
    alliance = catalogue.instrument(episode.alliance_measure)
    points = _client_totals(episode, outcome.code)
    band = _band(episode, points)
    return ClientSummary(
        first_name=first_name,
        measure_name=in_language(outcome.name),
        minimum=outcome.scoring.min,
        maximum=outcome.scoring.max,
        higher_is_better=outcome.higher_is_better,
        points=tuple(points),
        band=tuple(band),
        sentence=_sentence(points, band, outcome.higher_is_better),
        alliance_name=in_language(alliance.name),
        alliance=tuple(_client_totals(episode, alliance.code)),
        goals=tuple(_goals(episode)),
        baseline=_baseline(episode, outcome.code),
    )


def _baseline(episode: Episode, code: str) -> Point | None:
    found = Baseline.objects.filter(episode=episode, instrument=code).first()
    if found is None:
        return None
    return Point(0, timezone.localdate(found.answered_at), found.total)


def summary_spec(summary: ClientSummary) -> dict[str, Any]:
    """The client's scores (line), the expected path (dashed) and the usual range (shaded)."""
    return client_summary_spec(
        scores=[ScorePoint(p.session, p.score) for p in summary.points],
        band=[
            BandPoint(p.session, p.expected, p.lower, p.upper)
            for p in summary.band
            if p.expected is not None and p.lower is not None and p.upper is not None
        ],
        minimum=summary.minimum,
        maximum=summary.maximum,
    )
