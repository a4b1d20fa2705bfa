"""Historical ratings from the research CSV (the format ``alliance analyze`` reads) into an
organisation: clients, episodes, sessions and responses (method "import").

The table is checked by :mod:`alliance.science.ratings_table` first; this module adds only what a
database needs beyond the analysis: a date on every row (a session needs a day), a clinician id
that is the log-in name of a clinician of the organisation, and item answers that add up to the
score. Every row is keyed so a second run finds what the first wrote: the client by
``client_id`` (or ``episode_id`` when there is none), the episode by client and first session
date, the session by number, the response by its session, measure and rater (and a submission
key derived from those with a server-side secret, ``settings.IMPORT_KEY_SECRET``, so nobody
without the secret can compute, read or pre-empt an import's key).
"""

import datetime as dt
import hashlib
import hmac
import math
import uuid
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from alliance.accounts.models import Membership, Organisation, Role, Team, User
from alliance.care.models import CareRole, CareTeamMember, Client, Episode, Session, SessionStatus
from alliance.feedback.ratings import history_recorded
from alliance.measures import catalogue
from alliance.measures.models import Method, Rater, Response, ResponseVersion
from alliance.measures.services import EARLIEST_DATE, MAX_SESSION_NUMBER, response_record
from alliance.science.instruments import Instrument, ResponseError, score_response, validate_values
from alliance.science.messages import Message, Number
from alliance.science.ratings_table import RatingsTable, RowError

__all__ = ["RATINGS_NAMESPACE", "RowRefused", "import_key", "ratings_check", "ratings_write"]

# The namespace of the keys earlier versions derived without a secret (uuid5 of guessable text);
# kept only so a rating imported by them is still recognised (never trusted from another record).
RATINGS_NAMESPACE = uuid.UUID("6f1d8a52-3a51-4f7e-9d55-2f0c1b6b8e1a")
# A session in the research format is a day; it is stored at noon so no time zone moves it.
SESSION_HOUR = dt.time(12, 0)
_SCORE_TOLERANCE = 1e-6


class RowRefused(ValueError):
    """A row found wrong while writing (its submission key taken by another record): the import
    is rolled back and the row, column and reason reported."""

    def __init__(self, row: int, column: str, message: str | Message) -> None:
        super().__init__(f"row {row}, column {column}: {message}")
        if isinstance(message, Message):
            self.error = RowError.said(row, column, message)
        else:
            self.error = RowError(row, column, message)


def import_key(name: str) -> uuid.UUID:
    """The submission key of an imported rating: the first 128 bits of
    HMAC-SHA256(``settings.IMPORT_KEY_SECRET``, ``name``), as a UUID (version 8, RFC 9562).
    Stable for a given secret, so a re-run finds what the first run wrote; unguessable without
    it."""
    secret = settings.IMPORT_KEY_SECRET.encode()
    digest = hmac.new(secret, f"ratings-import:{name}".encode(), hashlib.sha256).digest()
    raw = bytearray(digest[:16])
    raw[6] = (raw[6] & 0x0F) | 0x80  # version 8: custom
    raw[8] = (raw[8] & 0x3F) | 0x80  # the RFC variant
    return uuid.UUID(bytes=bytes(raw))


@dataclass(frozen=True)
class _Row:
    row: int
    episode_id: str
    client_code: str
    clinician: str
    session: int
    measure: str
    rater: str
    age_group: str
    score: float
    date: dt.date
    items: dict[str, float]


def _clinicians(organisation: Organisation) -> dict[str, Team]:
    """Each clinician's log-in name and the team their episodes go to (their first team)."""
    teams: dict[str, Team] = {}
    memberships = (
        Membership.objects.filter(organisation=organisation, team__isnull=False)
        .filter(~Q(role=Role.SUPERVISOR))
        .select_related("user", "team")
        .order_by("pk")
    )
    for membership in memberships:
        teams.setdefault(membership.user.username, membership.team)  # type: ignore[arg-type]
    return teams


def _items(
    instrument: Instrument, record: pd.Series, item_columns: tuple[str, ...]
) -> dict[str, Any]:
    by_number = {item.number: item.code for item in instrument.items}
    values: dict[str, Any] = {}
    for column in item_columns:
        value = record[column]
        if not (isinstance(value, float) and math.isnan(value)):
            values[by_number[int(column.split("_")[1])]] = value
    return values


