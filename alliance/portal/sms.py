"""Text messages: the backends and ``send_text`` live in ``alliance.sms``, below the apps, since
the care team's risk texts (``feedback.notify``) send them too. Every name stays importable from
here, and ``ALLIANCE_SMS_BACKEND`` may keep naming ``alliance.portal.sms.<Backend>``."""

from alliance.sms import (
    ConsoleBackend,
    DisabledBackend,
    LocmemBackend,
    SmsBackend,
    SmsNotSent,
    TextMessage,
    outbox,
    send_text,
)

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
