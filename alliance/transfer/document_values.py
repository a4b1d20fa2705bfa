"""The values of a full export, checked as the form and the API check them (``docs/transfer.md``):
every record's fields against its model (allowed choices, lengths, ranges), every response
through the science core (known measure and items, answers on the scale, the rater the measure
allows), session numbers and times plausible, nothing named twice. Scores are never taken from
the file: :func:`response_scores` recomputes total, subscales, band, risk answers and prorating
from the answers, and the restore stores those.

Runs after :mod:`alliance.transfer.document_shape`, so every field has its JSON type.
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_noop, ngettext_lazy

from alliance.accounts.models import TEAM_ROLES, Membership, Organisation, Role, User
from alliance.care.models import (
    MAX_ACTIVE_GOALS,
    AgeGroup,
    CareRole,
    CareTeamMember,
    Client,
    Episode,
    Goal,
    GoalRating,
    GoalStatus,
    GoalVersion,
    Reflection,
    Rupture,
    Session,
    SessionStatus,
    Setting,
    Task,
    TaskOutcome,
)
from alliance.care.plans import check_items
from alliance.feedback.models import Alert, FitStatus, TrajectoryFit
from alliance.measures import catalogue
from alliance.measures.models import STAFF_RATERS, Author, Method, Rater
from alliance.measures.services import CLOCK_SKEW, EARLIEST_DATE, MAX_SESSION_NUMBER
from alliance.science.instruments import Instrument, ResponseError
from alliance.science.ratings_table import RowError
from alliance.transfer.messages import counted_error, said_error
from alliance.transfer.response_scores import ScoreRefused, response_scores
from alliance.transfer.voice_records import voice_values

__all__ = ["ScoreRefused", "response_scores", "value_problems"]

Record = dict[str, Any]
# A session may be booked ahead; not this far.
SESSIONS_AHEAD = dt.timedelta(days=5 * 366)
# "each team once", "each log-in name once": the sentence for each kind of record named twice.
_TWICE = {
    "team": ngettext_lazy(
        "%(value)s appears %(count)d time; each team once",
        "%(value)s appears %(count)d times; each team once",
        "count",
    ),
    "log-in name": ngettext_lazy(
        "%(value)s appears %(count)d time; each log-in name once",
        "%(value)s appears %(count)d times; each log-in name once",
        "count",
    ),
    "client code": ngettext_lazy(
        "%(value)s appears %(count)d time; each client code once",
        "%(value)s appears %(count)d times; each client code once",
        "count",
    ),
    "episode key": ngettext_lazy(
        "%(value)s appears %(count)d time; each episode key once",
        "%(value)s appears %(count)d times; each episode key once",
        "count",
    ),
    "submission key": ngettext_lazy(
        "%(value)s appears %(count)d time; each submission key once",
        "%(value)s appears %(count)d times; each submission key once",
        "count",
    ),
    "role in a team": ngettext_lazy(
        "%(value)s appears %(count)d time; each role in a team once",
        "%(value)s appears %(count)d times; each role in a team once",
        "count",
    ),
    "measure's active fit": ngettext_lazy(
        "%(value)s appears %(count)d time; each measure's active fit once",
        "%(value)s appears %(count)d times; each measure's active fit once",
        "count",
    ),
    "measure": ngettext_lazy(
        "%(value)s appears %(count)d time; each measure once",
        "%(value)s appears %(count)d times; each measure once",
        "count",
    ),
    "member": ngettext_lazy(
        "%(value)s appears %(count)d time; each member once",
        "%(value)s appears %(count)d times; each member once",
        "count",
    ),
    "session number": ngettext_lazy(
        "%(value)s appears %(count)d time; each session number once",
        "%(value)s appears %(count)d times; each session number once",
        "count",
    ),
    "session": ngettext_lazy(
        "%(value)s appears %(count)d time; each session once",
        "%(value)s appears %(count)d times; each session once",
        "count",
    ),
    "version": ngettext_lazy(
        "%(value)s appears %(count)d time; each version once",
        "%(value)s appears %(count)d times; each version once",
        "count",
    ),
    "rule a session and measure": ngettext_lazy(
        "%(value)s appears %(count)d time; each rule a session and measure once",
        "%(value)s appears %(count)d times; each rule a session and measure once",
        "count",
    ),
    "member of staff": ngettext_lazy(
        "%(value)s appears %(count)d time; each member of staff once",
        "%(value)s appears %(count)d times; each member of staff once",
        "count",
    ),
    "author": ngettext_lazy(
        "%(value)s appears %(count)d time; each author once",
        "%(value)s appears %(count)d times; each author once",
        "count",
    ),
}

_NO_HISTORY = {
    "goal": gettext_noop("empty; a goal keeps its history from version 1"),
    "response": gettext_noop("empty; a response keeps its history from version 1"),
}


def _fields(model: type[models.Model]) -> dict[str, models.Field[Any, Any]]:
    return {f.name: f for f in model._meta.concrete_fields if not f.is_relation}


def _model_problems(at: str, model: type[models.Model], values: Record) -> list[RowError]:
    """The record's fields as the model validates them (choices, lengths, ranges, e-mail ...)."""
    known = _fields(model)
    given = {k: v for k, v in values.items() if k in known}
    instance = model(**given)
    exclude = [name for name in known if name not in given]
    exclude += [f.name for f in model._meta.concrete_fields if f.is_relation]
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as error:
        found = []
        for name, errors in error.error_dict.items():
            for problem in errors:
                # An empty list or object is a value here (e.g. no evidence recorded).
                if problem.code == "blank" and given.get(name) in ([], {}):
                    continue
                # Django's own words, said again in the reader's language where shown.
                found.append(said_error(f"{at}.{name}", _words_of(problem)))
        return found
    return []


