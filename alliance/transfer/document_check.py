"""Checking a full export before anything is written: its format and version, its shape (every
field present with its JSON type, :mod:`alliance.transfer.document_shape`), that every name it
uses (team, member of staff, client, session number, goal position) is defined in it, and its
values as the form and the API check them (:mod:`alliance.transfer.document_values`). Problems
are reported as ``RowError`` with the JSON path in place of a row: ``row 0`` is the document as
a whole."""

from typing import Any

from django.utils.translation import gettext_noop

from alliance.science.ratings_table import RowError
from alliance.transfer.document_shape import shape_problems
from alliance.transfer.document_values import value_problems
from alliance.transfer.selectors import EXPORT_FORMAT, READABLE_VERSIONS, USER_FIELDS
from alliance.transfer.voice_records import voice_names

__all__ = ["document_problems"]

# "'x' is not among the export's users": one sentence for each kind of name.
_NOT_AMONG = {
    "users": gettext_noop("%(value)s is not among the export's users"),
    "teams": gettext_noop("%(value)s is not among the export's teams"),
    "clients": gettext_noop("%(value)s is not among the export's clients"),
    "episodes": gettext_noop("%(value)s is not among the export's episodes"),
    "sessions": gettext_noop("%(value)s is not among the export's sessions"),
    "goals": gettext_noop("%(value)s is not among the export's goals"),
}

_TOP = (
    "organisation",
    "teams",
    "users",
    "memberships",
    "clients",
    "plan_defaults",
    "episodes",
    "trajectory_fits",
)


def document_problems(document: Any) -> list[RowError]:
    """Every problem found; empty when the document can be restored. A version-1 export is
    judged as ``document_shape.document_upgrade`` makes it (the import calls that first)."""
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        return [
            RowError.of(
                0,
                "format",
                gettext_noop("not an Alliance export; expected %(format)s"),
                format=repr(EXPORT_FORMAT),
            )
        ]
    if document.get("version") not in READABLE_VERSIONS:
        allowed = ", ".join(str(v) for v in READABLE_VERSIONS)
        return [
            RowError.of(
                0,
                "version",
                gettext_noop(
                    "%(version)s is not a version this Alliance reads; allowed %(allowed)s"
                ),
                version=repr(document.get("version")),
                allowed=allowed,
            )
        ]
    missing = [name for name in _TOP if name not in document]
    if missing:
        said = gettext_noop("missing from the export")
        return [RowError.of(0, name, said) for name in missing]
    extra = _Names.extra_user_fields(document)
    shape = shape_problems(document)
    if shape or extra:
        return extra + shape
    return _Names(document).problems() or value_problems(document)


