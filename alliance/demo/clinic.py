"""The demo clinic: a synthetic clinic from ``alliance.science.simulate`` turned into database rows.

Everything here is synthetic; names are drawn from a short list of common first names and
initials. Answers are validated and scored by the science core exactly like a real submission,
then written in bulk inside one transaction, so a failed load leaves nothing behind.
"""

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from alliance.accounts.models import Organisation, Role, Team, User
from alliance.accounts.services import membership_grant
from alliance.api.services import token_create
from alliance.care import services as care
from alliance.care.models import (
    CareRole,
    CareTeamMember,
    Client,
    Ending,
    Episode,
    Goal,
    GoalRating,
    GoalVersion,
    Reflection,
    Rupture,
    Session,
    Setting,
    Task,
)
from alliance.demo.week import DemoWeek
from alliance.feedback.models import Alert, AlertState
from alliance.feedback.series import series_number
from alliance.feedback.services import alerts_refresh
from alliance.feedback.summaries import episode_summaries_refresh
from alliance.measures import catalogue
from alliance.measures.models import Method, Rater, Response, ResponseVersion
from alliance.portal.models import Invitation
from alliance.science.instruments import score_response, validate_values
from alliance.science.simulate import SimulatedClinic, demo_clinic_parameters, simulate_clinic

DEMO_PASSWORD = "alliance-demo"
DEMO_ORGANISATION = "Riverside Counselling (demo)"
TEAM_NAMES = ("Adults North", "Adults South", "Young People", "Day Programme")
FIRST_NAMES = (
    "Alex",
    "Sam",
    "Robin",
    "Jordan",
    "Casey",
    "Morgan",
    "Jamie",
    "Taylor",
    "Riley",
    "Avery",
    "Charlie",
    "Drew",
    "Eden",
    "Frankie",
    "Hayden",
    "Jules",
    "Kai",
    "Lee",
    "Noor",
    "Parker",
    "Quinn",
    "Reese",
    "Sasha",
    "Toni",
    "Val",
    "Wren",
    "Yara",
    "Zane",
    "Ari",
    "Bo",
)
CLINICIAN_NAMES = (
    ("Maya", "Okafor"),
    ("Tom", "Lindqvist"),
    ("Priya", "Raman"),
    ("Daniel", "Moreau"),
    ("Grace", "Adeyemi"),
    ("Leo", "Fischer"),
    ("Hana", "Sato"),
    ("Omar", "Haddad"),
    ("Ines", "Duarte"),
    ("Ben", "Walsh"),
)
SETTINGS_FROM_SIMULATION = {
    "individual": Setting.INDIVIDUAL,
    "couple": Setting.COUPLE,
    "family": Setting.FAMILY,
    "group": Setting.GROUP,
    "day_programme": Setting.DAY_PROGRAMME,
    "medication": Setting.MEDICATION,
    "medication_management": Setting.MEDICATION,
}


@dataclass(frozen=True)
class DemoSummary:
    organisation: Organisation
    users: int
    clients: int
    episodes: int
    sessions: int
    responses: int
    api_token: str


def demo_usernames(roles: list[str]) -> list[str]:
    """Log-in names in the order of the simulated clinicians: therapist, therapist2, ...,
    prescriber, supervisor."""
    names, counts = [], {"therapist": 0, "prescriber": 0, "supervisor": 0}
    for role in roles:
        counts[role] += 1
        names.append(role if counts[role] == 1 else f"{role}{counts[role]}")
    return names


def load_demo(*, seed: int = 7, today: dt.date | None = None, week: bool = True) -> DemoSummary:
    """Replace any earlier demo organisation with a freshly simulated one. ``week=False`` leaves
    out the clinic's week (``alliance.demo.week``: plans that drop some simulated PHQ-9 and
    GAD-7 answers, next week's bookings, links, a voided answer), so the rows are exactly the
    simulation's (the report tests compare them with an independent computation)."""
    clinic = simulate_clinic(demo_clinic_parameters(today=today or dt.date.today()), seed=seed)
    with transaction.atomic():
        _remove_earlier_demo()
        return _DemoWriter(clinic, today or dt.date.today(), week=week).write()


