"""Text messages through a pluggable backend, chosen by ``settings.ALLIANCE["SMS_BACKEND"]``.

A site connects its SMS provider by writing a small subclass of :class:`SmsBackend` (one method,
``send``) and naming it in ``ALLIANCE_SMS_BACKEND``. Shipped backends: ``ConsoleBackend`` for
development (prints the message), ``LocmemBackend`` for tests (keeps messages in ``outbox``) and
``DisabledBackend``, the production default, which refuses so that nothing is sent by accident.
"""

import sys
from dataclasses import dataclass
from typing import TextIO

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

__all__ = [
    "ConsoleBackend",
    "DisabledBackend",
    "LocmemBackend",
    "SmsBackend",
    "SmsNotSent",
    "TextMessage",
    "outbox",
    "send_text",
]


@dataclass(frozen=True)
class TextMessage:
    """One text message: the number it goes to, its words, and who it is from (the clinic's
    name, for a provider that shows a sender name; empty for the provider's default)."""

    to: str
    body: str
    sender: str = ""


class SmsNotSent(Exception):
    """The message could not be sent; the text says why in words a clinician can act on."""


class SmsBackend:
    """The interface a site's SMS provider implements."""

    def send(self, message: TextMessage) -> None:
        raise NotImplementedError


class ConsoleBackend(SmsBackend):
    """Development: prints the message instead of sending it."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, message: TextMessage) -> None:
        self.stream.write(f"SMS to {message.to}:\n{message.body}\n{'-' * 40}\n")
        self.stream.flush()


outbox: list[TextMessage] = []
"""Messages "sent" through :class:`LocmemBackend`; tests read and clear it."""


class LocmemBackend(SmsBackend):
    """Tests: keeps every message in :data:`outbox`."""

    def send(self, message: TextMessage) -> None:
        outbox.append(message)


class DisabledBackend(SmsBackend):
    """The production default until a site names its provider: refuses plainly."""

    def send(self, message: TextMessage) -> None:
        raise SmsNotSent(_("Text messages are not set up on this site."))


def send_text(to: str, body: str, sender: str = "") -> None:
    """Send one text message through the configured backend; raises SmsNotSent on failure."""
    backend_class = import_string(str(settings.ALLIANCE["SMS_BACKEND"]))
    backend_class().send(TextMessage(to=to, body=body, sender=sender))
