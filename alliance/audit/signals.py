"""Log-ins, log-outs and failed log-ins, recorded from Django's authentication signals."""

from typing import Any

from django.http import HttpRequest

from alliance.audit.models import Action


def logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    from alliance.audit.services import auth_event_record

    auth_event_record(request=request, user=user, action=Action.LOG_IN)


def logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    from alliance.audit.services import auth_event_record

    if user is not None:
        auth_event_record(request=request, user=user, action=Action.LOG_OUT)


def login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    from alliance.audit.services import auth_event_record

    # Only the username tried is kept (cut short); never the password Django already masked.
    username = str(credentials.get("username", ""))[:150]
    auth_event_record(request=request, user=None, action=Action.LOG_IN_FAILED, username=username)


def privilege_changed(sender: Any, *, signal: Any, created: bool, **fields: Any) -> None:
    """``accounts.signals.privilege_changed``: accounts, below the audit log, announces a
    privileged change; it is recorded here, in the sender's transaction."""
    from alliance.audit.services import privilege_record

    privilege_record(action=Action.CREATE if created else Action.CHANGE, **fields)
