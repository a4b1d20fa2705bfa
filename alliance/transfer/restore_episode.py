"""Writing back one episode of a full export and its children (care team, plan, sessions,
responses, voice, goals, tasks, notes, alerts): :mod:`alliance.transfer.restore` calls
:class:`EpisodeRestorer` for each episode, after the organisation, staff and clients."""

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_noop

from alliance.care.models import (
    CareTeamMember,
    Episode,
    Goal,
    GoalRating,
    GoalVersion,
    MeasurePlanItem,
    Reflection,
    Rupture,
    Session,
    Task,
)
from alliance.feedback.models import Alert
from alliance.measures.models import Response, ResponseVersion
from alliance.science.messages import Message
from alliance.transfer.document_values import response_scores
from alliance.transfer.selectors import PLAN_FIELDS
from alliance.transfer.voice_records import voice_restore

if TYPE_CHECKING:
    from alliance.transfer.restore import _Restorer


class RestoreConflict(ValueError):
    """A record of the export is already stored for another episode (e.g. the same export
    imported under a second organisation name): the whole import is rolled back. ``at`` is the
    JSON path of the record. ``str(conflict)`` is English; ``detail`` says the same as a
    :class:`Message` to translate where it is shown (None for a plain string)."""

    def __init__(self, message: str | Message, at: str = "episodes") -> None:
        super().__init__(str(message))
        self.at = at
        self.detail = message if isinstance(message, Message) else None


class AccessRefused(RestoreConflict):
    """The import would give someone access in an organisation that exists already (a role, a
    place on a care team) and was not asked to: the whole import is rolled back."""


Record = dict[str, Any]
Step = Callable[[], None]


