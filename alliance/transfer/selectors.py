"""Reading an organisation out whole: the full export document (``docs/transfer.md``).

Every record is named by a natural key, never by a database id, so the document restores into
any database and a second import finds what the first one wrote: organisation and team by name,
staff by log-in name, clients by code, an episode by ``client code/start date/n`` (n counts the
client's episodes that started that day, in the order they were made), sessions by number,
sessions by their position in the episode (version 2: a cancelled or withdrawn session has no
number; version 1 named sessions by number), responses by their submission key, goals and tasks
by their position in the episode, ruptures by their position in the session.
"""

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Model

from alliance.accounts.models import Membership, Organisation, User
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
from alliance.measures.models import Response, ResponseVersion
from alliance.transfer.voice_records import VoiceExport, team_sharing_export, voice_user_ids

__all__ = [
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "PLAN_FIELDS",
    "READABLE_VERSIONS",
    "episode_keys",
    "organisation_export",
]

EXPORT_FORMAT = "alliance-export"
EXPORT_VERSION = 2
READABLE_VERSIONS = (1, 2)
"""Version 1 (before issue 11) is still imported: its sessions are named by number, and the
fields it lacks take their defaults (``document_shape.document_upgrade``)."""
PLAN_FIELDS = ("instrument", "at_intake", "at_end", "repeat", "interval", "position")
# What an export says of each member of staff, and all an import takes: never a password, and
# never the site operator's flag (``is_superuser``).
USER_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "mobile",
    "is_active",
    "is_staff",
    "date_joined",
)

Record = dict[str, Any]


def _when(value: dt.datetime | dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _username(user_id: int | None, users: dict[int, str]) -> str | None:
    return None if user_id is None else users[user_id]


def episode_keys(episodes: list[Episode]) -> dict[int, str]:
    """``client code/start date/n`` for each episode (by pk), n from 1 in pk order."""
    keys: dict[int, str] = {}
    seen: dict[tuple[str, dt.date], int] = defaultdict(int)
    for episode in sorted(episodes, key=lambda e: e.pk):
        stem = (episode.client.code, episode.started_on)
        seen[stem] += 1
        keys[episode.pk] = f"{stem[0]}/{stem[1].isoformat()}/{seen[stem]}"
    return keys


def _grouped(rows: list[Any], attribute: str) -> dict[int, list[Any]]:
    groups: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, attribute)].append(row)
    return groups


def _history_ids(entries: Any) -> set[int]:
    """The ids of the staff an episode's or a session's history names (``"by"``)."""
    if not isinstance(entries, list):
        return set()
    return {
        e["by"]
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("by"), int) and not isinstance(e["by"], bool)
    }


def _plan(row: MeasurePlanItem | PlanDefault) -> Record:
    return {name: getattr(row, name) for name in PLAN_FIELDS}


def _organisation(org: Organisation) -> Record:
    """Every field of the organisation (settings included), so a restore keeps its switches."""
    record = {
        field.name: getattr(org, field.attname)
        for field in Organisation._meta.concrete_fields
        if not field.primary_key
    }
    record["created_at"] = _when(org.created_at)
    return record


def organisation_export(*, organisation: Organisation) -> Record:
    """The whole organisation as one JSON-ready document (format ``alliance-export`` v1)."""
    return _Exporter(organisation).document()


