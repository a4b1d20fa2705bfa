"""Checking the audit log's hash chain: nothing removed, nothing changed (see docs/audit.md)."""

from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper

from alliance.audit.database import chain_hash, chain_rows


@dataclass(frozen=True)
class ChainReport:
    """What a walk along the chain found: ``broken`` is ``None`` when every link held."""

    events: int
    head: str
    broken: int | None = None
    reason: str = ""
    known_found: bool | None = None


def audit_chain_verify(connection: BaseDatabaseWrapper, *, known: str = "") -> ChainReport:
    """Recompute every event's hash in id order and check it names the one before it.

    ``known`` is a head hash exported earlier (to a log or a backup): the chain must still hold
    it, which shows that no event up to it was rewritten, even by someone who recomputed every
    hash after the change."""
    previous, previous_id, count = "", None, 0
    found = not known
    for event_id, previous_hash, stored_hash, canonical in chain_rows(connection):
        count += 1
        if previous_hash != previous:
            after = f"event {previous_id}" if previous_id is not None else "the start of the log"
            return ChainReport(
                count,
                previous,
                event_id,
                f"it does not follow {after}: an event between them "
                "was removed, or the one before it was changed",
            )
        if chain_hash(canonical) != stored_hash:
            return ChainReport(
                count, previous, event_id, "its content does not match its hash: it was changed"
            )
        previous, previous_id = stored_hash, event_id
        found = found or stored_hash == known
    return ChainReport(count, previous, known_found=found if known else None)
