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
from collections import defaultdict
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext_noop

from alliance.accounts.models import Membership, Organisation, Team, User
from alliance.care.models import (
    Client,
    Episode,
    PlanDefault,
)
from alliance.feedback.models import Alert, TrajectoryFit
from alliance.feedback.services import alerts_refresh
from alliance.measures.models import Response
from alliance.science.messages import Message
from alliance.transfer.restore_episode import (
    AccessRefused,
    EpisodeRestorer,
    Record,
    RestoreConflict,
    Step,
    parse_day,
    parse_time,
)
from alliance.transfer.selectors import PLAN_FIELDS, episode_keys
from alliance.transfer.voice_records import team_sharing_restore

# The flag that allows an import to change access in an existing organisation.
ACCESS_FLAG = "--allow-access-changes"

__all__ = ["AccessRefused", "RestoreConflict", "document_restore"]


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
            self.stamps[type(obj)][name].append((obj, parse_time(text)))

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
            user.date_joined = dt.datetime.fromisoformat(record["date_joined"])
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

    def access_change(self, at: str, what: Message) -> None:
        """Refuse a new membership or care-team member in an existing organisation unless the
        import was asked to make such changes; ``what`` says the change."""
        if self.existing and not self.allow_access:
            template = gettext_noop(
                "%(change)s; %(organisation)s exists already, so this would change who has "
                "access there. Nothing was written; import with %(flag)s to allow it"
            )
            params = {"change": what, "organisation": self.name, "flag": ACCESS_FLAG}
            raise AccessRefused(Message(template, params), at)

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
            template = gettext_noop("would give %(user)s the role %(role)s")
            self.access_change(
                f"memberships[{i}]", Message(template, {"user": repr(m["user"]), "role": m["role"]})
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
                    **{**taken, "contact_consent_on": parse_day(record["contact_consent_on"])},
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
            if (record["measure"], parse_time(record["requested_at"])) in have:
                continue
            fit = TrajectoryFit(
                organisation=self.org,
                requested_by=self._user(record["requested_by"]),
                finished_at=parse_time(record["finished_at"]),
                activated_at=parse_time(record["activated_at"]),
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
                started_on=dt.date.fromisoformat(record["started_on"]),
                ended_on=parse_day(record["ended_on"]),
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
        EpisodeRestorer(self, episode, record, at).write()

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
                model._default_manager.bulk_update(objects, [name], batch_size=500)