def _remove_earlier_demo() -> None:
    organisation = Organisation.objects.filter(name=DEMO_ORGANISATION).first()
    if organisation is None:
        return
    episodes = Episode.objects.filter(client__organisation=organisation)
    # Clinical records are protected from accidental deletion; the demo removes its own in order.
    in_demo = {"session__episode__in": episodes}
    for model in (Rupture, Reflection, GoalRating, Invitation):
        model.objects.filter(**in_demo).delete()
    Task.objects.filter(episode__in=episodes).delete()
    GoalVersion.objects.filter(goal__episode__in=episodes).delete()
    Goal.objects.filter(episode__in=episodes).delete()
    ResponseVersion.objects.filter(response__session__episode__in=episodes).delete()
    Response.everything.filter(**in_demo).delete()
    episodes.delete()
    Client.objects.filter(organisation=organisation).delete()
    staff = list(
        User.objects.filter(memberships__organisation=organisation).values_list("pk", flat=True)
    )
    Team.objects.filter(organisation=organisation).delete()
    organisation.memberships.all().delete()
    User.objects.filter(pk__in=staff).delete()
    organisation.delete()


class _DemoWriter:
    def __init__(self, clinic: SimulatedClinic, today: dt.date, week: bool = True) -> None:
        self.clinic = clinic
        self.today = today
        self.with_week = week
        self.rng = np.random.default_rng(11)

    def write(self) -> DemoSummary:
        self.organisation = Organisation.objects.create(name=DEMO_ORGANISATION)
        self._staff()
        self._clients()
        self._episodes()
        self.week = DemoWeek(list(self.teams.values()), self.today, keep_all=not self.with_week)
        if self.with_week:
            self.week.plan_defaults()
        frame = self.clinic.episodes
        symptoms = dict(zip(frame["episode_id"], frame["phq_gad"], strict=True))
        self.week.plan_episodes(
            self.episodes.values(),
            {episode.pk: bool(symptoms[sim]) for sim, episode in self.episodes.items()},
        )
        self._sessions()
        self.last: dict[Any, int] = {}
        for sim_id, number in self.sessions:
            self.last[sim_id] = max(self.last.get(sim_id, 0), number)
        self.week.fix_due(
            self.sessions.values(),
            {self.episodes[sim].pk: number for sim, number in self.last.items()},
        )
        responses = self._responses()
        _AllianceWork(self).write()
        if self.with_week:
            primary = {e.pk: self.users[self.primary[sim]] for sim, e in self.episodes.items()}
            self.week.void_one(self.episodes.values(), primary)
            booked = self.week.book_next_week(self.episodes.values(), primary)
            self.week.links_outstanding(booked, primary)
        # The demo's history is not news: nobody is e-mailed about its risk answers.
        alerts_refresh(self.episodes.values(), notify=False)
        self._acknowledge_history()
        # The history's acknowledgements were written in bulk: the caseload's summaries follow.
        episode_summaries_refresh(self.episodes.values())
        return DemoSummary(
            organisation=self.organisation,
            users=len(self.users) + 1,
            clients=len(self.clients),
            episodes=len(self.episodes),
            sessions=len(self.sessions),
            responses=responses,
            api_token=token_create(
                user=User.objects.get(username="therapist"), name="Demo", scope="read_write"
            ).secret,
        )

    def _staff(self) -> None:
        frame = self.clinic.clinicians.reset_index(drop=True)
        team_codes = sorted(frame["team"].unique())
        self.teams = {
            code: Team.objects.create(organisation=self.organisation, name=TEAM_NAMES[i])
            for i, code in enumerate(team_codes)
        }
        self.users: dict[object, User] = {}
        names = demo_usernames(list(frame["role"]))
        for row, username in zip(_rows(frame), names, strict=True):
            first, last = CLINICIAN_NAMES[len(self.users) % len(CLINICIAN_NAMES)]
            user = _demo_user(username, first, last)
            self.users[row.clinician_id] = user
            team = self.teams[row.team]
            # The clinical lead (a supervisor) carries a small caseload as a clinician.
            role = {
                "therapist": Role.CLINICIAN,
                "prescriber": Role.PRESCRIBER,
                "supervisor": Role.CLINICIAN,
            }[row.role]
            if row.role == "supervisor":
                # The clinical lead supervises every team and carries a small caseload.
                for each in self.teams.values():
                    membership_grant(
                        user=user, organisation=self.organisation, role=Role.SUPERVISOR, team=each
                    )
            membership_grant(user=user, organisation=self.organisation, role=role, team=team)
        admin = _demo_user("admin", "Ada", "Mensah")
        membership_grant(user=admin, organisation=self.organisation, role=Role.ADMINISTRATOR)
        self.roles = dict(zip(frame["clinician_id"], frame["role"], strict=True))
        self.prescriber = next(
            (self.users[c] for c, r in self.roles.items() if r == "prescriber"), None
        )

    def _clients(self) -> None:
        # Consent to e-mail is given at intake, the day the client's first episode starts.
        starts = self.clinic.episodes.groupby("client_id")["start_date"].min()
        intake = {key: _date_or_none(day) for key, day in starts.items()}
        rows = [
            Client(
                organisation=self.organisation,
                code=f"RC-{int(row.client_id):04d}",
                display_name=f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {chr(65 + (i * 7) % 26)}.",
                age_group=row.age_group,
                birth_year=int(row.birth_year) if pd.notna(row.birth_year) else None,
                consents_to_electronic_contact=bool(i % 3),
                consents_to_email=bool(i % 3),
                contact_consent_on=intake.get(row.client_id) if i % 3 else None,
                email=f"client{int(row.client_id)}@example.org" if i % 3 else "",
            )
            for i, row in enumerate(_rows(self.clinic.clients))
        ]
        created = Client.objects.bulk_create(rows)
        self.clients = dict(zip(self.clinic.clients["client_id"], created, strict=True))

    def _episodes(self) -> None:
        frame = self.clinic.episodes
        rows = [self._episode(row) for row in _rows(frame)]
        created = Episode.objects.bulk_create(rows)
        self.episodes = dict(zip(frame["episode_id"], created, strict=True))
        self.primary = dict(zip(frame["episode_id"], frame["clinician_id"], strict=True))
        CareTeamMember.objects.bulk_create(list(self._care_team(frame)))

    def _episode(self, row: object) -> Episode:
        ended = _date_or_none(row.end_date)  # type: ignore[attr-defined]
        clinician = self.users[row.clinician_id]  # type: ignore[attr-defined]
        client = self.clients[row.client_id]  # type: ignore[attr-defined]
        child = client.age_group == "child"
        membership = clinician.memberships.exclude(team=None).exclude(role=Role.SUPERVISOR).first()
        if membership is None:  # every simulated clinician was given a team in _staff
            raise ValueError(f"demo clinician {clinician.username} has no team.")
        return Episode(
            client=client,
            team=membership.team,
            outcome_measure="cors" if child else "ors",
            alliance_measure="csrs" if child else "srs",
            setting=SETTINGS_FROM_SIMULATION[row.setting],  # type: ignore[attr-defined]
            started_on=_date(row.start_date),  # type: ignore[attr-defined]
            ended_on=ended,
            ending=Ending(row.ending) if ended else "",  # type: ignore[attr-defined]
            share_progress_with_client=bool(int(row.episode_id) % 2),  # type: ignore[attr-defined]
        )

    def _care_team(self, frame: pd.DataFrame) -> Iterator[CareTeamMember]:
        for row in _rows(frame):
            episode = self.episodes[row.episode_id]
            clinician = self.users[row.clinician_id]
            is_prescriber = self.roles[row.clinician_id] == "prescriber"
            role = CareRole.PRESCRIBER if is_prescriber else CareRole.PRIMARY_THERAPIST
            yield CareTeamMember(episode=episode, member=clinician, role=role)
            # Team care: some therapy clients also see the prescriber for medication.
            if not is_prescriber and self.prescriber and int(row.episode_id) % 5 == 0:
                yield CareTeamMember(
                    episode=episode, member=self.prescriber, role=CareRole.PRESCRIBER
                )

    def _sessions(self) -> None:
        frame = self.clinic.sessions
        rows = [
            Session(
                episode=self.episodes[row.episode_id],
                number=int(row.session),
                starts_at=_appointment(row.date, int(row.episode_id)),
                status=row.status,
            )
            for row in _rows(frame)
        ]
        created = Session.objects.bulk_create(rows)
        self.sessions = {
            (row.episode_id, int(row.session)): session
            for row, session in zip(_rows(frame), created, strict=True)
        }
        through = Session.attended_by.through
        through.objects.bulk_create(
            [
                through(session_id=session.pk, user_id=self.users[self.primary[key[0]]].pk)
                for key, session in self.sessions.items()
                if session.status == "attended"
            ]
        )

    def _responses(self) -> int:
        responses, versions = [], []
        for row in _rows(self.clinic.ratings):
            if not self._planned(row):
                continue
            responses.append(self._response(row))
        created = Response.objects.bulk_create(responses, batch_size=500)
        for response in created:
            versions.append(
                ResponseVersion(
                    response=response,
                    version=1,
                    items=response.items,
                    total=response.total,
                    subscales=response.subscales,
                )
            )
        ResponseVersion.objects.bulk_create(versions, batch_size=500)
        return len(created)

    def _response(self, row: object) -> Response:
        instrument = catalogue.instrument(row.measure)  # type: ignore[attr-defined]
        codes = [item.code for item in instrument.scored_items]
        raw = {code: getattr(row, f"item_{i + 1}") for i, code in enumerate(codes)}
        values = validate_values(instrument, raw)
        score = score_response(instrument, values, age_group=row.age_group)  # type: ignore[attr-defined]
        session = self.sessions[(row.episode_id, int(row.session))]  # type: ignore[attr-defined]
        by_clinician = row.rater == Rater.CLINICIAN  # type: ignore[attr-defined]
        return Response(
            session=session,
            instrument=instrument.code,
            rater=row.rater,  # type: ignore[attr-defined]
            rater_user=self.users[row.clinician_id] if by_clinician else None,  # type: ignore[attr-defined]
            method=Method.CLINICIAN if by_clinician else self._client_method(),
            items=values,
            total=score.total,
            subscales=dict(score.subscales),
            band=score.band or "",
            risk_items=list(score.risk_items),
            prorated=score.prorated,
            answered_at=session.starts_at,
            idempotency_key=uuid.uuid4(),
        )

    def _planned(self, row: Any) -> bool:
        """The simulated answer was one the episode's plan asked for (``alliance.demo.week``)."""
        episode = self.episodes[row.episode_id]
        number = int(row.session)
        final = episode.ended_on is not None and number == self.last[row.episode_id]
        return self.week.keeps(episode, row.measure, number, final)

    def _acknowledge_history(self) -> None:
        """A real clinic has discussed most past alerts: leave open only those of an active
        episode's last two sessions, so the caseload shows what a clinician would face today.
        Alerts already superseded or resolved by a later score are left as they are."""
        last = self.last
        ended = {sim_id for sim_id, episode in self.episodes.items() if episode.ended_on}
        sim_id_of = {episode.pk: sim_id for sim_id, episode in self.episodes.items()}
        alerts = (
            Alert.objects.open()
            .filter(episode__in=self.episodes.values())
            .select_related("session")
        )
        discussed = []
        for alert in alerts:
            sim_id = sim_id_of[alert.episode_id]
            if sim_id in ended or series_number(alert.session) < last[sim_id] - 1:
                alert.state = AlertState.ACKNOWLEDGED
                alert.acknowledged_at = alert.session.starts_at + dt.timedelta(hours=1)
                alert.acknowledged_by = self.users[self.primary[sim_id]]
                alert.acknowledgement_note = "Discussed with the client."
                discussed.append(alert)
        Alert.objects.bulk_update(
            discussed, ["state", "acknowledged_at", "acknowledged_by", "acknowledgement_note"], 500
        )

    def _client_method(self) -> str:
        return str(self.rng.choice([Method.TABLET, Method.LINK, Method.KIOSK], p=[0.6, 0.3, 0.1]))