def _words_of(problem: ValidationError) -> Callable[[], str]:
    return lambda: " ".join(problem.messages)


def _plan_words(items: list[Record], k: int) -> Callable[[], str]:
    """The ``k``-th problem ``check_items`` finds in ``items``, in the active language."""

    def said() -> str:
        try:
            check_items(items)
        except ValidationError as error:
            return str(error.messages[k])
        return ""

    return said


def _no_time(record: Record, *names: str) -> Record:
    """The record without its time stamps (set by the model) and children."""
    return {k: v for k, v in record.items() if k not in names}


class _Values:
    def __init__(self, document: Record) -> None:
        self.doc = document
        self.found: list[RowError] = []
        self.age_groups = {c["code"]: c["age_group"] for c in document["clients"]}
        self.instruments = catalogue.instruments()

    def bad(self, at: str, template: str, /, **params: object) -> None:
        self.found.append(RowError.of(0, at, template, **params))

    def model(self, at: str, model: type[models.Model], values: Record) -> None:
        self.found.extend(_model_problems(at, model, values))

    def once(self, at: str, values: list[Any], what: str) -> None:
        for value, n in Counter(values).items():
            if n > 1:
                self.found.append(counted_error(at, _TWICE[what], value=repr(value), count=n))

    def problems(self) -> list[RowError]:
        doc = self.doc
        org = doc["organisation"]
        allowed = sorted(set(_fields(Organisation)) - {"id"})
        for name in sorted(set(org) - set(allowed)):
            self.bad(
                f"organisation.{name}",
                gettext_noop("not a setting; allowed: %(allowed)s"),
                allowed=", ".join(allowed),
            )
        self.model("organisation", Organisation, _no_time(org, "created_at"))
        self.once("teams", doc["teams"], "team")
        self.once("users", [u["username"] for u in doc["users"]], "log-in name")
        self.once("clients", [c["code"] for c in doc["clients"]], "client code")
        self.once("episodes", [e["key"] for e in doc["episodes"]], "episode key")
        keys = [
            r["idempotency_key"]
            for e in doc["episodes"]
            for s in e["sessions"]
            for r in s["responses"]
        ]
        self.once("episodes[].sessions[].responses[].idempotency_key", keys, "submission key")
        for i, user in enumerate(doc["users"]):
            self.model(f"users[{i}]", User, _no_time(user, "date_joined"))
        triples = [(m["user"], m["team"], m["role"]) for m in doc["memberships"]]
        self.once("memberships", triples, "role in a team")
        for i, m in enumerate(doc["memberships"]):
            self.model(f"memberships[{i}]", Membership, m)
            if (m["role"] == Role.ADMINISTRATOR) != (m["team"] is None):
                self.bad(
                    f"memberships[{i}].team",
                    gettext_noop(
                        "an administrator has no team; every other role (%(roles)s) needs one"
                    ),
                    roles=", ".join(TEAM_ROLES),
                )
        for i, client in enumerate(doc["clients"]):
            year = client["birth_year"]
            if year is not None and not 1900 <= year <= 2100:
                self.bad(
                    f"clients[{i}].birth_year",
                    gettext_noop("%(year)s is not plausible; allowed 1900 to 2100"),
                    year=year,
                )
        for i, client in enumerate(doc["clients"]):
            self.model(f"clients[{i}]", Client, _no_time(client, "created_at"))
            self.client(f"clients[{i}]", client)
        self.plan_defaults(doc["plan_defaults"])
        active = [f["measure"] for f in doc["trajectory_fits"] if f["is_active"]]
        self.once("trajectory_fits", active, "measure's active fit")
        for i, fit in enumerate(doc["trajectory_fits"]):
            at = f"trajectory_fits[{i}]"
            if fit["is_active"] and fit["status"] != FitStatus.DONE:
                self.bad(f"{at}.is_active", gettext_noop("only a finished fit can be in use"))
            self.measure(f"{at}.measure", fit["measure"])
            self.model(
                at, TrajectoryFit, _no_time(fit, "requested_at", "finished_at", "activated_at")
            )
        for i, episode in enumerate(doc["episodes"]):
            self.episode(f"episodes[{i}]", episode)
        return self.found

    def client(self, at: str, client: Record) -> None:
        """The intake rules the database and the form keep (``care`` migration 0003)."""
        consents = client["consents_to_email"] or client["consents_to_sms"]
        if consents and client["contact_consent_on"] is None:
            self.bad(
                f"{at}.contact_consent_on",
                gettext_noop("a consent to e-mail or text messages has a date"),
            )
        offered = [code for code, _name in settings.LANGUAGES]
        if client["preferred_language"] not in ["", *offered]:
            allowed = ", ".join(offered)
            self.bad(
                f"{at}.preferred_language",
                gettext_noop("%(language)s is not offered; allowed %(allowed)s or empty"),
                language=repr(client["preferred_language"]),
                allowed=allowed,
            )

    def plan(self, at: str, items: list[Record]) -> None:
        """A measurement plan as the form and the API check it (``care.plans.check_items``)."""
        self.once(at, [item["instrument"] for item in items], "measure")
        try:
            check_items(items)
        except ValidationError as error:
            for k in range(len(error.messages)):
                # The plan's own words, checked again in the reader's language where shown.
                self.found.append(said_error(at, _plan_words(items, k)))

    def plan_defaults(self, rows: list[Record]) -> None:
        groups: dict[tuple[str, str], list[Record]] = {}
        for i, row in enumerate(rows):
            if row["setting"] not in Setting.values:
                allowed = ", ".join(Setting.values)
                self.bad(
                    f"plan_defaults[{i}].setting",
                    gettext_noop("%(setting)s; allowed %(allowed)s"),
                    setting=repr(row["setting"]),
                    allowed=allowed,
                )
            groups.setdefault((row["team"], row["setting"]), []).append(row)
        for (team, setting), items in groups.items():
            self.plan(f"plan_defaults[team={team}, setting={setting}]", items)

    def measure(self, at: str, code: str) -> Instrument | None:
        if code not in self.instruments:
            known = ", ".join(sorted(self.instruments))
            self.bad(
                at,
                gettext_noop("unknown measure %(code)s; known measures: %(known)s"),
                code=repr(code),
                known=known,
            )
            return None
        return self.instruments[code]

    def moment(self, at: str, text: str | None, *, ahead: dt.timedelta = CLOCK_SKEW) -> None:
        """A time not before 1900 and not further ahead of now than ``ahead``."""
        if text is None:
            return
        value = dt.datetime.fromisoformat(text)
        earliest = dt.datetime.combine(EARLIEST_DATE, dt.time(), tzinfo=dt.UTC)
        latest = timezone.now() + ahead
        if not earliest <= value <= latest:
            self.bad(
                at,
                gettext_noop(
                    "%(time)s is not a plausible time; allowed %(earliest)s to %(latest)s"
                ),
                time=text,
                earliest=EARLIEST_DATE.isoformat(),
                latest=latest.date().isoformat(),
            )

    def episode(self, at: str, episode: Record) -> None:
        self.model(at, Episode, {k: v for k, v in episode.items() if not isinstance(v, list)})
        self.measure(f"{at}.outcome_measure", episode["outcome_measure"])
        self.measure(f"{at}.alliance_measure", episode["alliance_measure"])
        for day in ("started_on", "ended_on"):
            if episode[day] is not None and dt.date.fromisoformat(episode[day]) < EARLIEST_DATE:
                self.bad(
                    f"{at}.{day}",
                    gettext_noop("%(day)s is before %(earliest)s"),
                    day=episode[day],
                    earliest=EARLIEST_DATE.isoformat(),
                )
        if episode["ended_on"] is not None and episode["ended_on"] < episode["started_on"]:
            self.bad(f"{at}.ended_on", gettext_noop("is before started_on"))
        if (episode["ended_on"] is None) != (episode["ending"] == ""):
            self.bad(
                f"{at}.ending",
                gettext_noop("an ended episode says how it ended; an open one has none"),
            )
        self.once(f"{at}.care_team", [m["member"] for m in episode["care_team"]], "member")
        primaries = [m for m in episode["care_team"] if m["role"] == CareRole.PRIMARY_THERAPIST]
        if len(primaries) > 1:
            self.bad(f"{at}.care_team", gettext_noop("has more than one primary therapist"))
        for j, member in enumerate(episode["care_team"]):
            self.model(f"{at}.care_team[{j}]", CareTeamMember, member)
        if episode["plan"]:
            self.plan(f"{at}.plan", episode["plan"])
        numbers = [s["number"] for s in episode["sessions"] if s["number"] is not None]
        self.once(f"{at}.sessions", numbers, "session number")
        age_group = self.age_groups.get(episode["client"], "adult")
        age_group = age_group if age_group in AgeGroup.values else "adult"  # reported with it
        for j, session in enumerate(episode["sessions"]):
            self.session(f"{at}.sessions[{j}]", session, age_group)
        if "voice" in episode:
            voice = episode["voice"]
            self.found += voice_values(
                f"{at}.voice",
                voice,
                installed=self.instruments,
                scored=lambda where, record: self.scored(where, record, age_group),
            )
            if voice["baseline"] is not None:
                self.moment(f"{at}.voice.baseline.answered_at", voice["baseline"]["answered_at"])
        for j, goal in enumerate(episode["goals"]):
            where = f"{at}.goals[{j}]"
            self.model(where, Goal, _no_time(goal, "created_at", "versions", "ratings"))
            for k, version in enumerate(goal["versions"]):
                self.model(f"{where}.versions[{k}]", GoalVersion, _no_time(version, "recorded_at"))
            for k, rating in enumerate(goal["ratings"]):
                if not 0 <= rating["rating"] <= 10:
                    self.bad(f"{where}.ratings[{k}].rating", gettext_noop("allowed 0 to 10"))
                self.model(f"{where}.ratings[{k}]", GoalRating, _no_time(rating, "recorded_at"))
            self.once(f"{where}.ratings", [r["session"] for r in goal["ratings"]], "session")
            self.once(f"{where}.versions", [v["version"] for v in goal["versions"]], "version")
            self.history(where, goal, "goal")
            if not goal["text"].strip():
                self.bad(f"{where}.text", gettext_noop("empty; a goal says something"))
        active = [goal for goal in episode["goals"] if goal["status"] == GoalStatus.ACTIVE]
        if len(active) > MAX_ACTIVE_GOALS:
            words = ngettext_lazy(
                "%(count)d active goal; an episode has at most %(most)d at once",
                "%(count)d active goals; an episode has at most %(most)d at once",
                "count",
            )
            self.found.append(
                counted_error(f"{at}.goals", words, count=len(active), most=MAX_ACTIVE_GOALS)
            )
        for j, task in enumerate(episode["tasks"]):
            self.model(f"{at}.tasks[{j}]", Task, _no_time(task, "created_at"))
            if not task["what"].strip():
                self.bad(f"{at}.tasks[{j}].what", gettext_noop("empty; a task says what to do"))
            if (task["outcome"] == TaskOutcome.NOT_REVIEWED) != (task["reviewed_in"] is None):
                self.bad(
                    f"{at}.tasks[{j}].reviewed_in",
                    gettext_noop(
                        "a reviewed task names its review session; one not reviewed has none"
                    ),
                )
        # Each rule once a session and measure (a PHQ-9 and a GAD-7 may each deteriorate);
        # exports written before alerts named their measure have none.
        self.once(
            f"{at}.alerts",
            [(a["session"], a["rule"], a.get("measure", "")) for a in episode["alerts"]],
            "rule a session and measure",
        )
        for j, alert in enumerate(episode["alerts"]):
            where = f"{at}.alerts[{j}]"
            self.model(where, Alert, _no_time(alert, "raised_at", "acknowledged_at"))
            if alert.get("measure"):
                self.measure(f"{where}.measure", alert["measure"])
            if (alert["acknowledged_at"] is None) != (alert["acknowledged_by"] is None):
                self.bad(
                    f"{where}.acknowledged_by",
                    gettext_noop("an acknowledgement names who and when"),
                )

    def session(self, at: str, session: Record, age_group: str) -> None:
        number = session["number"]
        if number is not None and not 1 <= number <= MAX_SESSION_NUMBER:
            self.bad(
                f"{at}.number",
                gettext_noop(
                    "%(session)s is not a plausible session number; allowed 1 to %(most)s"
                ),
                session=number,
                most=MAX_SESSION_NUMBER,
            )
        booking = ("status", "mode", "cancelled_by", "reason", "final", "duration_minutes")
        self.model(at, Session, {k: session[k] for k in booking})
        if not 5 <= session["duration_minutes"] <= 480:
            self.bad(f"{at}.duration_minutes", gettext_noop("allowed 5 to 480 minutes"))
        if session["cancelled_by"] and session["status"] != SessionStatus.CANCELLED:
            self.bad(
                f"{at}.cancelled_by", gettext_noop("only a cancelled session says who cancelled it")
            )
        for k, code in enumerate(session["due"]):
            self.measure(f"{at}.due[{k}]", code)
        self.once(f"{at}.attended_by", session["attended_by"], "member of staff")
        self.moment(f"{at}.starts_at", session["starts_at"], ahead=SESSIONS_AHEAD)
        self.moment(f"{at}.booked_at", session["booked_at"])
        for k, response in enumerate(session["responses"]):
            self.response(f"{at}.responses[{k}]", response, age_group)
        for k, rupture in enumerate(session["ruptures"]):
            self.model(f"{at}.ruptures[{k}]", Rupture, _no_time(rupture, "recorded_at"))
            if not rupture["markers"]:
                self.bad(
                    f"{at}.ruptures[{k}].markers", gettext_noop("empty; a rupture has a marker")
                )
        self.once(f"{at}.reflections", [r["author"] for r in session["reflections"]], "author")
        for k, reflection in enumerate(session["reflections"]):
            where = f"{at}.reflections[{k}]"
            self.model(where, Reflection, _no_time(reflection, "created_at", "updated_at"))
            if not reflection["experiences"] and not reflection["text"].strip():
                self.bad(where, gettext_noop("empty; a reflection holds a feeling or some text"))

    def response(self, at: str, response: Record, age_group: str) -> None:
        instrument = self.measure(f"{at}.instrument", response["instrument"])
        rater, method = response["rater"], response["method"]
        if rater not in Rater.values:
            self.bad(
                f"{at}.rater",
                gettext_noop("%(value)s is not allowed; allowed %(allowed)s"),
                value=repr(rater),
                allowed=", ".join(Rater.values),
            )
        elif instrument is not None and rater not in instrument.respondents:
            allowed = ", ".join(instrument.respondents)
            self.bad(
                f"{at}.rater",
                gettext_noop("%(measure)s is answered by %(allowed)s, not %(rater)s"),
                measure=instrument.code,
                allowed=allowed,
                rater=rater,
            )
        elif (rater in STAFF_RATERS) != (response["rater_user"] is not None):
            self.bad(
                f"{at}.rater_user",
                gettext_noop("names the member of staff for a staff rating, only then"),
            )
        author = response.get("author", "")
        if author not in Author.values:
            allowed = ", ".join(v for v in Author.values if v)
            self.bad(
                f"{at}.author",
                gettext_noop("%(value)s is not allowed; allowed %(allowed)s or empty"),
                value=repr(author),
                allowed=allowed,
            )
        elif (author == Author.PRACTITIONER) != (response.get("author_user") is not None):
            self.bad(
                f"{at}.author_user",
                gettext_noop("names the member of staff for a staff author, only then"),
            )
        if method not in Method.values:
            allowed = ", ".join(Method.values)
            self.bad(
                f"{at}.method",
                gettext_noop("%(value)s is not allowed; allowed %(allowed)s"),
                value=repr(method),
                allowed=allowed,
            )
        self.moment(f"{at}.answered_at", response["answered_at"])
        self.moment(f"{at}.voided_at", response["voided_at"])
        void = (response["voided_at"], response["voided_by"], response["void_reason"].strip())
        if any(void) and not all(void):
            self.bad(
                f"{at}.voided_at", gettext_noop("a voided response says when, by whom and why")
            )
        if len(response["void_reason"]) > 300:
            self.bad(f"{at}.void_reason", gettext_noop("at most 300 characters"))
        if instrument is None:
            return
        self.scored(at, response, age_group)
        for k, version in enumerate(response["versions"]):
            self.scored(
                f"{at}.versions[{k}]", {**version, "instrument": instrument.code}, age_group
            )
        self.once(f"{at}.versions", [v["version"] for v in response["versions"]], "version")
        self.history(at, response, "response")

    def history(self, at: str, record: Record, what: str) -> None:
        """A record keeps every version from 1 on, the last one its current ``version``."""
        numbers = [v["version"] for v in record["versions"]]
        if not numbers:
            self.bad(f"{at}.versions", _NO_HISTORY[what])
        elif min(numbers) < 1:
            self.bad(f"{at}.versions", gettext_noop("a version is numbered 1 or more"))
        if record["version"] < 1 or (numbers and record["version"] != max(numbers)):
            self.bad(
                f"{at}.version",
                gettext_noop("must be 1 or more, the number of its latest version"),
            )

    def scored(self, at: str, record: Record, age_group: str) -> None:
        try:
            response_scores(record, age_group)
        except ResponseError as error:
            # The science core's message as it is: translated where it is shown.
            where = f"{at}.items.{error.item}" if error.item else f"{at}.items"
            self.found.append(RowError.said(0, where, error.message))
        except ScoreRefused as error:
            self.found.append(RowError.said(0, f"{at}.{error.field}", error.message))
        except ValueError as error:  # the science core's own failures stay English
            field, _, message = str(error).partition(": ")
            self.found.append(
                RowError(0, f"{at}.{field if message else 'items'}", message or str(error))
            )


def value_problems(document: Record) -> list[RowError]:
    """Every value the form or the API would refuse; empty when the document can be restored."""
    return _Values(document).problems()
