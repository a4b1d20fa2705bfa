"""Builders for the clinic tests: rated episodes, and large caseloads made quickly in bulk."""

import datetime as dt
import uuid
from collections.abc import Sequence
from types import SimpleNamespace

from django.utils import timezone

from alliance.accounts.models import User
from alliance.care.models import CareRole, CareTeamMember, Client, Episode, Session, SessionStatus
from alliance.care.services import goal_add, goal_ratings_record
from alliance.feedback.services import alerts_refresh
from alliance.measures.models import Method, Rater, Response, ResponseVersion
from alliance.measures.services import response_record
from tests.factories import make_episode, make_session


def ors(total: float) -> dict[str, float]:
    """ORS answers adding up to ``total`` (the four lines as equal as tenths allow)."""
    return _four("ors", total)


def srs(total: float) -> dict[str, float]:
    return _four("srs", total)


def _four(prefix: str, total: float) -> dict[str, float]:
    tenths = round(total * 10)
    base, extra = divmod(tenths, 4)
    return {f"{prefix}_{n}": (base + (1 if n <= extra else 0)) / 10 for n in range(1, 5)}


def rated_episode(
    clinic: SimpleNamespace,
    outcome: Sequence[float | None],
    alliance: Sequence[float | None] = (),
    *,
    primary: User | None = None,
) -> Episode:
    """An episode of the standing clinic's team with one attended session per outcome score
    (``None`` for a session without one), the client's SRS where given, and alerts refreshed."""
    episode = make_episode(clinic.team_a, primary or clinic.clinician)
    for number, score in enumerate(outcome, start=1):
        session = make_session(episode, number)
        if score is not None:
            response_record(session=session, instrument_code="ors", values=ors(score))
        rating = alliance[number - 1] if number <= len(alliance) else None
        if rating is not None:
            response_record(session=session, instrument_code="srs", values=srs(rating))
    alerts_refresh([episode])
    return episode


def bulk_caseload(clinic: SimpleNamespace, clients: int, sessions: int) -> list[Episode]:
    """``clients`` episodes on the clinician's caseload, each with ``sessions`` attended sessions
    rated on the ORS and SRS, written with bulk_create (seconds for 200 clients), then alerts."""
    org, team = clinic.org, clinic.team_a
    stamp = uuid.uuid4().hex[:6]
    people = Client.objects.bulk_create(
        Client(
            organisation=org, code=f"B{stamp}{n:04d}", display_name=f"Bulk {n}", age_group="adult"
        )
        for n in range(clients)
    )
    episodes = Episode.objects.bulk_create(
        Episode(client=person, team=team, started_on=dt.date(2026, 1, 5)) for person in people
    )
    CareTeamMember.objects.bulk_create(
        CareTeamMember(episode=e, member=clinic.clinician, role=CareRole.PRIMARY_THERAPIST)
        for e in episodes
    )
    start = timezone.make_aware(dt.datetime(2026, 1, 5, 10))
    rows = Session.objects.bulk_create(
        Session(
            episode=e,
            number=n,
            starts_at=start + dt.timedelta(weeks=n - 1),
            status=SessionStatus.ATTENDED,
        )
        for e in episodes
        for n in range(1, sessions + 1)
    )
    _bulk_responses(rows)
    alerts_refresh(episodes)
    return episodes


def _bulk_responses(sessions: Sequence[Session]) -> None:
    # Scores vary with the session so that some clients are off track and some alliances drop.
    responses = []
    for index, session in enumerate(sessions):
        outcome = 12.0 + (index * 7 % 23)
        alliance = 30.0 + (index * 3 % 11)
        for code, values, total in (
            ("ors", ors(outcome), outcome),
            ("srs", srs(alliance), alliance),
        ):
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
    ResponseVersion.objects.bulk_create(
        ResponseVersion(response=r, version=1, items=r.items, total=r.total) for r in responses
    )


def likert(prefix: str, items: int, total: int, *, low: int = 0, high: int = 3) -> dict[str, int]:
    """Answers to a Likert measure (``prefix_1`` .. ``prefix_items``, each ``low``-``high``)
    adding up to ``total``: PHQ-9 ``likert("phq9", 9, 17)``, WAI-SR ``likert("wai_sr", 12, 48,
    low=1, high=5)``."""
    if not items * low <= total <= items * high:
        raise ValueError(f"total: must be between {items * low} and {items * high}, got {total}")
    base, extra = divmod(total - items * low, items)
    return {f"{prefix}_{n}": low + base + (1 if n <= extra else 0) for n in range(1, items + 1)}


def measured_episode(
    clinic: SimpleNamespace,
    *,
    phq9: Sequence[int] = (),
    gad7: Sequence[int] = (),
    wai_sr: Sequence[int] = (),
    goals: Sequence[Sequence[float]] = (),
    sessions: int | None = None,
) -> Episode:
    """An ORS/SRS episode of the standing clinic where the client also answered the PHQ-9, the
    GAD-7 and the WAI-SR (one total per session, in order) and rated goals (one list of 0-10
    ratings per goal, one rating per session), with alerts refreshed."""
    count = sessions or max(len(phq9), len(gad7), len(wai_sr), *(len(g) for g in goals), 1)
    episode = make_episode(clinic.team_a, clinic.clinician)
    made = [make_session(episode, number) for number in range(1, count + 1)]
    for session in made:
        response_record(session=session, instrument_code="ors", values=ors(20.0))
        response_record(session=session, instrument_code="srs", values=srs(38.0))
    # PHQ-9 item 9 is answered 0 (no risk answer: these episodes are about the charts), so a
    # PHQ-9 total here is at most 24.
    for code, totals, items, low, high, extra in (
        ("phq9", phq9, 8, 0, 3, {"phq9_9": 0}),
        ("gad7", gad7, 7, 0, 3, {}),
        ("wai_sr", wai_sr, 12, 1, 5, {}),
    ):
        for session, total in zip(made, totals, strict=False):
            values = likert(code, items, total, low=low, high=high) | extra
            response_record(session=session, instrument_code=code, values=values)
    for n, ratings in enumerate(goals, start=1):
        goal = goal_add(episode=episode, text=f"Goal number {n}", agreed=True, by=clinic.clinician)
        for session, rating in zip(made, ratings, strict=False):
            goal_ratings_record(session=session, ratings={goal.pk: rating}, by=clinic.clinician)
    alerts_refresh([episode])
    return episode