GOALS = (
    "Get back to sleeping through the night",
    "Stop the arguments with my partner turning into shouting",
    "Go back to work, even part time",
    "Feel less on edge when I'm around people",
    "Be able to talk about what happened without falling apart",
    "Get out of the house most days",
    "Worry less about things I can't change",
    "Have one friend I can call",
    "Stop drinking on weeknights",
    "Feel like myself again",
)
TASKS = (
    ("Keep a sleep diary every morning", "See what helps with sleeping through"),
    ("Take a ten-minute walk after lunch", "A first step to getting out most days"),
    ("Write down one worry and what I can do about it", "Practise sorting what I can change"),
    ("Try the breathing exercise before the team meeting", "Feel less on edge with people"),
    ("Send one message to an old friend", "Towards having someone to call"),
)


class _AllianceWork:
    """Goals rated as sessions go, agreed tasks and their review, ruptures where the alliance
    dipped, and a few reflections, all through the care services like a clinician's entries."""

    def __init__(self, writer: "_DemoWriter") -> None:
        self.w = writer
        ratings = writer.clinic.ratings
        client = ratings[ratings["rater"] == "client"]
        self.outcome = {
            (r.episode_id, int(r.session)): r.score
            for r in _rows(client[client["measure"].isin(["ors", "cors"])])
        }
        self.alliance = {
            (r.episode_id, int(r.session)): r.score
            for r in _rows(client[client["measure"].isin(["srs", "csrs"])])
        }

    def write(self) -> None:
        by_episode: dict[object, list[Session]] = {}
        for (sim_id, _number), session in sorted(self.w.sessions.items(), key=lambda kv: kv[0]):
            if session.status == "attended":
                by_episode.setdefault(sim_id, []).append(session)
        for sim_id, sessions in by_episode.items():
            self._episode(sim_id, sessions)

    def _episode(self, sim_id: object, sessions: list[Session]) -> None:
        clinician = self.w.users[self.w.primary[sim_id]]
        episode = self.w.episodes[sim_id]
        n = int(sim_id)  # type: ignore[call-overload]
        goals = [
            care.goal_add(
                episode=episode,
                text=GOALS[(n + k) % len(GOALS)],
                agreed=True,
                by=clinician,
                session=sessions[0],
            )
            for k in range(1 + n % 3)
        ]
        intake = self.outcome.get((sim_id, series_number(sessions[0])))
        task = None
        for index, session in enumerate(sessions):
            score = self.outcome.get((sim_id, series_number(session)), intake)
            progress = 2 + (score - intake) / 3 if score is not None and intake else 2 + index
            care.goal_ratings_record(
                session=session,
                by=clinician,
                ratings={
                    g.pk: int(min(10, max(0, round(progress + k)))) for k, g in enumerate(goals)
                },
            )
            if task is not None:
                outcome = ("done", "partly", "not_done")[(n + index) % 3]
                care.task_review(task=task, session=session, outcome=outcome, by=clinician)
                task = None
            if index % 2 == 0 and index < len(sessions) - 1:
                what, why = TASKS[(n + index) % len(TASKS)]
                task = care.task_agree(
                    session=session,
                    what=what,
                    rationale=why,
                    goal=goals[0],
                    client_agreed=(n + index) % 5 != 0,
                    by=clinician,
                )
            self._rupture(sim_id, session, clinician, index)

    def _rupture(self, sim_id: object, session: Session, clinician: User, index: int) -> None:
        number = series_number(session)
        now = self.alliance.get((sim_id, number))
        before = self.alliance.get((sim_id, number - 1))
        if now is None or before is None or before - now < 2:
            return
        n = int(sim_id)  # type: ignore[call-overload]
        withdrawal = n % 2 == 0
        care.rupture_record(
            session=session,
            by=clinician,
            markers=["minimal_response", "deferential_appeasing"]
            if withdrawal
            else ["complaints_about_activities"],
            noticed_by="clinician" if withdrawal else "client",
            strategies=["invite_discussion", "acknowledge_contribution"]
            if withdrawal
            else ["give_rationale", "change_task_or_goal"],
            resolution=("resolved", "partly_resolved", "not_resolved")[index % 3],
        )
        care.reflection_save(
            session=session,
            author=clinician,
            experiences=["self_doubt"] if withdrawal else ["frustration_anger"],
            text="I noticed I wanted to move on quickly; worth slowing down next time.",
        )


def _rows(frame: pd.DataFrame) -> Iterator[Any]:
    """A simulated table's rows. pandas-stubs types every cell as the union of all scalars pandas
    can hold; the simulation's columns are known (ids, dates, scores), so the rows are ``Any``."""
    return frame.itertuples()


def _demo_user(username: str, first: str, last: str) -> User:
    return User.objects.create_user(
        username=username,
        password=DEMO_PASSWORD,
        first_name=first,
        last_name=last,
        email=f"{username}@riverside.example",
    )


def _date_or_none(value: object) -> dt.date | None:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return None
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def _date(value: object) -> dt.date:
    found = _date_or_none(value)
    if found is None:  # the simulation gives every episode a start
        raise ValueError("a simulated episode without a start date.")
    return found


def _appointment(day: object, episode_id: int) -> dt.datetime:
    # Spread appointments over the working day so the demo looks like a real diary.
    hour = 9 + episode_id % 8
    start = dt.datetime.combine(pd.Timestamp(day).date(), dt.time(hour))  # type: ignore[arg-type]
    return timezone.make_aware(start)
