"""Writing a full export back (``docs/transfer.md``): every record found by its natural key first,
so a second import of the same document writes nothing.

Staff who are not in the database yet are created without a usable password: the export carries
no password hashes, so after a restore each person sets a new password (``manage.py
changepassword`` or the administrator's reset). Staff already in the database are left as they
are. Timestamps the models set themselves (``created_at``, ``raised_at`` ...) are written back
afterwards with ``bulk_update``, which does not touch them again, so the restore is exact.

Scores are never taken from the file: each response's total, subscales, band, risk answers and
prorating are recomputed from its answers (``document_values.response_scores``), and an episode
holding a risk answer without its risk alert has its alerts refreshed, as a form would. Into an
organisation that already exists, nothing that widens access is written (a membership, a
care-team member) unless the import is asked to (``allow_access_changes``, the command's
``--allow-access-changes``).
"""

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Model

from alliance.accounts.models import Membership, Organisation, Team, User
from alliance.care.models import (
    CareTeamMember,
    Client,
    Episode,
    Goal,
    GoalRating,
    GoalVersion,
    MeasurePlanItem,
    PlanDefault,
    Reflection,
    Rupture,
    Session,
    Task,
)
from alliance.feedback.models import Alert, TrajectoryFit
from alliance.feedback.services import alerts_refresh
from alliance.measures.models import Response, ResponseVersion
from alliance.transfer.document_values import response_scores
from alliance.transfer.selectors import PLAN_FIELDS, episode_keys
from alliance.transfer.voice_records import team_sharing_restore, voice_restore

# The flag that allows an import to change access in an existing organisation.
ACCESS_FLAG = "--allow-access-changes"

__all__ = ["AccessRefused", "RestoreConflict", "document_restore"]


class RestoreConflict(ValueError):
    """A record of the export is already stored for another episode (e.g. the same export
    imported under a second organisation name): the whole import is rolled back. ``at`` is the
    JSON path of the record."""

    def __init__(self, message: str, at: str = "episodes") -> None:
        super().__init__(message)
        self.at = at


class AccessRefused(RestoreConflict):
    """The import would give someone access in an organisation that exists already (a role, a
    place on a care team) and was not asked to: the whole import is rolled back."""


Record = dict[str, Any]
Step = Callable[[], None]