def ratings_check(
    table: RatingsTable, *, organisation: Organisation
) -> tuple[list[_Row], list[RowError]]:
    """The rows ready to write, and every reason a row cannot be imported."""
    errors: list[RowError] = []
    rows: list[_Row] = []
    teams = _clinicians(organisation)
    instruments = catalogue.instruments()
    for record in table.ratings.to_dict("records"):
        row = int(record["row"])
        problems = len(errors)
        if pd.isna(record["date"]):
            errors.append(
                RowError.of(
                    row, "date", gettext_noop("missing; the import needs the day of each session")
                )
            )
        else:
            _check_day(row, record["date"].date(), errors)
        if int(record["session"]) > MAX_SESSION_NUMBER:
            errors.append(
                RowError.of(
                    row,
                    "session",
                    gettext_noop(
                        "%(session)s is not a plausible session number; allowed 1 to %(most)s"
                    ),
                    session=int(record["session"]),
                    most=MAX_SESSION_NUMBER,
                )
            )
        if record["clinician_id"] not in teams:
            errors.append(
                RowError.of(
                    row,
                    "clinician_id",
                    gettext_noop(
                        "%(clinician)s is not the log-in name of a clinician in a team of "
                        "%(organisation)s"
                    ),
                    clinician=repr(record["clinician_id"]),
                    organisation=organisation.name,
                )
            )
        instrument = instruments[record["measure"]]
        items = _items(instrument, pd.Series(record), table.item_columns)
        clean = _scored_items(row, instrument, items, record, errors)
        if len(errors) == problems:
            rows.append(
                _Row(
                    row=row,
                    episode_id=record["episode_id"],
                    client_code=record["client_id"] or record["episode_id"],
                    clinician=record["clinician_id"],
                    session=int(record["session"]),
                    measure=record["measure"],
                    rater=record["rater"],
                    age_group=record["age_group"],
                    score=float(record["score"]),
                    date=record["date"].date(),
                    items=clean,
                )
            )
    errors.extend(_clients_consistent(rows))
    return rows, sorted(errors)


def _check_day(row: int, day: dt.date, errors: list[RowError]) -> None:
    """A session of the history: not before 1900, not after today."""
    today = timezone.localdate()
    if not EARLIEST_DATE <= day <= today:
        errors.append(
            RowError.of(
                row,
                "date",
                gettext_noop(
                    "%(day)s is not a plausible session day; allowed %(earliest)s to today "
                    "(%(today)s)"
                ),
                day=day.isoformat(),
                earliest=EARLIEST_DATE.isoformat(),
                today=today.isoformat(),
            )
        )


def _scored_items(
    row: int,
    instrument: Instrument,
    items: dict[str, Any],
    record: Mapping[Hashable, Any],  # a row of DataFrame.to_dict("records")
    errors: list[RowError],
) -> dict[str, float]:
    """The item answers, checked to add up to the score (nothing when the row has only a score)."""
    if not items:
        return {}
    try:
        clean = validate_values(instrument, items)
        total = score_response(instrument, clean, age_group=record["age_group"]).total
    except (ResponseError, ValueError) as error:
        reason = error.message if isinstance(error, ResponseError) else str(error)
        errors.append(
            RowError.of(
                row,
                "score",
                gettext_noop("the item answers cannot be scored: %(reason)s"),
                reason=reason,
            )
        )
        return {}
    if abs(total - float(record["score"])) > _SCORE_TOLERANCE:
        errors.append(
            RowError.of(
                row,
                "score",
                gettext_noop("%(score)s differs from the total of the items, %(total)s"),
                score=Number.of(float(record["score"]), "g"),
                total=Number.of(total, "g"),
            )
        )
    return clean


def _clients_consistent(rows: list[_Row]) -> list[RowError]:
    """One age group per client: it decides the cutoffs of every rating."""
    seen: dict[str, _Row] = {}
    errors = []
    for row in rows:
        first = seen.setdefault(row.client_code, row)
        if first.age_group != row.age_group:
            errors.append(
                RowError.of(
                    row.row,
                    "age_group",
                    gettext_noop(
                        "%(age_group)s differs from %(first)s for the same client in row %(row)s"
                    ),
                    age_group=repr(row.age_group),
                    first=repr(first.age_group),
                    row=first.row,
                )
            )
    return errors


def ratings_write(
    rows: list[_Row],
    *,
    organisation: Organisation,
    after_row: Callable[[], None],
    allow_access_changes: bool = False,
) -> dict[str, int]:
    """Write the checked rows that are not there yet (call inside one transaction). A row that
    would put a clinician on the care team of an episode already in the database raises
    :class:`RowRefused` unless ``allow_access_changes``."""
    writer = _RatingsWriter(organisation, allow_access_changes)
    for row in rows:
        earliest = writer.first_day.setdefault(row.episode_id, row.date)
        writer.first_day[row.episode_id] = min(earliest, row.date)
    for row in rows:
        writer.write(row)
        after_row()
    history_recorded(writer.episodes.values())
    return dict(writer.created)


