"""The client's own words and the baseline in the full export (issue 19; docs/transfer.md,
"The client's voice"): each episode's ``"voice"`` record holds its agenda topics (with the
clinician's covered marks and their history), the comments given with alliance ratings, the
hopes and theories of change, and the baseline before treatment; the document's
``"team_sharing"`` holds each team's choice to let clients see their progress.

Named by natural keys like the rest of the document: a topic by its session's position in the
episode and its position in the session, a comment by its response's submission key, hopes by
when they were given, the baseline by its submission key (one per episode). Both keys are
optional on import, so an export written before them still restores. The research CSV carries
none of it (``alliance.transfer.research`` names its columns).
"""

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from operator import attrgetter
from typing import Any

from django.utils.translation import gettext_noop

from alliance.accounts.models import Organisation, Team, User
from alliance.care.models import Episode, Session
from alliance.measures.models import Method, Response
from alliance.science.messages import Message
from alliance.science.ratings_table import RowError
from alliance.transfer.messages import said_error
from alliance.voice.forms import words_problem
from alliance.voice.models import (
    AGENDA_TEXT_LENGTH,
    COMMENT_LENGTH,
    HOPES_LENGTH,
    MAX_AGENDA_ITEMS,
    AgendaItem,
    AgendaItemChange,
    AllianceComment,
    Baseline,
    ClientHopes,
    TeamSharing,
)

__all__ = [
    "TEAM_SHARING_SHAPE",
    "VOICE_SHAPE",
    "VoiceExport",
    "team_sharing_export",
    "team_sharing_restore",
    "voice_names",
    "voice_restore",
    "voice_user_ids",
    "voice_values",
]

Record = dict[str, Any]
STR, INT, BOOL, NUMBER = "string", "whole number", "true or false", "number"
DATETIME, UUID, OBJECT = "date and time", "UUID", "JSON object"
OPTIONAL = "optional"

VOICE_SHAPE: Record = {
    "agenda": [
        {
            "session": INT,
            "position": INT,
            "text": STR,
            "response": (OPTIONAL, UUID),
            "created_at": DATETIME,
            "covered_at": (OPTIONAL, DATETIME),
            "covered_by": (OPTIONAL, STR),
            "changes": [{"covered": BOOL, "changed_at": DATETIME, "changed_by": STR}],
        }
    ],
    "comments": [{"response": UUID, "text": STR, "created_at": DATETIME}],
    "hopes": [
        {
            "response": (OPTIONAL, UUID),
            "hopes": STR,
            "theory_of_change": STR,
            "created_at": DATETIME,
        }
    ],
    "baseline": (
        OPTIONAL,
        {
            "idempotency_key": UUID,
            "instrument": STR,
            "method": STR,
            "items": OBJECT,
            "answered_at": DATETIME,
        },
    ),
}
TEAM_SHARING_SHAPE: list[Record] = [{"team": STR, "clients_may_see_progress": BOOL}]