def _time(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def _day(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


def document_restore(
    document: Record,
    *,
    organisation_name: str,
    after_episode: Step,
    allow_access_changes: bool = False,
) -> dict[str, int]:
    """Write the document's records that are not there yet; return how many of each were new.
    Call inside one transaction: ``after_episode`` runs after each episode (progress). Raises
    :class:`AccessRefused` when the organisation exists and the document would add a membership
    or a care-team member, unless ``allow_access_changes``."""
    restorer = _Restorer(document, organisation_name, allow_access_changes)
    restorer.top()
    for index, record in enumerate(document["episodes"]):
        restorer.episode(record, f"episodes[{index}]")
        after_episode()
    restorer.link_continuations()
    restorer.fix_timestamps()
    restorer.raise_missing_risk_alerts()
    return dict(restorer.created)


class _Restorer:
    def __init__(self, document: Record, organisation_name: str, allow_access: bool) -> None:
        self.doc = document
        self.name = organisation_name
        self.allow_access = allow_access
        # Version 1 named sessions by number; version 2 by position in the episode.
        self.by_number = document.get("version") == 1
        self.existing = False
        self.risky: set[int] = set()  # episodes holding a new response with a risk answer
        self.created: dict[str, int] = defaultdict(int)
        # Timestamps the models set themselves, written back once the objects exist (saving
        # would set them to now): model -> field -> [(object, exported value)].
        self.stamps: dict[type[Model], dict[str, list[tuple[Model, dt.datetime | None]]]] = (
            defaultdict(lambda: defaultdict(list))
        )

    def _stamp(self, obj: Model, **values: str | None) -> None:
        for name, text in values.items():
            self.stamps[type(obj)][name].append((obj, _time(text)))

    def _new(self, label: str, objects: list[Any]) -> list[Any]:
        if objects:
            model = type(objects[0])
            objects = model.objects.bulk_create(objects)
            self.created[label] += len(objects)
        return objects

    def top(self) -> None:
        org_record = self.doc["organisation"]
        self.org = Organisation.objects.filter(name=self.name).first()
        self.existing = self.org is not None
        if self.org is None:
            settings = {k: v for k, v in org_record.items() if k not in ("name", "created_at")}
            self.org = Organisation.objects.create(name=self.name, **settings)
            self._stamp(self.org, created_at=org_record["created_at"])
            self.created["organisations"] += 1
        self.teams = {t.name: t for t in Team.objects.filter(organisation=self.org)}
        missing = [
            Team(organisation=self.org, name=n) for n in self.doc["teams"] if n not in self.teams
        ]
        self.teams.update({t.name: t for t in self._new("teams", missing)})
        self._users()
        self._memberships()
        self._clients()
        self._plan_defaults()
        team_sharing_restore(self.doc.get("team_sharing", []), self.teams, self._new)
        episodes = list(
            Episode.objects.filter(client__organisation=self.org).select_related("client")
        )
        keys = episode_keys(episodes)
        self.episodes = {keys[e.pk]: e for e in episodes}
        self._fits()

    def _users(self) -> None:
        names = [u["username"] for u in self.doc["users"]]
        self.users = {u.username: u for u in User.objects.filter(username__in=names)}
        missing = []
        for record in self.doc["users"]:
            if record["username"] in self.users:
                continue
            user = User(**{k: v for k, v in record.items() if k != "date_joined"})
            user.date_joined = _time(record["date_joined"])
            user.set_unusable_password()
            missing.append(user)
        self.users.update({u.username: u for u in self._new("users", missing)})

    def _history(self, entries: list[Any]) -> list[Any]:
        """Earlier versions with who made each change by this database's id again."""
        return [
            {**entry, "by": self.users[entry["by"]].pk}
            if isinstance(entry, dict) and isinstance(entry.get("by"), str)
            else entry
            for entry in entries
        ]

    def _user(self, username: str | None) -> User | None:
        return None if username is None else self.users[username]

    def access_change(self, at: str, what: str) -> None:
        """Refuse a new membership or care-team member in an existing organisation unless the
        import was asked to make such changes."""
        if self.existing and not self.allow_access:
            raise AccessRefused(
                f"{what}; {self.name} exists already, so this would change who has access "
                f"there. Nothing was written; import with {ACCESS_FLAG} to allow it",
                at,
            )

    def _memberships(self) -> None:
        have = set(
            Membership.objects.filter(organisation=self.org).values_list(
                "user__username", "team__name", "role"
            )
        )
        missing = []
        for i, m in enumerate(self.doc["memberships"]):
            if (m["user"], m["team"], m["role"]) in have:
                continue
            self.access_change(
                f"memberships[{i}]", f"would give {m['user']!r} the role {m['role']}"
            )
            missing.append(
                Membership(
                    user=self.users[m["user"]],
                    organisation=self.org,
                    team=self.teams[m["team"]] if m["team"] else None,
                    role=m["role"],
                )
            )
        self._new("memberships", missing)

    def _clients(self) -> None:
        self.clients = {c.code: c for c in Client.objects.filter(organisation=self.org)}
        missing = []
        for record in self.doc["clients"]:
            if record["code"] not in self.clients:
                taken = {k: v for k, v in record.items() if k not in ("created_at", "created_by")}
                client = Client(
                    organisation=self.org,
                    created_by=self._user(record["created_by"]),
                    **{**taken, "contact_consent_on": _day(record["contact_consent_on"])},
                )
                self._stamp(client, created_at=record["created_at"])
                missing.append(client)
        self.clients.update({c.code: c for c in self._new("clients", missing)})

    def _plan_defaults(self) -> None:
        have = set(
            PlanDefault.objects.filter(team__organisation=self.org).values_list(
                "team__name", "setting", "instrument"
            )
        )
        missing = [
            PlanDefault(
                team=self.teams[row["team"]],
                setting=row["setting"],
                **{k: row[k] for k in PLAN_FIELDS},
            )
            for row in self.doc["plan_defaults"]
            if (row["team"], row["setting"], row["instrument"]) not in have
        ]
        self._new("default plan items", missing)

    def link_continuations(self) -> None:
        """Episodes that continue another (a transfer), linked once every episode exists."""
        linked = []
        for record in self.doc["episodes"]:
            episode = self.episodes[record["key"]]
            if record["continues"] and episode.continues_id is None:
                episode.continues = self.episodes[record["continues"]]
                linked.append(episode)
        if linked:
            Episode.objects.bulk_update(linked, ["continues"])

    def _fits(self) -> None:
        have = set(
            TrajectoryFit.objects.filter(organisation=self.org).values_list(
                "measure", "requested_at"
            )
        )
        missing = []
        for record in self.doc["trajectory_fits"]:
            if (record["measure"], _time(record["requested_at"])) in have:
                continue
            fit = TrajectoryFit(
                organisation=self.org,
                requested_by=self._user(record["requested_by"]),
                finished_at=_time(record["finished_at"]),
                activated_at=_time(record["activated_at"]),
                **{
                    k: record[k]
                    for k in (
                        "measure",
                        "status",
                        "message",
                        "model_json",
                        "n_episodes",
                        "n_ratings",
                        "is_active",
                    )
                },
            )
            self._stamp(fit, requested_at=record["requested_at"])
            missing.append(fit)
        self._new("trajectory fits", missing)

    def episode(self, record: Record, at: str = "episodes") -> None:
        episode = self.episodes.get(record["key"])
        if episode is None:
            episode = Episode.objects.create(
                client=self.clients[record["client"]],
                team=self.teams[record["team"]],
                started_on=_day(record["started_on"]),
                ended_on=_day(record["ended_on"]),
                history=self._history(record["history"]),
                **{
                    k: record[k]
                    for k in (
                        "setting",
                        "ending",
                        "outcome_measure",
                        "alliance_measure",
                        "share_progress_with_client",
                    )
                },
            )
            self.episodes[record["key"]] = episode
            self.created["episodes"] += 1
        _EpisodeRestorer(self, episode, record, at).write()

    def raise_missing_risk_alerts(self) -> None:
        """An episode with a risk answer but no risk alert for it (the file left it out) gets
        its alerts refreshed, as if the answers had just been given."""
        if not self.risky:
            return
        alerted = set(
            Alert.objects.filter(episode_id__in=self.risky, rule="risk_answer").values_list(
                "session_id", flat=True
            )
        )
        answers = Response.objects.filter(session__episode_id__in=self.risky).values_list(
            "session_id", "session__episode_id", "risk_items"
        )
        unalerted = {
            episode for session, episode, risk in answers if risk and session not in alerted
        }
        if unalerted:
            episodes = list(Episode.objects.filter(pk__in=unalerted).order_by("pk"))
            self.created["alerts"] += alerts_refresh(episodes)

    def fix_timestamps(self) -> None:
        for model, fields in self.stamps.items():
            for name, pairs in fields.items():
                for obj, value in pairs:
                    setattr(obj, name, value)
                objects = [obj for obj, _ in pairs]
                model.objects.bulk_update(objects, [name], batch_size=500)


class _EpisodeRestorer:
    """One episode's children: what is there already is read once, only the rest is written."""

    def __init__(self, parent: _Restorer, episode: Episode, record: Record, at: str) -> None:
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
            self.parent.access_change(
                f"{self.at}.care_team[{j}].member",
                f"would put {m['member']!r} on the care team of {self.record['key']}",
            )
            missing.append(
                CareTeamMember(
                    episode=self.episode,
                    member=self.user(m["member"]),
                    role=m["role"],
                    joined_on=_day(m["joined_on"]),
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
            starts_at=_time(record["starts_at"]),
            series=uuid.UUID(record["series"]) if record["series"] else None,
            final=record["final"],
            due=record["due"],
            history=self.parent._history(record["history"]),
            booked_by=self.user(record["booked_by"]),
            booked_at=_time(record["booked_at"]),
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
                through(session_id=session.pk, user_id=self.user(name).pk)
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
            raise RestoreConflict(
                f"episodes {self.record['key']}: response {elsewhere[0]} is already stored for "
                "another episode; an export can be restored into one organisation only",
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
                    answered_at=_time(r["answered_at"]),
                    voided_at=_time(r["voided_at"]),
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
            raise RestoreConflict(
                f"episodes {self.record['key']}: {error}", f"{self.at}.voice.baseline"
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
            acknowledged = _time(a["acknowledged_at"])
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
