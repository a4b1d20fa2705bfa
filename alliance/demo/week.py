"""The demo clinic's week (issue 11): measurement plans that differ by team, next week's bookings,
links outstanding and one voided response, so every page of the clinic's week has something real
to show. Called by ``alliance.demo.clinic`` once the simulated history is written; synthetic only.

The first team (Adults North) gives the PHQ-9 and GAD-7 at intake, every 4th session and at the
end; the simulation draws them at every session, so the demo keeps only the ones that plan makes
due. Every other episode follows its outcome and alliance measure at every session.
"""

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Iterable
from typing import Any

from django.db.models import Max
from django.utils import timezone

from alliance.accounts.models import Team
from alliance.care.models import (
    Episode,
    MeasurePlanItem,
    PlanDefault,
    Session,
    SessionMode,
    SessionStatus,
    Setting,
)
from alliance.care.plans import phases
from alliance.measures.models import Method, Response, ResponseVersion
from alliance.portal.models import Channel, Delivery, Invitation
from alliance.science import plans as rules
from alliance.science.plans import PlanItem

SYMPTOMS = ("phq9", "gad7")
SYMPTOM_PLAN: dict[str, Any] = {
    "at_intake": True,
    "at_end": True,
    "repeat": "sessions",
    "interval": 4,
}
LINKS_OUTSTANDING = 4


def symptom_plan(position: int) -> list[PlanItem]:
    return [
        PlanItem(code, position=position + i, **SYMPTOM_PLAN) for i, code in enumerate(SYMPTOMS)
    ]


def _rows(items: Iterable[PlanItem]) -> list[dict[str, Any]]:
    fields = ("instrument", "at_intake", "at_end", "repeat", "interval", "position")
    return [{name: getattr(item, name) for name in fields} for item in items]