def _when(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _grouped(rows: Iterable[Any], attribute: str) -> dict[int, list[Any]]:
    """The rows by ``attribute`` (dotted for a related record's: ``session.episode_id``)."""
    key = attrgetter(attribute)
    found: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        found[key(row)].append(row)
    return found


def voice_user_ids(organisation: Organisation) -> set[int]:
    """The staff the voice records name (who marked a topic covered), for the users list."""
    in_org = {"session__episode__client__organisation": organisation}
    ids = set(AgendaItem.objects.filter(**in_org).values_list("covered_by_id", flat=True))
    ids |= set(
        AgendaItemChange.objects.filter(
            item__session__episode__client__organisation=organisation
        ).values_list("changed_by_id", flat=True)
    )
    return {pk for pk in ids if pk is not None}


class VoiceExport:
    """Reads the organisation's voice records once (a fixed number of queries) and gives each
    episode's ``"voice"`` record."""

    def __init__(
        self, organisation: Organisation, ref: Mapping[int, int], users: Mapping[int, str]
    ):
        in_org = {"session__episode__client__organisation": organisation}
        self.ref, self.users = ref, users
        self.agenda = _grouped(
            AgendaItem.objects.filter(**in_org)
            .select_related("session", "response")
            .order_by("session_id", "position"),
            "session.episode_id",
        )
        self.changes = _grouped(
            AgendaItemChange.objects.filter(
                item__session__episode__client__organisation=organisation
            ).order_by("pk"),
            "item_id",
        )
        self.comments = _grouped(
            AllianceComment.objects.filter(**in_org).select_related("session", "response")
            .order_by("pk"),
            "session.episode_id",
        )  # fmt: skip
        in_episode = {"episode__client__organisation": organisation}
        self.hopes = _grouped(
            ClientHopes.objects.filter(**in_episode).select_related("response").order_by("pk"),
            "episode_id",
        )
        self.baselines = {b.episode_id: b for b in Baseline.objects.filter(**in_episode)}

    def episode(self, episode: Episode) -> Record:
        baseline = self.baselines.get(episode.pk)
        return {
            "agenda": [self._item(item) for item in self.agenda[episode.pk]],
            "comments": [
                {
                    "response": str(c.response.idempotency_key),
                    "text": c.text,
                    "created_at": _when(c.created_at),
                }
                for c in self.comments[episode.pk]
            ],
            "hopes": [
                {
                    "response": str(h.response.idempotency_key) if h.response else None,
                    "hopes": h.hopes,
                    "theory_of_change": h.theory_of_change,
                    "created_at": _when(h.created_at),
                }
                for h in self.hopes[episode.pk]
            ],
            "baseline": None
            if baseline is None
            else {
                "idempotency_key": str(baseline.idempotency_key),
                "instrument": baseline.instrument,
                "method": baseline.method,
                "items": baseline.items,
                "answered_at": _when(baseline.answered_at),
            },
        }

    def _item(self, item: AgendaItem) -> Record:
        return {
            "session": self.ref[item.session_id],
            "position": item.position,
            "text": item.text,
            "response": str(item.response.idempotency_key) if item.response else None,
            "created_at": _when(item.created_at),
            "covered_at": _when(item.covered_at),
            "covered_by": self.users.get(item.covered_by_id) if item.covered_by_id else None,
            "changes": [
                {
                    "covered": c.covered,
                    "changed_at": _when(c.changed_at),
                    "changed_by": self.users[c.changed_by_id],
                }
                for c in self.changes[item.pk]
            ],
        }


def team_sharing_export(organisation: Organisation) -> list[Record]:
    rows = TeamSharing.objects.filter(team__organisation=organisation).select_related("team")
    return [
        {"team": row.team.name, "clients_may_see_progress": row.clients_may_see_progress}
        for row in rows.order_by("team__name")
    ]


# Checks before anything is written ------------------------------------------------------------

# "'x' is not among the episode's sessions": one sentence for each kind of name.
_NOT_AMONG = {
    "sessions": gettext_noop("%(value)s is not among the episode's sessions"),
    "responses": gettext_noop("%(value)s is not among the episode's responses"),
    "users": gettext_noop("%(value)s is not among the episode's users"),
}


def voice_names(
    at: str,
    voice: Record,
    *,
    sessions: set[Any],
    responses: set[str],
    users: set[Any],
) -> list[RowError]:
    """Every session, response and member of staff the voice record names is in the document
    (sessions and responses of the same episode)."""
    found: list[RowError] = []

    def need(where: str, value: Any, known: set[Any], what: str) -> None:
        if value is not None and value not in known:
            found.append(RowError.of(0, where, _NOT_AMONG[what], value=repr(value)))

    for k, item in enumerate(voice.get("agenda", [])):
        where = f"{at}.agenda[{k}]"
        need(f"{where}.session", item["session"], sessions, "sessions")
        need(f"{where}.response", item["response"], responses, "responses")
        need(f"{where}.covered_by", item["covered_by"], users, "users")
        for c, change in enumerate(item["changes"]):
            need(f"{where}.changes[{c}].changed_by", change["changed_by"], users, "users")
    for k, comment in enumerate(voice.get("comments", [])):
        need(f"{at}.comments[{k}].response", comment["response"], responses, "responses")
    for k, hopes in enumerate(voice.get("hopes", [])):
        need(f"{at}.hopes[{k}].response", hopes["response"], responses, "responses")
    return found


def _words(found: list[RowError], where: str, text: str, limit: int) -> None:
    label, text = where.rsplit(".", 1)[-1], text.strip()
    if words_problem(label, text, limit):
        # The portal form's own words, said again in the reader's language where shown.
        found.append(said_error(where, lambda: words_problem(label, text, limit) or ""))


def voice_values(
    at: str,
    voice: Record,
    *,
    installed: Mapping[str, Any],
    scored: Callable[[str, Record], None],
) -> list[RowError]:
    """What the portal's form refuses is refused here too, naming the field: a topic, comment
    or hopes too long, holding markup or empty; more than three topics a session, two topics
    at one place, two comments on one response; a baseline of a measure not installed or
    answered in a way not allowed. ``scored`` checks (and reports) the baseline's answers."""
    found: list[RowError] = []
    places = []
    for k, item in enumerate(voice.get("agenda", [])):
        where = f"{at}.agenda[{k}]"
        _words(found, f"{where}.text", item["text"], AGENDA_TEXT_LENGTH)
        if not item["text"].strip():
            said = gettext_noop("empty; a topic says something")
            found.append(RowError.of(0, f"{where}.text", said))
        if not 1 <= item["position"] <= MAX_AGENDA_ITEMS:
            said = gettext_noop("allowed 1 to %(most)s")
            found.append(RowError.of(0, f"{where}.position", said, most=MAX_AGENDA_ITEMS))
        if (item["covered_at"] is None) != (item["covered_by"] is None):
            said = gettext_noop("a covered mark names who and when")
            found.append(RowError.of(0, f"{where}.covered_by", said))
        places.append((item["session"], item["position"]))
    if len(places) != len(set(places)):
        said = gettext_noop("two topics at one session and position")
        found.append(RowError.of(0, f"{at}.agenda", said))
    responses = [c["response"] for c in voice.get("comments", [])]
    if len(responses) != len(set(responses)):
        found.append(RowError.of(0, f"{at}.comments", gettext_noop("two comments on one response")))
    for k, comment in enumerate(voice.get("comments", [])):
        _words(found, f"{at}.comments[{k}].text", comment["text"], COMMENT_LENGTH)
        if not comment["text"].strip():
            found.append(RowError.of(0, f"{at}.comments[{k}].text", gettext_noop("empty")))
    for k, hopes in enumerate(voice.get("hopes", [])):
        for name in ("hopes", "theory_of_change"):
            _words(found, f"{at}.hopes[{k}].{name}", hopes[name], HOPES_LENGTH)
        if not hopes["hopes"].strip() and not hopes["theory_of_change"].strip():
            said = gettext_noop("empty; hopes say something")
            found.append(RowError.of(0, f"{at}.hopes[{k}]", said))
    baseline = voice.get("baseline")
    if baseline is not None:
        where = f"{at}.baseline"
        if not baseline["items"]:
            said = gettext_noop("empty; a baseline holds the answers")
            found.append(RowError.of(0, f"{where}.items", said))
        elif baseline["instrument"] not in installed:
            allowed = ", ".join(sorted(installed))
            said = gettext_noop("not installed; allowed %(allowed)s")
            found.append(RowError.of(0, f"{where}.instrument", said, allowed=allowed))
        else:
            scored(where, baseline)
        if baseline["method"] not in Method.values:
            allowed = ", ".join(Method.values)
            said = gettext_noop("allowed %(allowed)s")
            found.append(RowError.of(0, f"{where}.method", said, allowed=allowed))
    return found


# Writing ----------------------------------------------------------------------------------


def _time(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def _moment(text: str) -> dt.datetime:
    """A time the record always has (a required field of the export)."""
    return dt.datetime.fromisoformat(text)


def voice_restore(
    *,
    episode: Episode,
    voice: Record,
    sessions: Mapping[Any, Session],
    user: Callable[[str | None], User | None],
    scores: Callable[[Record], Record],
    new: Callable[[str, list[Any]], list[Any]],
) -> None:
    """Write the episode's voice records that are not there yet (found by their natural
    keys); ``new`` stores and counts them. Refuses a baseline whose key is another episode's
    (``ValueError``; its one argument is a :class:`Message`, its ``str`` English)."""
    keys = {
        str(k): r
        for k, r in Response.everything.filter(session__episode=episode)
        .values_list("idempotency_key", "pk")
    }  # fmt: skip
    _agenda(episode, voice.get("agenda", []), sessions, keys, user, new)
    _comments(episode, voice.get("comments", []), keys, new)
    _hopes(episode, voice.get("hopes", []), keys, new)
    _baseline(episode, voice.get("baseline"), scores, new)


def _agenda(
    episode: Episode,
    records: list[Record],
    sessions: Mapping[Any, Session],
    keys: Mapping[str, int],
    user: Callable[[str | None], User | None],
    new: Callable[[str, list[Any]], list[Any]],
) -> None:
    have = set(
        AgendaItem.objects.filter(session__episode=episode).values_list("session_id", "position")
    )
    fresh = [r for r in records if (sessions[r["session"]].pk, r["position"]) not in have]
    items = new(
        "agenda items",
        [
            AgendaItem(
                session=sessions[r["session"]],
                response_id=keys.get(r["response"]) if r["response"] else None,
                position=r["position"],
                text=r["text"],
                created_at=_moment(r["created_at"]),
                covered_at=_time(r["covered_at"]),
                covered_by=user(r["covered_by"]),
            )
            for r in fresh
        ],
    )
    new(
        "agenda item changes",
        [
            AgendaItemChange(
                item=item,
                covered=c["covered"],
                changed_at=_moment(c["changed_at"]),
                changed_by=user(c["changed_by"]),
            )
            for item, r in zip(items, fresh, strict=True)
            for c in r["changes"]
        ],
    )


def _comments(
    episode: Episode,
    records: list[Record],
    keys: Mapping[str, int],
    new: Callable[[str, list[Any]], list[Any]],
) -> None:
    have = set(
        AllianceComment.objects.filter(session__episode=episode).values_list(
            "response_id", flat=True
        )
    )
    responses = Response.everything.in_bulk([keys[r["response"]] for r in records])
    new(
        "alliance comments",
        [
            AllianceComment(
                response_id=keys[r["response"]],
                session_id=responses[keys[r["response"]]].session_id,
                text=r["text"],
                created_at=_moment(r["created_at"]),
            )
            for r in records
            if keys[r["response"]] not in have
        ],
    )


def _hopes(
    episode: Episode,
    records: list[Record],
    keys: Mapping[str, int],
    new: Callable[[str, list[Any]], list[Any]],
) -> None:
    have = {
        (when.isoformat(), hopes, theory)
        for when, hopes, theory in ClientHopes.objects.filter(episode=episode).values_list(
            "created_at", "hopes", "theory_of_change"
        )
    }
    new(
        "client hopes",
        [
            ClientHopes(
                episode=episode,
                response_id=keys.get(r["response"]) if r["response"] else None,
                hopes=r["hopes"],
                theory_of_change=r["theory_of_change"],
                created_at=_moment(r["created_at"]),
            )
            for r in records
            if (_iso(r["created_at"]), r["hopes"], r["theory_of_change"]) not in have
        ],
    )


def _iso(text: str) -> str:
    return dt.datetime.fromisoformat(text).isoformat()


def _baseline(
    episode: Episode,
    record: Record | None,
    scores: Callable[[Record], Record],
    new: Callable[[str, list[Any]], list[Any]],
) -> None:
    if record is None or Baseline.objects.filter(episode=episode).exists():
        return
    key = uuid.UUID(record["idempotency_key"])
    if Baseline.objects.filter(idempotency_key=key).exists():
        template = gettext_noop(
            "baseline %(key)s is already stored for another episode; an export can be restored "
            "into one organisation only"
        )
        raise ValueError(Message(template, {"key": str(key)}))
    scored = scores(record)
    new(
        "baselines",
        [
            Baseline(
                episode=episode,
                instrument=record["instrument"],
                method=record["method"],
                items=scored["items"],
                total=scored["total"],
                subscales=scored["subscales"],
                band=scored.get("band", ""),
                prorated=scored.get("prorated", False),
                answered_at=_moment(record["answered_at"]),
                idempotency_key=key,
            )
        ],
    )


def team_sharing_restore(
    rows: list[Record], teams: Mapping[str, Team], new: Callable[[str, list[Any]], list[Any]]
) -> None:
    have = set(
        TeamSharing.objects.filter(team__in=list(teams.values())).values_list("team_id", flat=True)
    )
    new(
        "team sharing",
        [
            TeamSharing(
                team=teams[r["team"]], clients_may_see_progress=r["clients_may_see_progress"]
            )
            for r in rows
            if teams[r["team"]].pk not in have
        ],
    )
