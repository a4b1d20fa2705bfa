"""Brakes on guessing, counted in the database *before* the guess is checked.

A try takes a ticket: under a row lock (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite every
transaction is ``IMMEDIATE``, one writer at a time) the source's count goes up by one and the new
count comes back. Only a ticket within the limit goes on to the check, and a right guess gives its
ticket back. However many requests arrive at the same moment, at most ``attempts`` guesses are
checked in a window (tests/ops/concurrency/test_brakes_in_parallel.py).

A window is fixed: it starts at the first try counted and lasts ``window``; after it the count
starts again. A try refused by one limit is counted by none, so a kiosk that is paused cannot use
up the allowance of the other kiosks at its address.
"""

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from alliance.brakes.models import Brake

__all__ = ["Limit", "Ticket", "brake_clear", "brake_give_back", "brake_is_on", "brake_take"]

# Rows of windows long past are removed a few at a time as new tries come.
_SWEEP = 100


@dataclass(frozen=True)
class Limit:
    """At most ``attempts`` tries of ``kind`` from ``key`` (an address, a kiosk, an account)
    within ``window``. The key is stored only as a keyed hash."""

    kind: str
    key: str
    attempts: int
    window: dt.timedelta

    @property
    def key_hash(self) -> str:
        secret = settings.SECRET_KEY.encode()
        return hmac.new(secret, f"{self.kind}:{self.key}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Ticket:
    """One try counted against some limits. ``allowed`` is false when any limit was already
    reached: the guess must then not be checked, and nothing was counted."""

    limits: tuple[Limit, ...]
    counts: tuple[int, ...]
    allowed: bool

    @property
    def last(self) -> bool:
        """This try used up the last one allowed by some limit."""
        return self.allowed and any(
            count >= limit.attempts for limit, count in zip(self.limits, self.counts, strict=True)
        )


def brake_take(
    *limits: Limit, now: dt.datetime | None = None, earlier: Callable[[], int] | None = None
) -> Ticket:
    """Count one try against every limit, atomically, and say whether it may be checked.

    ``earlier`` counts tries recorded elsewhere (django-axes's failures, for the log-in brake);
    it is read once the rows are locked and added to each count."""
    moment = now or timezone.now()
    ordered = tuple(sorted(limits, key=lambda limit: (limit.kind, limit.key_hash)))
    with transaction.atomic():
        # Locked in one order, so two requests taking the same limits cannot deadlock.
        rows = [_locked_row(limit, moment) for limit in ordered]
        fresh = [
            row.since <= moment - limit.window for row, limit in zip(rows, ordered, strict=True)
        ]
        counts = tuple(1 if new else row.count + 1 for row, new in zip(rows, fresh, strict=True))
        before = earlier() if earlier is not None else 0
        allowed = all(
            before + count <= limit.attempts for count, limit in zip(counts, ordered, strict=True)
        )
        if allowed:
            for row, new, count in zip(rows, fresh, counts, strict=True):
                row.count = count
                row.since = moment if new else row.since
                row.save(update_fields=["count", "since"])
    return Ticket(limits=ordered, counts=counts, allowed=allowed)


def _locked_row(limit: Limit, moment: dt.datetime) -> Brake:
    rows = Brake.objects.select_for_update()
    row = rows.filter(kind=limit.kind, key_hash=limit.key_hash).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            row = Brake.objects.create(
                kind=limit.kind, key_hash=limit.key_hash, count=0, since=moment
            )
    except IntegrityError:
        # Another request made the row first; wait for it and count after it.
        return rows.get(kind=limit.kind, key_hash=limit.key_hash)
    # A new source: rows of windows long past go, so the table stays as small as the windows.
    _sweep(limit, moment, keep=row.pk)
    return row


def _sweep(limit: Limit, moment: dt.datetime, keep: int) -> None:
    stale = Brake.objects.filter(kind=limit.kind, since__lte=moment - limit.window).exclude(pk=keep)
    if connection.features.has_select_for_update_skip_locked:
        # Rows another request holds are left for later: waiting for them could deadlock.
        stale = stale.select_for_update(skip_locked=True)
    pks = list(stale.values_list("pk", flat=True)[:_SWEEP])
    if pks:
        Brake.objects.filter(pk__in=pks).delete()


def brake_give_back(ticket: Ticket) -> None:
    """A right guess: its try is not counted after all."""
    if not ticket.allowed:
        return
    for limit in ticket.limits:
        Brake.objects.filter(kind=limit.kind, key_hash=limit.key_hash, count__gt=0).update(
            count=F("count") - 1
        )


def brake_is_on(limit: Limit, now: dt.datetime | None = None) -> bool:
    """Whether the limit is reached: the next try would be refused."""
    moment = now or timezone.now()
    row = Brake.objects.filter(kind=limit.kind, key_hash=limit.key_hash).first()
    return row is not None and row.since > moment - limit.window and row.count >= limit.attempts


def brake_clear(*limits: Limit) -> int:
    """Lift the limits at once (a clinician unlocking a kiosk, a right password); returns how
    many counters were removed."""
    cleared = 0
    for limit in limits:
        cleared += Brake.objects.filter(kind=limit.kind, key_hash=limit.key_hash).delete()[0]
    return cleared
