"""The audit log's stored references in the reader's words.

The log stores what it records in fixed English codes and short phrases ("session 620",
"voided phq9 v1", "clinician in team 3", "on"), so a search or an export reads the same in every
language and years later (docs/translating.md). The page translates them where they are shown:
the record's kind by name and its number, the phrases the code writes (each listed here, exact
or as a pattern), a role by its name and a stored date in the reader's format. A phrase not
listed (an older one, an organisation's name) is shown as stored.
"""

import datetime as dt
import re
from collections.abc import Callable

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from alliance.accounts.models import Role

__all__ = ["RECORD_NAMES", "record_words", "stored_words"]

# Each kind of record the log names (registry.py, and the services that record privileged
# changes), as the reader calls it.
RECORD_NAMES: dict[str, Promise] = {
    "client": _("Client"),
    "episode": _("Episode"),
    "session": _("Session"),
    "response": _("Response"),
    "goal": _("Goal"),
    "goal_rating": _("Goal rating"),
    "task": _("Task"),
    "rupture": _("Rupture"),
    "alert": _("Alert"),
    "invitation": _("Invitation"),
    "agenda_item": _("Agenda item"),
    "report": _("Report"),
    "clinician": _("Clinician's development"),
    "team": _("Team"),
    "user": _("Person's account"),
    "organisation": _("Organisation"),
    "api_token": _("API token"),
    "trajectory": _("Trajectory model in use"),
    "audit": _("Audit log"),
    "kiosk": _("Kiosk"),
    "fhir": _("FHIR resource"),
}

_PHRASES: dict[str, Promise] = {
    "on": _("on"),
    "off": _("off"),
    "role": _("role"),
    "roles": _("roles"),
    "name": _("name"),
    "admin_sees_clinical_data": _("administrators see clinical data"),
    "require_two_factor": _("two-factor log-in required"),
    "two-factor app": _("two-factor app"),
    "two-factor app, for them": _("two-factor app, for them"),
    "own password set": _("own password set"),
    "own password changed": _("own password changed"),
    "password set for them": _("password set for them"),
    "password reset by e-mail link": _("password reset by e-mail link"),
    "a password": _("a password"),
    "a new password": _("a new password"),
    "no password": _("no password"),
    "live": _("live"),
    "revoked": _("revoked"),
    "provisional default": _("provisional default"),
    "session date or attendance corrected": _("session date or attendance corrected"),
    "kiosk started": _("kiosk started"),
    "kiosk unlocked after wrong codes": _("kiosk unlocked after wrong codes"),
}


def _role(code: str) -> str:
    return str(Role(code).label) if code in Role.values else code


def _events(n: str) -> str:
    return ngettext("%(n)s event", "%(n)s events", int(n)) % {"n": n}


def _counts(counts: str, who: str) -> str:
    """An import's or export's "client 3, episode 4; by root"."""
    pairs = (pair.rsplit(" ", 1) for pair in counts.split(", "))
    said = ", ".join(f"{RECORD_NAMES.get(kind, kind)} {n}" for kind, n in pairs)
    return gettext("%(counts)s; by %(who)s") % {"counts": said, "who": who}


_PATTERNS: list[tuple[re.Pattern[str], Callable[..., str]]] = [
    (re.compile(r"(?P<n>\d+) events"), _events),
    (
        re.compile(r"voided (?P<instrument>\S+) v(?P<version>\d+)"),
        lambda **p: gettext("voided %(instrument)s v%(version)s") % p,
    ),
    (
        re.compile(r"trajectory model in use for (?P<measure>\S+)"),
        lambda **p: gettext("trajectory model in use for %(measure)s") % p,
    ),
    (re.compile(r"fit (?P<fit>\d+)"), lambda **p: gettext("fit %(fit)s") % p),
    (
        re.compile(r"token (?P<prefix>\S+)… for user (?P<user>\d+)"),
        lambda **p: gettext("token %(prefix)s… for user %(user)s") % p,
    ),
    (
        re.compile(r"(?P<role>\w+) in team (?P<team>\d+)"),
        lambda role, team: (
            gettext("%(role)s in team %(team)s") % {"role": _role(role), "team": team}
        ),
    ),
    (
        re.compile(r"(?P<role>\w+) of organisation (?P<organisation>\d+)"),
        lambda role, organisation: (
            gettext("%(role)s of organisation %(organisation)s")
            % {"role": _role(role), "organisation": organisation}
        ),
    ),
    (re.compile(r"(?P<counts>\w+ \d+(, \w+ \d+)*); by (?P<who>.+)"), _counts),
]


def _date(text: str) -> str | None:
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if len(text) == len("2026-12-04"):
        return date_format(when.date(), "DATE_FORMAT")
    return date_format(when, "DATETIME_FORMAT")


def _one(text: str) -> str:
    if text in _PHRASES:
        return str(_PHRASES[text])
    for pattern, say in _PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            return say(**found.groupdict())
    return _date(text) or text


def stored_words(text: str) -> str:
    """A stored detail, before or after value in the active language ("; " keeps a list of
    roles apart, as the log writes it)."""
    if not text:
        return text
    if "; by " not in text and "; " in text:
        return "; ".join(_one(part) for part in text.split("; "))
    return _one(text)


def record_words(kind: str, number: int | None) -> str:
    """The record an event names: "Sessie 620", "Rapportage"; an unknown kind as stored."""
    name = str(RECORD_NAMES.get(kind, kind))
    if not kind:
        return ""
    return f"{name} {number}" if number else name