class _Names:
    def __init__(self, document: dict[str, Any]) -> None:
        self.doc = document
        self.teams = set(document["teams"])
        self.users = {u.get("username") for u in document["users"]}
        self.clients = {c.get("code") for c in document["clients"]}
        self.episodes = {e.get("key") for e in document["episodes"]}
        # Version 1 named sessions by number; version 2 by position in the episode.
        self.by_number = document.get("version") == 1
        self.found: list[RowError] = []

    def need(
        self, where: str, value: Any, known: set[Any], what: str, *, blank_ok: bool = False
    ) -> None:
        if (value is None and blank_ok) or value in known:
            return
        self.found.append(RowError.of(0, where, _NOT_AMONG[what], value=repr(value)))

    @staticmethod
    def extra_user_fields(document: dict[str, Any]) -> list[RowError]:
        """Fields of a member of staff an import never takes (a password, the superuser flag)."""
        found = []
        allowed = ", ".join(USER_FIELDS)
        users = document["users"] if isinstance(document["users"], list) else []
        for i, user in enumerate(users):
            for name in sorted(set(user) - set(USER_FIELDS)) if isinstance(user, dict) else []:
                template = gettext_noop("not a field an import takes; allowed: %(allowed)s")
                found.append(RowError.of(0, f"users[{i}].{name}", template, allowed=allowed))
        return found

    def problems(self) -> list[RowError]:
        for i, m in enumerate(self.doc["memberships"]):
            self.need(f"memberships[{i}].user", m.get("user"), self.users, "users")
            self.need(f"memberships[{i}].team", m.get("team"), self.teams, "teams", blank_ok=True)
        for i, client in enumerate(self.doc["clients"]):
            where = f"clients[{i}].created_by"
            self.need(where, client.get("created_by"), self.users, "users", blank_ok=True)
        for i, row in enumerate(self.doc["plan_defaults"]):
            self.need(f"plan_defaults[{i}].team", row.get("team"), self.teams, "teams")
        for i, row in enumerate(self.doc.get("team_sharing", [])):
            self.need(f"team_sharing[{i}].team", row.get("team"), self.teams, "teams")
        for i, episode in enumerate(self.doc["episodes"]):
            self.episode(f"episodes[{i}]", episode)
            if "voice" in episode:
                self.found += voice_names(
                    f"episodes[{i}].voice",
                    episode["voice"],
                    sessions=self._refs(episode.get("sessions", [])),
                    responses={
                        r.get("idempotency_key")
                        for s in episode.get("sessions", [])
                        for r in s.get("responses", [])
                    },
                    users=self.users,
                )
        return self.found

    def _history_names(self, at: str, entries: Any) -> None:
        """Who made each earlier version (``"by"``, a log-in name) is among the users."""
        for k, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, dict) and isinstance(entry.get("by"), str):
                self.need(f"{at}[{k}].by", entry["by"], self.users, "users")

    def _refs(self, sessions: list[Any]) -> set[Any]:
        if self.by_number:
            return {s.get("number") for s in sessions}
        return set(range(1, len(sessions) + 1))

    def _session_refs(self, at: str, sessions: list[Any]) -> set[Any]:
        if not self.by_number:
            return set(range(1, len(sessions) + 1))
        for j, session in enumerate(sessions):
            if session.get("number") is None:
                where = f"{at}.sessions[{j}].number"
                said = gettext_noop("a version-1 export numbers every session")
                self.found.append(RowError.of(0, where, said))
        return {s.get("number") for s in sessions}

    def episode(self, at: str, episode: dict[str, Any]) -> None:
        self.need(f"{at}.client", episode.get("client"), self.clients, "clients")
        self.need(f"{at}.team", episode.get("team"), self.teams, "teams")
        numbers = self._session_refs(at, episode.get("sessions", []))
        self._history_names(f"{at}.history", episode.get("history"))
        if episode.get("continues") == episode.get("key"):
            said = gettext_noop("an episode cannot continue itself")
            self.found.append(RowError.of(0, f"{at}.continues", said))
        self.need(
            f"{at}.continues", episode.get("continues"), self.episodes, "episodes", blank_ok=True
        )
        goals = set(range(1, len(episode.get("goals", [])) + 1))
        for j, member in enumerate(episode.get("care_team", [])):
            self.need(f"{at}.care_team[{j}].member", member.get("member"), self.users, "users")
        for j, session in enumerate(episode.get("sessions", [])):
            here = f"{at}.sessions[{j}]"
            for k, name in enumerate(session["attended_by"]):
                self.need(f"{here}.attended_by[{k}]", name, self.users, "users")
            self._history_names(f"{here}.history", session.get("history"))
            booked_by = session.get("booked_by")
            self.need(f"{here}.booked_by", booked_by, self.users, "users", blank_ok=True)
            for k, response in enumerate(session.get("responses", [])):
                for name in ("rater_user", "about_member", "author_user", "voided_by"):
                    where = f"{here}.responses[{k}].{name}"
                    self.need(where, response.get(name), self.users, "users", blank_ok=True)
                for v, version in enumerate(response["versions"]):
                    where = f"{here}.responses[{k}].versions[{v}].recorded_by"
                    self.need(where, version["recorded_by"], self.users, "users", blank_ok=True)
            for k, rupture in enumerate(session["ruptures"]):
                where = f"{here}.ruptures[{k}].recorded_by"
                self.need(where, rupture["recorded_by"], self.users, "users")
            for k, reflection in enumerate(session["reflections"]):
                where = f"{here}.reflections[{k}].author"
                self.need(where, reflection["author"], self.users, "users")
        for j, goal in enumerate(episode.get("goals", [])):
            self.need(
                f"{at}.goals[{j}].set_in", goal.get("set_in"), numbers, "sessions", blank_ok=True
            )
            self.need(
                f"{at}.goals[{j}].replaces", goal.get("replaces"), goals, "goals", blank_ok=True
            )
            self.need(f"{at}.goals[{j}].created_by", goal["created_by"], self.users, "users")
            for k, version in enumerate(goal["versions"]):
                where = f"{at}.goals[{j}].versions[{k}].recorded_by"
                self.need(where, version["recorded_by"], self.users, "users")
            for k, rating in enumerate(goal.get("ratings", [])):
                self.need(
                    f"{at}.goals[{j}].ratings[{k}].session",
                    rating.get("session"),
                    numbers,
                    "sessions",
                )
                where = f"{at}.goals[{j}].ratings[{k}].recorded_by"
                self.need(where, rating["recorded_by"], self.users, "users")
        for j, task in enumerate(episode.get("tasks", [])):
            self.need(f"{at}.tasks[{j}].agreed_in", task.get("agreed_in"), numbers, "sessions")
            self.need(f"{at}.tasks[{j}].goal", task.get("goal"), goals, "goals", blank_ok=True)
            where = f"{at}.tasks[{j}].reviewed_in"
            self.need(where, task["reviewed_in"], numbers, "sessions", blank_ok=True)
            self.need(f"{at}.tasks[{j}].created_by", task["created_by"], self.users, "users")
        for j, alert in enumerate(episode.get("alerts", [])):
            self.need(f"{at}.alerts[{j}].session", alert.get("session"), numbers, "sessions")
            for name in ("since_session", "closed_by_session", "snoozed_at_session"):
                where = f"{at}.alerts[{j}].{name}"
                self.need(where, alert.get(name), numbers, "sessions", blank_ok=True)
            where = f"{at}.alerts[{j}].acknowledged_by"
            self.need(where, alert["acknowledged_by"], self.users, "users", blank_ok=True)
