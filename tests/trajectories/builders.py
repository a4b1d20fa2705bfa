"""A simulated clinic for the trajectory tests: closed ORS episodes whose scores follow a known
growth model, written in bulk (a second or two for 320 episodes)."""

import datetime as dt
import math
import uuid
from types import SimpleNamespace

import numpy as np
from django.utils import timezone

from alliance.accounts.models import Team
from alliance.care.models import Client, Ending, Episode, Session, SessionStatus
from alliance.measures.models import Method, Rater, Response
from tests.clinic.builders import ors

# The simulator's truth: the ORS provisional default's mean course (docs/science/trajectories.md)
# with a spread of clients' slopes; the first score is the intake itself.
TRUE_SLOPE = 6.97
TRUE_INTAKE_SLOPE = -0.2084
TRUE_SLOPE_VARIANCE = 8.1
TRUE_NOISE_SD = math.sqrt(19.1)


def closed_ors_episodes(
    clinic: SimpleNamespace, count: int, *, team: Team | None = None, seed: int = 7
) -> list[Episode]:
    """``count`` closed ORS episodes with 3 to 8 client ratings each, drawn from the truth."""
    rng = np.random.default_rng(seed)
    team = team or clinic.team_a
    stamp = uuid.uuid4().hex[:6]
    people = Client.objects.bulk_create(
        Client(
            organisation=team.organisation,
            code=f"S{stamp}{n:04d}",
            display_name=f"Sim {n}",
            age_group="adult",
        )
        for n in range(count)
    )
    episodes = Episode.objects.bulk_create(
        Episode(
            client=person,
            team=team,
            started_on=dt.date(2025, 1, 6),
            ended_on=dt.date(2025, 4, 6),
            ending=Ending.PLANNED,
        )
        for person in people
    )
    start = timezone.make_aware(dt.datetime(2025, 1, 6, 10))
    plan = [(e, int(rng.integers(3, 9))) for e in episodes]
    sessions = Session.objects.bulk_create(
        Session(
            episode=e,
            number=n,
            starts_at=start + dt.timedelta(weeks=n - 1),
            status=SessionStatus.ATTENDED,
        )
        for e, last in plan
        for n in range(1, last + 1)
    )
    Response.objects.bulk_create(_responses(sessions, rng))
    return episodes


def _responses(sessions: list[Session], rng: np.random.Generator) -> list[Response]:
    responses = []
    intake = slope = 0.0
    for session in sessions:
        if session.number == 1:
            intake = float(np.clip(rng.normal(19.6, 7.5), 1, 39))
            slope = (
                TRUE_SLOPE + TRUE_INTAKE_SLOPE * intake + rng.normal(0, TRUE_SLOPE_VARIANCE**0.5)
            )
            score = intake
        else:
            score = intake + slope * math.log(session.number) + rng.normal(0, TRUE_NOISE_SD)
        score = round(score, 1)
        responses.append(
            Response(
                session=session,
                instrument="ors",
                rater=Rater.CLIENT,
                method=Method.TABLET,
                items=ors(score) if 0 <= score <= 40 else {},
                total=score,
                answered_at=session.starts_at,
                idempotency_key=uuid.uuid4(),
            )
        )
    return responses
