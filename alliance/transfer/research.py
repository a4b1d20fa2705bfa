"""The pseudonymised research export: the research CSV that ``alliance analyze`` reads, with no
names, contact details, birth years or free text (``docs/transfer.md``).

Each id is ``HMAC-SHA256(key, kind + ":" + natural key)``, its first 16 hex digits (64 bits),
after a letter for its kind: the same key gives the same pseudonyms in every export, so
exports made months apart can be joined; without the key they cannot be traced back. Dates are
moved by a whole number of weeks (1 to 26 either way, never 0), the same for every date of a
client and derived from the key too: intervals and weekdays stay true, the calendar days do not.

Of the clinic's week (issue 11) it carries what is no free text and names nobody: the episode's
setting, each session's kind (in person, video, phone), length and whether it was planned as the
last, and whether the measure was due at that session by the plan. Voided responses are left
out (the default manager), as are sessions without a number (cancelled, withdrawn).
"""

import csv
import datetime as dt
import hashlib
import hmac
import io
from typing import Any

from django.utils import timezone

from alliance.accounts.models import Organisation
from alliance.care.models import CareRole, CareTeamMember, Episode
from alliance.measures import catalogue
from alliance.measures.models import Rater, Response
from alliance.science.ratings_table import REQUIRED_COLUMNS
from alliance.transfer.selectors import episode_keys

__all__ = ["MIN_KEY_BYTES", "pseudonym", "research_csv"]

MIN_KEY_BYTES = 16
_DIGITS = 16
_MAX_SHIFT_WEEKS = 26
_RATERS = (Rater.CLIENT, Rater.CLINICIAN)  # the research format's raters
# Columns after the research format's own; ``alliance analyze`` reads past them.
SESSION_COLUMNS = ("setting", "mode", "length_minutes", "final", "due")


def pseudonym(key: bytes, kind: str, natural_key: str) -> str:
    """``kind``'s first letter, upper case, then 16 hex digits of HMAC-SHA256(key, kind:key).

    >>> pseudonym(b"0123456789abcdef", "client", "RC-0001")
    'C6c0258f15993c57e'
    """
    digest = hmac.new(key, f"{kind}:{natural_key}".encode(), hashlib.sha256).hexdigest()
    return kind[0].upper() + digest[:_DIGITS]


def _shift(key: bytes, client_code: str) -> dt.timedelta:
    """1 to 26 weeks either way, never 0 (an unshifted client would keep their real days)."""
    digest = hmac.new(key, f"shift:{client_code}".encode(), hashlib.sha256).digest()
    weeks = int.from_bytes(digest[:4], "big") % (2 * _MAX_SHIFT_WEEKS) + 1  # 1 .. 52
    if weeks > _MAX_SHIFT_WEEKS:
        weeks = _MAX_SHIFT_WEEKS - weeks  # 27 .. 52 as -1 .. -26
    return dt.timedelta(weeks=weeks)


def _primary(episodes: list[Episode]) -> dict[int, str]:
    """Each episode's primary therapist (or first care-team member) by log-in name."""
    chosen: dict[int, tuple[bool, int, str]] = {}
    members = CareTeamMember.objects.filter(episode__in=episodes).select_related("member")
    for m in members:
        rank = (m.role != CareRole.PRIMARY_THERAPIST, m.pk, m.member.username)
        if m.episode_id not in chosen or rank < chosen[m.episode_id]:
            chosen[m.episode_id] = rank
    return {episode_id: rank[2] for episode_id, rank in chosen.items()}


def research_csv(*, organisation: Organisation, key: bytes) -> str:
    """Every client and clinician rating of the organisation as a research CSV."""
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"key: at least {MIN_KEY_BYTES} bytes are needed")
    episodes = list(
        Episode.objects.filter(client__organisation=organisation).select_related("client")
    )
    keys, primary = episode_keys(episodes), _primary(episodes)
    responses = (
        Response.objects.filter(
            session__episode__in=episodes, rater__in=_RATERS, session__number__isnull=False
        )
        .select_related("session__episode__client")
        .order_by("session__episode_id", "session__number", "instrument", "rater", "pk")
    )
    instruments = catalogue.instruments()
    width = max((len(i.items) for i in instruments.values()), default=0)
    columns = [*REQUIRED_COLUMNS, "client_id", "date", "rater", "age_group", *SESSION_COLUMNS]
    columns += [f"item_{n}" for n in range(1, width + 1)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    seen: set[tuple[int, int | None, str, str]] = set()
    for response in responses:
        session = response.session
        once = (session.episode_id, session.number, response.instrument, response.rater)
        if once in seen:  # the format holds one rating per rater, measure and session
            continue
        seen.add(once)
        writer.writerow(_row(response, key, keys, primary, instruments))
    return out.getvalue()


def _row(
    response: Response,
    key: bytes,
    keys: dict[int, str],
    primary: dict[int, str],
    instruments: dict[str, Any],
) -> dict[str, object]:
    session = response.session
    episode = session.episode
    client = episode.client
    day = timezone.localtime(response.session.starts_at).date() + _shift(key, client.code)
    numbers = {item.code: item.number for item in instruments[response.instrument].items}
    clinician = primary.get(episode.pk, "")
    return {
        "episode_id": pseudonym(key, "episode", keys[episode.pk]),
        "clinician_id": pseudonym(key, "therapist", clinician),
        "session": response.session.number,
        "measure": response.instrument,
        "score": repr(float(response.total)),
        "client_id": pseudonym(key, "client", client.code),
        "date": day.isoformat(),
        "rater": response.rater,
        "age_group": client.age_group,
        "setting": episode.setting,
        "mode": session.mode,
        "length_minutes": session.duration_minutes,
        "final": int(session.final),
        # Empty when the session's due measures were never fixed (it did not start in a
        # version that fixes them): unknown, not "not due".
        "due": (int(response.instrument in session.due) if session.due else ""),
        **{f"item_{numbers[code]}": repr(float(v)) for code, v in response.items.items()},
    }