def parse_time(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def parse_day(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


class EpisodeRestorer:
    """One episode's children: what is there already is read once, only the rest is written."""

    def __init__(self, parent: "_Restorer", episode: Episode, record: Record, at: str) -> None:
        self.parent = parent
        self.episode = episode
        self.record = record
        self.at = at
        self.user = parent._user
        self.age_group = parent.clients[record["client"]].age_group

    def write(self) -> None:
        self._care_team()
        self._plan()
        self._sessions()
        self._responses()
        self._voice()
        self._goals()
        self._tasks()
        self._session_notes()
        self._alerts()

    def _care_team(self) -> None:
        have = set(self.episode.care_team.values_list("member__username", flat=True))
        missing = []
        for j, m in enumerate(self.record["care_team"]):
            if m["member"] in have:
                continue
            template = gettext_noop("would put %(member)s on the care team of %(episode)s")
            self.parent.access_change(
                f"{self.at}.care_team[{j}].member",
                Message(template, {"member": repr(m["member"]), "episode": self.record["key"]}),
            )
            missing.append(
                CareTeamMember(
                    episode=self.episode,
                    member=self.user(m["member"]),
                    role=m["role"],
                    joined_on=parse_day(m["joined_on"]),
                )
            )
        self.parent._new("care team members", missing)

    def _plan(self) -> None:
        have = set(self.episode.plan.values_list("instrument", flat=True))
        missing = [
            MeasurePlanItem(episode=self.episode, **{k: row[k] for k in PLAN_FIELDS})
            for row in self.record["plan"]
            if row["instrument"] not in have
        ]
        self.parent._new("plan items", missing)

    def _ref(self, position: int, record: Record) -> Any:
        """How other records name this session: its number (version 1) or its position."""
        return record["number"] if self.parent.by_number else position

    def _session(self, record: Record) -> Session:
        copied = ("number", "status", "duration_minutes", "mode", "cancelled_by", "reason")
        return Session(
            episode=self.episode,
            starts_at=dt.datetime.fromisoformat(record["starts_at"]),
            series=uuid.UUID(record["series"]) if record["series"] else None,
            final=record["final"],
            due=record["due"],
            history=self.parent._history(record["history"]),
            booked_by=self.user(record["booked_by"]),
            booked_at=parse_time(record["booked_at"]),
            **{k: record[k] for k in copied},
        )

    def _sessions(self) -> None:
        existing = list(self.episode.sessions.order_by("pk"))
        records = list(enumerate(self.record["sessions"], start=1))
        if self.parent.by_number:
            self.sessions = {s.number: s for s in existing}
        else:
            self.sessions = {n: s for (n, _), s in zip(records, existing, strict=False)}
        fresh = [(n, r) for n, r in records if self._ref(n, r) not in self.sessions]
        created = self.parent._new("sessions", [self._session(r) for _, r in fresh])
        self.sessions.update({self._ref(n, r): s for (n, r), s in zip(fresh, created, strict=True)})
        self.ref_of = {s.pk: ref for ref, s in self.sessions.items()}
        through = Session.attended_by.through
        self.parent._new(
            "session attendances",
            [
                through(session_id=session.pk, user_id=self.parent.users[name].pk)
                for (_, r), session in zip(fresh, created, strict=True)
                for name in r["attended_by"]
            ],
        )

    def _responses(self) -> None:
        records = [
            (self._ref(n, s), r)
            for n, s in enumerate(self.record["sessions"], start=1)
            for r in s["responses"]
        ]
        keys = [uuid.UUID(r["idempotency_key"]) for _, r in records]
        have = dict(
            # Voided ones too: their keys are taken.
            Response.everything.filter(idempotency_key__in=keys).values_list(
                "idempotency_key", "session__episode_id"
            )
        )
        elsewhere = [key for key, episode_id in have.items() if episode_id != self.episode.pk]
        if elsewhere:
            template = gettext_noop(
                "episodes %(episode)s: response %(response)s is already stored for another "
                "episode; an export can be restored into one organisation only"
            )
            raise RestoreConflict(
                Message(template, {"episode": self.record["key"], "response": str(elsewhere[0])}),
                f"{self.at}.sessions[].responses[].idempotency_key",
            )
        fresh = [(n, r) for n, r in records if uuid.UUID(r["idempotency_key"]) not in have]
        copied = ("instrument", "rater", "method", "version", "void_reason")
        created = self.parent._new(
            "responses",
            [
                Response(
                    session=self.sessions[n],
                    idempotency_key=uuid.UUID(r["idempotency_key"]),
                    rater_user=self.user(r["rater_user"]),
                    about_member=self.user(r["about_member"]),
                    author=r.get("author", ""),
                    author_user=self.user(r.get("author_user")),
                    answered_at=dt.datetime.fromisoformat(r["answered_at"]),
                    voided_at=parse_time(r["voided_at"]),
                    voided_by=self.user(r["voided_by"]),
                    **{k: r[k] for k in copied},
                    # recomputed from the answers, never taken from the file
                    **response_scores(r, self.age_group),
                )
                for n, r in fresh
            ],
        )
        if any(response.risk_items and response.voided_at is None for response in created):
            self.parent.risky.add(self.episode.pk)
        versions = []
        for response, (_, record) in zip(created, fresh, strict=True):
            for v in record["versions"]:
                scores = response_scores({**v, "instrument": response.instrument}, self.age_group)
                version = ResponseVersion(
                    response=response,
                    recorded_by=self.user(v["recorded_by"]),
                    version=v["version"],
                    reason=v["reason"],
                    items=scores["items"],
                    total=scores["total"],
                    subscales=scores["subscales"],
                )
                self.parent._stamp(version, recorded_at=v["recorded_at"])
                versions.append(version)
        self.parent._new("response versions", versions)

    def _voice(self) -> None:
        if "voice" not in self.record:
            return
        try:
            voice_restore(
                episode=self.episode,
                voice=self.record["voice"],
                sessions=self.sessions,
                user=self.user,
                scores=lambda record: response_scores(record, self.age_group),
                new=self.parent._new,
            )
        except ValueError as error:
            said = (
                error.args[0] if error.args and isinstance(error.args[0], Message) else str(error)
            )
            params = {"episode": self.record["key"], "problem": said}
            raise RestoreConflict(
                Message(gettext_noop("episodes %(episode)s: %(problem)s"), params),
                f"{self.at}.voice.baseline",
            ) from None

    def _goals(self) -> None:
        existing = list(self.episode.goals.order_by("pk"))
        records = self.record["goals"]
        fresh = records[len(existing) :]
        created = []
        for g in fresh:
            goal = Goal(
                episode=self.episode,
                set_in=self.sessions[g["set_in"]] if g["set_in"] else None,
                created_by=self.user(g["created_by"]),
                **{k: g[k] for k in ("text", "agreed", "status", "version")},
            )
            self.parent._stamp(goal, created_at=g["created_at"])
            created.append(goal)
        self.goals = existing + self.parent._new("goals", created)
        replaced = []
        for goal, g in zip(self.goals[len(existing) :], fresh, strict=True):
            if g["replaces"]:
                goal.replaces = self.goals[g["replaces"] - 1]
                replaced.append(goal)
        if replaced:
            Goal.objects.bulk_update(replaced, ["replaces"])
        self._goal_children(self.goals[len(existing) :], fresh)

    def _goal_children(self, goals: list[Goal], records: Iterable[Record]) -> None:
        versions, ratings = [], []
        for goal, g in zip(goals, records, strict=True):
            for v in g["versions"]:
                version = GoalVersion(
                    goal=goal,
                    recorded_by=self.user(v["recorded_by"]),
                    **{k: v[k] for k in ("version", "text", "agreed", "status", "note")},
                )
                self.parent._stamp(version, recorded_at=v["recorded_at"])
                versions.append(version)
            for r in g["ratings"]:
                rating = GoalRating(
                    goal=goal,
                    session=self.sessions[r["session"]],
                    rating=r["rating"],
                    earlier=r["earlier"],
                    recorded_by=self.user(r["recorded_by"]),
                )
                self.parent._stamp(rating, recorded_at=r["recorded_at"])
                ratings.append(rating)
        self.parent._new("goal versions", versions)
        self.parent._new("goal ratings", ratings)

    def _tasks(self) -> None:
        done = self.episode.tasks.count()
        tasks = []
        for t in self.record["tasks"][done:]:
            task = Task(
                episode=self.episode,
                agreed_in=self.sessions[t["agreed_in"]],
                goal=self.goals[t["goal"] - 1] if t["goal"] else None,
                reviewed_in=self.sessions[t["reviewed_in"]] if t["reviewed_in"] else None,
                created_by=self.user(t["created_by"]),
                **{
                    k: t[k]
                    for k in (
                        "what",
                        "rationale",
                        "client_agreed",
                        "outcome",
                        "review_note",
                        "history",
                    )
                },
            )
            self.parent._stamp(task, created_at=t["created_at"])
            tasks.append(task)
        self.parent._new("tasks", tasks)

    def _session_notes(self) -> None:
        ruptures_had: dict[int, int] = defaultdict(int)
        for session_id in Rupture.objects.filter(session__episode=self.episode).values_list(
            "session_id", flat=True
        ):
            ruptures_had[session_id] += 1
        authors = set(
            Reflection.objects.filter(session__episode=self.episode).values_list(
                "session_id", "author__username"
            )
        )
        ruptures, reflections = [], []
        for n, s in enumerate(self.record["sessions"], start=1):
            session = self.sessions[self._ref(n, s)]
            for r in s["ruptures"][ruptures_had[session.pk] :]:
                rupture = Rupture(
                    session=session,
                    recorded_by=self.user(r["recorded_by"]),
                    **{
                        k: r[k]
                        for k in (
                            "markers",
                            "noticed_by",
                            "strategies",
                            "resolution",
                            "note",
                            "history",
                        )
                    },
                )
                self.parent._stamp(rupture, recorded_at=r["recorded_at"])
                ruptures.append(rupture)
            for r in s["reflections"]:
                if (session.pk, r["author"]) in authors:
                    continue
                reflection = Reflection(
                    session=session,
                    author=self.user(r["author"]),
                    experiences=r["experiences"],
                    text=r["text"],
                    history=r["history"],
                )
                self.parent._stamp(
                    reflection, created_at=r["created_at"], updated_at=r["updated_at"]
                )
                reflections.append(reflection)
        self.parent._new("ruptures", ruptures)
        self.parent._new("reflections", reflections)

    def _alerts(self) -> None:
        have = {
            (self.ref_of.get(session_id), rule, measure)
            for session_id, rule, measure in self.episode.alerts.values_list(
                "session_id", "rule", "measure"
            )
        }
        alerts = []
        for a in self.record["alerts"]:
            if (a["session"], a["rule"], a.get("measure", "")) in have:
                continue
            acknowledged = parse_time(a["acknowledged_at"])
            # An export from before the alert lifecycle has no state: acknowledged or open.
            state = a.get("state") or ("acknowledged" if acknowledged else "open")
            alert = Alert(
                episode=self.episode,
                session=self.sessions[a["session"]],
                measure=a.get("measure", ""),
                state=state,
                since_session=a.get("since_session"),
                closed_by_session=a.get("closed_by_session"),
                snooze_reason=a.get("snooze_reason", ""),
                snoozed_at_session=a.get("snoozed_at_session"),
                acknowledged_at=acknowledged,
                acknowledged_by=self.user(a["acknowledged_by"]),
                **{
                    k: a[k]
                    for k in (
                        "rule",
                        "severity",
                        "priority",
                        "evidence",
                        "advice_code",
                        "advice",
                        "pathway",
                        "acknowledgement_note",
                    )
                },
            )
            self.parent._stamp(alert, raised_at=a["raised_at"])
            alerts.append(alert)
        self.parent._new("alerts", alerts)