class _RatingsWriter:
    def __init__(self, organisation: Organisation, allow_access: bool = False) -> None:
        self.org = organisation
        self.allow_access = allow_access
        self.made_here: set[int] = set()  # episodes this import created
        self.teams = _clinicians(organisation)
        self.users = {u.username: u for u in User.objects.filter(username__in=self.teams)}
        self.clients: dict[str, Client] = {}
        self.episodes: dict[str, Episode] = {}
        self.sessions: dict[tuple[str, int], Session] = {}
        self.created = {"clients": 0, "episodes": 0, "sessions": 0, "responses": 0}
        self.first_day: dict[str, dt.date] = {}

    def write(self, row: _Row) -> None:
        key = self._key(row)
        session = self._session(row)
        rater_user = self.users[row.clinician] if row.rater == Rater.CLINICIAN else None
        if self._already_there(row, session, key, rater_user):
            return
        if row.items:
            try:
                response_record(
                    session=session,
                    instrument_code=row.measure,
                    values=row.items,
                    rater=row.rater,
                    method=Method.IMPORT,
                    idempotency_key=key,
                    rater_user=rater_user,
                    # noon of a day that is today may be later than now
                    answered_at=min(session.starts_at, timezone.now()),
                )
            except ValidationError as error:  # checked before; said as a row problem if not
                field, messages = next(iter(error.message_dict.items()))
                raise RowRefused(row.row, field, " ".join(messages)) from None
        else:
            _total_only(session, row, key, rater_user)
        self.created["responses"] += 1

    def _name(self, row: _Row) -> str:
        return f"{self.org.name}|{row.episode_id}|{row.session}|{row.measure}|{row.rater}"

    def _key(self, row: _Row) -> uuid.UUID:
        return import_key(self._name(row))

    def _already_there(
        self, row: _Row, session: Session, key: uuid.UUID, rater_user: User | None
    ) -> bool:
        """Whether this row's rating is stored already (a re-run). A key taken by a record of
        another session is a conflict (nothing is said about that record). The rating is found
        by its session, measure and rater, not by its key alone, so a re-run stays idempotent
        when the secret changes and finds ratings imported with the earlier keys."""
        if Response.everything.filter(idempotency_key=key).exclude(session=session).exists():
            raise RowRefused(
                row.row,
                "idempotency_key",
                Message(
                    gettext_noop(
                        "the submission key derived for this row is already used for another "
                        "record; nothing was written (ask the site's operator)"
                    )
                ),
            )
        found = Response.objects.filter(
            session=session,
            instrument=row.measure,
            rater=row.rater,
            rater_user=rater_user,
            method=Method.IMPORT,
        )
        # A voided rating's key counts: a re-run never brings it back.
        return found.exists() or Response.everything.filter(idempotency_key=key).exists()

    def _client(self, row: _Row) -> Client:
        if row.client_code not in self.clients:
            client, made = Client.objects.get_or_create(
                organisation=self.org,
                code=row.client_code,
                defaults={"display_name": row.client_code, "age_group": row.age_group},
            )
            self.created["clients"] += int(made)
            self.clients[row.client_code] = client
        return self.clients[row.client_code]

    def _episode(self, row: _Row) -> Episode:
        if row.episode_id not in self.episodes:
            client = self._client(row)
            team = self.teams[row.clinician]
            day = self.first_day[row.episode_id]
            episode = Episode.objects.filter(client=client, started_on=day, team=team).first()
            if episode is None:
                episode = Episode.objects.create(client=client, team=team, started_on=day)
                self.created["episodes"] += 1
                self.made_here.add(episode.pk)
            self.episodes[row.episode_id] = episode
        episode = self.episodes[row.episode_id]
        user = self.users[row.clinician]
        if not episode.care_team.filter(member=user).exists():
            if episode.pk not in self.made_here and not self.allow_access:
                raise RowRefused(
                    row.row,
                    "clinician_id",
                    Message(
                        gettext_noop(
                            "%(clinician)s is not on the care team of the client's episode that "
                            "is already in the database; importing would give them access to "
                            "it. Nothing was written; import with --allow-access-changes to "
                            "allow it"
                        ),
                        {"clinician": repr(row.clinician)},
                    ),
                )
            role = (
                CareRole.TEAM_MEMBER if episode.care_team.exists() else CareRole.PRIMARY_THERAPIST
            )
            CareTeamMember.objects.create(episode=episode, member=user, role=role)
        return episode

    def _session(self, row: _Row) -> Session:
        key = (row.episode_id, row.session)
        if key not in self.sessions:
            episode = self._episode(row)
            starts = timezone.make_aware(dt.datetime.combine(row.date, SESSION_HOUR))
            session, made = Session.objects.get_or_create(
                episode=episode,
                number=row.session,
                defaults={"starts_at": starts, "status": SessionStatus.ATTENDED},
            )
            if made:
                session.attended_by.add(self.users[row.clinician])
            self.created["sessions"] += int(made)
            self.sessions[key] = session
        return self.sessions[key]


def _total_only(session: Session, row: _Row, key: uuid.UUID, rater_user: User | None) -> None:
    """A rating known only by its total (many research files hold no item answers)."""
    response = Response.objects.create(
        session=session,
        instrument=row.measure,
        rater=row.rater,
        rater_user=rater_user,
        method=Method.IMPORT,
        items={},
        total=row.score,
        answered_at=session.starts_at,
        idempotency_key=key,
    )
    ResponseVersion.objects.create(response=response, version=1, items={}, total=row.score)
