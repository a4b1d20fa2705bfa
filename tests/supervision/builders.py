"""Bulk builders for the supervision tests: many rated episodes per clinician, quickly."""

import datetime as dt
import uuid
from collections.abc import Sequence

from django.utils import timezone

from alliance.accounts.models import Team, User
from alliance.care.models import CareRole, CareTeamMember, Client, Episode, Session, SessionStatus
from alliance.measures.models import Method, Rater, Response
from tests.clinic.builders import ors, srs


def rated_episodes(
    team: Team,
    clinician: User,
    outcomes: Sequence[tuple[float, float]],
    *,
    alliance: float = 38.0,
    start: dt.date = dt.date(2026, 1, 5),
    ending: str = "",
) -> list[Episode]:
    """One episode per (intake, final) ORS pair with ``clinician`` as primary therapist: two
    attended sessions a week apart, each rated on the ORS and the SRS (``alliance``)."""
    stamp = uuid.uuid4().hex[:6]
    people = Client.objects.bulk_create(
        Client(
            organisation=team.organisation,
            code=f"S{stamp}{n:04d}",
            display_name=f"Sup {n}",
            age_group="adult",
        )
        for n in range(len(outcomes))
    )
    ended = {"ended_on": start + dt.timedelta(weeks=2), "ending": ending} if ending else {}
    episodes = Episode.objects.bulk_create(
        Episode(client=person, team=team, started_on=start, **ended) for person in people
    )
    CareTeamMember.objects.bulk_create(
        CareTeamMember(episode=e, member=clinician, role=CareRole.PRIMARY_THERAPIST)
        for e in episodes
    )
    first = timezone.make_aware(dt.datetime.combine(start, dt.time(10)))
    sessions = Session.objects.bulk_create(
        Session(
            episode=e,
            number=n,
            starts_at=first + dt.timedelta(weeks=n - 1),
            status=SessionStatus.ATTENDED,
        )
        for e in episodes
        for n in (1, 2)
    )
    responses = []
    for index, session in enumerate(sessions):
        score = outcomes[index // 2][index % 2]
        for code, values, total in (("ors", ors(score), score), ("srs", srs(alliance), alliance)):
            responses.append(
                Response(
                    session=session,
                    instrument=code,
                    rater=Rater.CLIENT,
                    method=Method.TABLET,
                    items=values,
                    total=total,
                    answered_at=session.starts_at,
                    idempotency_key=uuid.uuid4(),
                )
            )
    Response.objects.bulk_create(responses)
    return episodes