class _Exporter:
    """Reads each table once (a fixed number of queries whatever the size) and nests the rows
    under their episode."""

    def __init__(self, organisation: Organisation) -> None:
        self.org = organisation
        self.episodes = list(
            Episode.objects.filter(client__organisation=organisation)
            .select_related("client", "team")
            .order_by("pk")
        )
        self.keys = episode_keys(self.episodes)
        in_org = {"episode__client__organisation": organisation}
        self.sessions = list(
            Session.objects.filter(**in_org).prefetch_related("attended_by").order_by("pk")
        )
        # Sessions are named by their position in the episode (1, 2, ... in pk order): a
        # cancelled or withdrawn session has no number, and an alert may point at one.
        self.ref: dict[int, int] = {}
        for rows in _grouped(self.sessions, "episode_id").values():
            self.ref.update({s.pk: n for n, s in enumerate(rows, start=1)})
        self.users = self._users()

    def _users(self) -> dict[int, str]:
        """Every member of staff the organisation's records name, members or not."""
        org = self.org
        in_org = {"session__episode__client__organisation": org}
        ids: set[int | None] = set(
            Membership.objects.filter(organisation=org).values_list("user_id", flat=True)
        )
        sources: list[tuple[type[Model], dict[str, Any], tuple[str, ...]]] = [
            (CareTeamMember, {"episode__client__organisation": org}, ("member_id",)),
            (
                Response,
                in_org,
                ("rater_user_id", "about_member_id", "author_user_id", "voided_by_id"),
            ),
            (Client, {"organisation": org}, ("created_by_id",)),
            (Session, {"episode__client__organisation": org}, ("booked_by_id",)),
            (
                ResponseVersion,
                {"response__" + k: v for k, v in in_org.items()},
                ("recorded_by_id",),
            ),
            (Goal, {"episode__client__organisation": org}, ("created_by_id",)),
            (GoalVersion, {"goal__episode__client__organisation": org}, ("recorded_by_id",)),
            (GoalRating, in_org, ("recorded_by_id",)),
            (Task, {"episode__client__organisation": org}, ("created_by_id",)),
            (Rupture, in_org, ("recorded_by_id",)),
            (Reflection, in_org, ("author_id",)),
            (Alert, {"episode__client__organisation": org}, ("acknowledged_by_id",)),
            (TrajectoryFit, {"organisation": org}, ("requested_by_id",)),
        ]
        for model, where, fields in sources:
            # Voided responses too: the export holds them (``Response.everything``).
            manager = Response.everything if model is Response else model._default_manager
            for row in manager.filter(**where).values_list(*fields):
                ids.update(row)
        for session in self.sessions:
            ids.update(user.pk for user in session.attended_by.all())
        for entries in [*(e.history for e in self.episodes), *(s.history for s in self.sessions)]:
            ids.update(_history_ids(entries))
        ids.update(voice_user_ids(org))
        known = {pk for pk in ids if pk is not None}
        return dict(User.objects.filter(pk__in=known).values_list("pk", "username"))

    def document(self) -> Record:
        org = self.org
        return {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "organisation": _organisation(org),
            "teams": sorted(org.teams.values_list("name", flat=True)),
            "users": self._user_records(),
            "memberships": [
                {
                    "user": self.users[m.user_id],
                    "team": m.team.name if m.team else None,
                    "role": m.role,
                }
                for m in Membership.objects.filter(organisation=org)
                .select_related("team")
                .order_by("pk")
            ],
            "clients": [
                self._client(c) for c in Client.objects.filter(organisation=org).order_by("pk")
            ],
            "plan_defaults": [
                {"team": row.team.name, "setting": row.setting, **_plan(row)}
                for row in PlanDefault.objects.filter(team__organisation=org)
                .select_related("team")
                .order_by("pk")
            ],
            "episodes": self._episode_records(),
            "trajectory_fits": [
                self._fit(f) for f in TrajectoryFit.objects.filter(organisation=org).order_by("pk")
            ],
            "team_sharing": team_sharing_export(org),
        }

    def _history(self, entries: list[Any]) -> list[Any]:
        """Earlier versions with who made each change by log-in name, not database id."""
        return [
            {**entry, "by": self.users.get(entry["by"], entry["by"])}
            if isinstance(entry, dict) and isinstance(entry.get("by"), int)
            else entry
            for entry in entries
        ]

    def _user_records(self) -> list[Record]:
        rows = User.objects.filter(pk__in=self.users).order_by("username").values(*USER_FIELDS)
        return [{**row, "date_joined": _when(row["date_joined"])} for row in rows]

    def _client(self, client: Client) -> Record:
        return {
            "code": client.code,
            "display_name": client.display_name,
            "birth_year": client.birth_year,
            "age_group": client.age_group,
            "email": client.email,
            "phone": client.phone,
            "consents_to_electronic_contact": client.consents_to_electronic_contact,
            "consents_to_email": client.consents_to_email,
            "consents_to_sms": client.consents_to_sms,
            "contact_consent_on": _when(client.contact_consent_on),
            "preferred_language": client.preferred_language,
            "created_by": _username(client.created_by_id, self.users),
            "created_at": _when(client.created_at),
        }

    def _fit(self, fit: TrajectoryFit) -> Record:
        return {
            "measure": fit.measure,
            "status": fit.status,
            "message": fit.message,
            "model_json": fit.model_json,
            "n_episodes": fit.n_episodes,
            "n_ratings": fit.n_ratings,
            "requested_by": _username(fit.requested_by_id, self.users),
            "requested_at": _when(fit.requested_at),
            "finished_at": _when(fit.finished_at),
            "is_active": fit.is_active,
            "activated_at": _when(fit.activated_at),
        }

    def _episode_records(self) -> list[Record]:
        org_filter = {"episode__client__organisation": self.org}
        in_session = {"session__episode__client__organisation": self.org}
        self.children = {
            "care_team": _grouped(
                list(CareTeamMember.objects.filter(**org_filter).order_by("pk")), "episode_id"
            ),
            "sessions": _grouped(self.sessions, "episode_id"),
            "goals": _grouped(list(Goal.objects.filter(**org_filter).order_by("pk")), "episode_id"),
            "tasks": _grouped(list(Task.objects.filter(**org_filter).order_by("pk")), "episode_id"),
            "alerts": _grouped(
                list(Alert.objects.filter(**org_filter).order_by("pk")), "episode_id"
            ),
            "plan": _grouped(
                list(MeasurePlanItem.objects.filter(**org_filter).order_by("position", "pk")),
                "episode_id",
            ),
        }
        # Voided responses too, with who voided them and why: a restore keeps the history.
        self.responses = _grouped(
            list(Response.everything.filter(**in_session).order_by("pk")), "session_id"
        )
        self.response_versions = _grouped(
            list(
                ResponseVersion.objects.filter(
                    **{"response__" + k: v for k, v in in_session.items()}
                ).order_by("pk")
            ),
            "response_id",
        )
        goal_filter = {"goal__episode__client__organisation": self.org}
        self.goal_versions = _grouped(
            list(GoalVersion.objects.filter(**goal_filter).order_by("pk")), "goal_id"
        )
        self.goal_ratings = _grouped(
            list(GoalRating.objects.filter(**goal_filter).order_by("pk")), "goal_id"
        )
        self.ruptures = _grouped(
            list(Rupture.objects.filter(**in_session).order_by("pk")), "session_id"
        )
        self.reflections = _grouped(
            list(Reflection.objects.filter(**in_session).order_by("pk")), "session_id"
        )
        self.voice = VoiceExport(self.org, self.ref, self.users)
        return [self._episode(e) for e in self.episodes]

    def _episode(self, episode: Episode) -> Record:
        sessions = self.children["sessions"][episode.pk]
        goals = self.children["goals"][episode.pk]
        self.goal_position = {goal.pk: n for n, goal in enumerate(goals, start=1)}
        return {
            "key": self.keys[episode.pk],
            "client": episode.client.code,
            "team": episode.team.name,
            "setting": episode.setting,
            "started_on": _when(episode.started_on),
            "ended_on": _when(episode.ended_on),
            "ending": episode.ending,
            "outcome_measure": episode.outcome_measure,
            "alliance_measure": episode.alliance_measure,
            "share_progress_with_client": episode.share_progress_with_client,
            "continues": self.keys.get(episode.continues_id) if episode.continues_id else None,
            "history": self._history(episode.history),
            "plan": [_plan(row) for row in self.children["plan"][episode.pk]],
            "care_team": [
                {"member": self.users[m.member_id], "role": m.role, "joined_on": _when(m.joined_on)}
                for m in self.children["care_team"][episode.pk]
            ],
            "sessions": [self._session(s) for s in sessions],
            "goals": [self._goal(g) for g in goals],
            "tasks": [self._task(t) for t in self.children["tasks"][episode.pk]],
            "alerts": [self._alert(a) for a in self.children["alerts"][episode.pk]],
            "voice": self.voice.episode(episode),
        }

    def _session(self, session: Session) -> Record:
        return {
            "number": session.number,
            "starts_at": _when(session.starts_at),
            "status": session.status,
            "duration_minutes": session.duration_minutes,
            "mode": session.mode,
            "series": None if session.series is None else str(session.series),
            "cancelled_by": session.cancelled_by,
            "reason": session.reason,
            "final": session.final,
            "due": session.due,
            "history": self._history(session.history),
            "booked_by": _username(session.booked_by_id, self.users),
            "booked_at": _when(session.booked_at),
            "attended_by": sorted(self.users[u.pk] for u in session.attended_by.all()),
            "responses": [self._response(r) for r in self.responses[session.pk]],
            "ruptures": [self._rupture(r) for r in self.ruptures[session.pk]],
            "reflections": [self._reflection(r) for r in self.reflections[session.pk]],
        }

    def _response(self, response: Response) -> Record:
        return {
            "idempotency_key": str(response.idempotency_key),
            "instrument": response.instrument,
            "rater": response.rater,
            "rater_user": _username(response.rater_user_id, self.users),
            "about_member": _username(response.about_member_id, self.users),
            "author": response.author,
            "author_user": _username(response.author_user_id, self.users),
            "method": response.method,
            "items": response.items,
            "total": response.total,
            "subscales": response.subscales,
            "band": response.band,
            "risk_items": response.risk_items,
            "prorated": response.prorated,
            "answered_at": _when(response.answered_at),
            "voided_at": _when(response.voided_at),
            "voided_by": _username(response.voided_by_id, self.users),
            "void_reason": response.void_reason,
            "version": response.version,
            "versions": [
                {
                    "version": v.version,
                    "items": v.items,
                    "total": v.total,
                    "subscales": v.subscales,
                    "recorded_at": _when(v.recorded_at),
                    "recorded_by": _username(v.recorded_by_id, self.users),
                    "reason": v.reason,
                }
                for v in self.response_versions[response.pk]
            ],
        }

    def _goal(self, goal: Goal) -> Record:
        return {
            "text": goal.text,
            "agreed": goal.agreed,
            "status": goal.status,
            "set_in": self.ref.get(goal.set_in_id) if goal.set_in_id else None,
            "replaces": self.goal_position[goal.replaces_id] if goal.replaces_id else None,
            "version": goal.version,
            "created_at": _when(goal.created_at),
            "created_by": self.users[goal.created_by_id],
            "versions": [
                {
                    "version": v.version,
                    "text": v.text,
                    "agreed": v.agreed,
                    "status": v.status,
                    "note": v.note,
                    "recorded_at": _when(v.recorded_at),
                    "recorded_by": self.users[v.recorded_by_id],
                }
                for v in self.goal_versions[goal.pk]
            ],
            "ratings": [
                {
                    "session": self.ref[r.session_id],
                    "rating": r.rating,
                    "earlier": r.earlier,
                    "recorded_at": _when(r.recorded_at),
                    "recorded_by": self.users[r.recorded_by_id],
                }
                for r in self.goal_ratings[goal.pk]
            ],
        }

    def _task(self, task: Task) -> Record:
        return {
            "agreed_in": self.ref[task.agreed_in_id],
            "what": task.what,
            "goal": self.goal_position[task.goal_id] if task.goal_id else None,
            "rationale": task.rationale,
            "client_agreed": task.client_agreed,
            "outcome": task.outcome,
            "reviewed_in": self.ref[task.reviewed_in_id] if task.reviewed_in_id else None,
            "review_note": task.review_note,
            "history": task.history,
            "created_at": _when(task.created_at),
            "created_by": self.users[task.created_by_id],
        }

    def _rupture(self, rupture: Rupture) -> Record:
        return {
            "markers": rupture.markers,
            "noticed_by": rupture.noticed_by,
            "strategies": rupture.strategies,
            "resolution": rupture.resolution,
            "note": rupture.note,
            "history": rupture.history,
            "recorded_at": _when(rupture.recorded_at),
            "recorded_by": self.users[rupture.recorded_by_id],
        }

    def _reflection(self, reflection: Reflection) -> Record:
        return {
            "author": self.users[reflection.author_id],
            "experiences": reflection.experiences,
            "text": reflection.text,
            "history": reflection.history,
            "created_at": _when(reflection.created_at),
            "updated_at": _when(reflection.updated_at),
        }

    def _alert(self, alert: Alert) -> Record:
        return {
            "session": self.ref[alert.session_id],
            "rule": alert.rule,
            "severity": alert.severity,
            "priority": alert.priority,
            "evidence": alert.evidence,
            "advice_code": alert.advice_code,
            "advice": alert.advice,
            "pathway": alert.pathway,
            "raised_at": _when(alert.raised_at),
            "acknowledged_at": _when(alert.acknowledged_at),
            "acknowledged_by": _username(alert.acknowledged_by_id, self.users),
            "acknowledgement_note": alert.acknowledgement_note,
            "measure": alert.measure,
            "state": alert.state,
            "since_session": alert.since_session,
            "closed_by_session": alert.closed_by_session,
            "snooze_reason": alert.snooze_reason,
            "snoozed_at_session": alert.snoozed_at_session,
        }