class DemoWeek:
    """Plans first (they decide which simulated PHQ-9 and GAD-7 answers are kept), then the
    bookings, links and the voided response once the history is written."""

    def __init__(self, teams: list[Team], today: dt.date, keep_all: bool = False) -> None:
        self.adults = teams[0]
        self.today = today
        self.keep_all = keep_all  # every simulated answer, and every measure at every session
        self.plans: dict[int, list[PlanItem]] = {}

    def plan_defaults(self) -> None:
        base = [
            PlanItem("ors", repeat="sessions", interval=1, position=0),
            PlanItem("srs", repeat="sessions", interval=1, position=1),
        ]
        PlanDefault.objects.bulk_create(
            [
                PlanDefault(team=self.adults, setting=setting, **row)
                for setting in (Setting.INDIVIDUAL, Setting.MEDICATION)
                for row in _rows([*base, *symptom_plan(2)])
            ]
        )

    def plan_episodes(self, episodes: Iterable[Episode], symptoms: dict[int, bool]) -> None:
        """Each episode's plan: its two measures at every session; PHQ-9 and GAD-7 where the
        simulation gives them, on the Adults North plan in that team, every session elsewhere."""
        rows = []
        for episode in episodes:
            plan = [
                PlanItem(episode.outcome_measure, repeat="sessions", interval=1, position=0),
                PlanItem(episode.alliance_measure, repeat="sessions", interval=1, position=1),
            ]
            if symptoms.get(episode.pk):
                if episode.team_id == self.adults.pk and not self.keep_all:
                    plan += symptom_plan(2)
                else:
                    plan += [
                        PlanItem(code, repeat="sessions", interval=1, position=2 + i)
                        for i, code in enumerate(SYMPTOMS)
                    ]
            self.plans[episode.pk] = plan
            rows += [MeasurePlanItem(episode=episode, **row) for row in _rows(plan)]
        MeasurePlanItem.objects.bulk_create(rows, batch_size=500)

    def keeps(self, episode: Episode, measure: str, number: int, final: bool) -> bool:
        """Whether a simulated answer is one the episode's plan asked for."""
        if measure not in SYMPTOMS:
            return True
        plan = self.plans.get(episode.pk, [])
        item = next((i for i in plan if i.instrument == measure), None)
        return item is not None and rules.is_due(item, number=number, final=final)

    def fix_due(self, sessions: Iterable[Session], last: dict[int, int]) -> None:
        """What was due at each attended session, as the session page would have fixed it."""
        order = phases()
        attended = [s for s in sessions if s.status == SessionStatus.ATTENDED and s.number]
        for session in attended:
            final = session.episode.ended_on is not None and session.number == last.get(
                session.episode_id
            )
            session.final = final
            session.due = rules.due_measures(
                self.plans[session.episode_id],
                number=session.number or 1,
                phases=order,
                final=final,
            )
        Session.objects.bulk_update(attended, ["due", "final"], batch_size=500)

    def book_next_week(self, episodes: Iterable[Episode], primary: dict[int, Any]) -> list[Session]:
        """Each active episode's next session, booked on a weekday of the coming week; every
        fourth client by video, every fifth on a weekly series of three."""
        booked: list[Session] = []
        through = Session.attended_by.through
        staff = []
        active = [e for e in episodes if e.ended_on is None]
        # Each episode's highest number in one query, not one query per episode.
        highest = dict(
            Session.objects.filter(episode__in=active, number__isnull=False)
            .values("episode_id")
            .annotate(top=Max("number"))
            .values_list("episode_id", "top")
            .order_by()
        )
        for index, episode in enumerate(active):
            number = highest.get(episode.pk, 0) + 1
            day = self.today + dt.timedelta(days=1 + index % 7)
            if day.weekday() >= 5:
                day += dt.timedelta(days=7 - day.weekday())
            starts = timezone.make_aware(dt.datetime.combine(day, dt.time(9 + index % 8)))
            count = 3 if index % 5 == 0 else 1
            series = uuid.uuid4() if count > 1 else None
            for n in range(count):
                booked.append(
                    Session(
                        episode=episode,
                        number=number + n,
                        starts_at=starts + dt.timedelta(weeks=n),
                        status=SessionStatus.SCHEDULED,
                        mode=SessionMode.VIDEO if index % 4 == 0 else SessionMode.IN_PERSON,
                        series=series,
                        booked_by=primary[episode.pk],
                        booked_at=timezone.make_aware(dt.datetime.combine(self.today, dt.time(8))),
                    )
                )
        created = Session.objects.bulk_create(booked, batch_size=500)
        for session in created:
            staff.append(through(session_id=session.pk, user_id=primary[session.episode_id].pk))
        through.objects.bulk_create(staff, batch_size=500)
        return created

    def links_outstanding(self, booked: list[Session], primary: dict[int, Any]) -> None:
        """A few outcome-measure links sent ahead of next week's sessions, not answered yet."""
        now = timezone.make_aware(dt.datetime.combine(self.today, dt.time(8)))
        firsts: dict[int, Session] = {}
        for session in booked:
            firsts.setdefault(session.episode_id, session)
        for session in list(firsts.values())[:LINKS_OUTSTANDING]:
            Invitation.objects.create(
                session=session,
                measures=[session.episode.outcome_measure],
                channel=Channel.LINK,
                delivery=Delivery.EMAIL,
                secret_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                created_by=primary[session.episode_id],
                created_at=now,
                sent_at=now,
                expires_at=session.starts_at + dt.timedelta(hours=2),
            )

    def void_one(self, episodes: Iterable[Episode], primary: dict[int, Any]) -> Response | None:
        """One outcome answer entered for the wrong client is voided and re-entered from the
        client's paper form, as a clinician would (kept in the history, out of the chart)."""
        active = [e.pk for e in episodes if e.ended_on is None]
        response = (
            Response.objects.filter(
                session__episode_id__in=active, instrument="ors", rater="client"
            )
            .select_related("session")
            .order_by("session__episode_id", "session__number")
            .first()
        )
        if response is None:
            return None
        by = primary[response.session.episode_id]
        # What the tablet recorded: a stray 2.2 on every line while it was handed over.
        stray = dict.fromkeys(response.items, 2.2)
        paper = Response.objects.create(
            session=response.session,
            instrument=response.instrument,
            rater=response.rater,
            method=Method.PAPER,
            items=response.items,
            total=response.total,
            subscales=response.subscales,
            band=response.band,
            risk_items=response.risk_items,
            answered_at=response.answered_at,
            idempotency_key=uuid.uuid4(),
        )
        ResponseVersion.objects.create(
            response=paper,
            version=1,
            items=paper.items,
            total=paper.total,
            subscales=paper.subscales,
            recorded_by=by,
            reason="Entered from the client's paper form.",
        )
        ResponseVersion.objects.filter(response=response).update(
            items=stray, total=round(2.2 * len(stray), 1)
        )
        Response.objects.filter(pk=response.pk).update(
            items=stray,
            total=round(2.2 * len(stray), 1),
            voided_at=response.answered_at + dt.timedelta(minutes=20),
            voided_by=by,
            void_reason=(
                "The lines were set by accident while the tablet was handed over; the client"
                " filled in the paper form, re-entered here."
            ),
        )
        return paper
