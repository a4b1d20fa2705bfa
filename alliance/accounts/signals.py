"""What accounts tells the apps above it, which it may not import (docs/architecture.md).

A privileged change (a role, an organisation's setting, a password, a second factor) must be in
the audit log, which sits a layer up and imports accounts; so accounts announces the change and
the audit log, connected in ``AuditConfig.ready``, records it in the same transaction."""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.dispatch import Signal

from alliance.accounts.models import Organisation, User

# Sent with the keywords of ``privilege_changed_send``; ``audit.signals.privilege_changed``
# records it as ``audit.services.privilege_record``.
privilege_changed = Signal()


def privilege_changed_send(
    *,
    actor: User | None,
    object_kind: str,
    object_id: int | None,
    detail: str,
    created: bool = False,
    before: str = "",
    after: str = "",
    organisation: Organisation | None = None,
    subject: User | None = None,
    address: str | None = None,
) -> None:
    """Announce a privileged change: ``created`` for a new grant, else a change (the audit
    log's ``create`` and ``change``); the other keywords as ``privilege_record``'s."""
    # An unrecorded privileged change would be a silent hole in the audit log: refuse it.
    if not privilege_changed.has_listeners(sender=User):
        raise ImproperlyConfigured(
            "Nothing records privileged changes: is alliance.audit installed?"
        )
    fields: dict[str, Any] = {
        "actor": actor,
        "object_kind": object_kind,
        "object_id": object_id,
        "detail": detail,
        "before": before,
        "after": after,
        "organisation": organisation,
        "subject": subject,
        "address": address,
    }
    privilege_changed.send(sender=User, created=created, **fields)
