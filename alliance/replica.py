"""Reads that may go to a PostgreSQL streaming replica: reports, research exports and refits.

With ``DATABASE_REPLICA_URL`` set, settings.py adds a ``replica`` database and this router. A
Django router alone cannot tell a report's reads from a clinician's (both are queries on the
same models), so the code that reads a lot and writes nothing says so: inside
``with replica_reads():`` every read goes to the replica; everything else, and every write
anywhere, goes to the primary (``default``). Without a replica the block changes nothing.

A replica may lag the primary by a moment: a report or refit made from it can miss the last
seconds of ratings, which those uses accept and a clinician's page would not (docs/deployment.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

__all__ = ["REPLICA", "ReplicaRouter", "replica_reads"]

REPLICA = "replica"
"""The alias of the replica in ``DATABASES`` (present only when ``DATABASE_REPLICA_URL`` is)."""

_ON_REPLICA: ContextVar[bool] = ContextVar("alliance_replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Send this block's reads to the replica when there is one (nested blocks are fine)."""
    token = _ON_REPLICA.set(True)
    try:
        yield
    finally:
        _ON_REPLICA.reset(token)


class ReplicaRouter:
    """Reads inside :func:`replica_reads` to the replica; all else, and all writes, to default."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if _ON_REPLICA.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return None  # Django's own choice: default, or the database an instance came from

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        # Never the database an instance was read from: one read on the replica is saved on
        # the primary (the replica refuses writes).
        return "default"

    def allow_relation(self, first: Any, second: Any, **hints: Any) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"  # the replica follows the primary's schema by replication
