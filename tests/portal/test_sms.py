"""The pluggable text-message backends."""

import io

import pytest

from alliance.portal import sms
from tests.portal.conftest import alliance_settings


def test_the_console_backend_prints_the_message() -> None:
    stream = io.StringIO()
    sms.ConsoleBackend(stream).send(sms.TextMessage(to="+447700900123", body="Hello"))
    assert "SMS to +447700900123" in stream.getvalue() and "Hello" in stream.getvalue()


def test_the_test_settings_keep_messages_in_the_outbox() -> None:
    sms.send_text("+447700900123", "Hello")
    assert sms.outbox == [sms.TextMessage(to="+447700900123", body="Hello")]


@alliance_settings(SMS_BACKEND="alliance.portal.sms.DisabledBackend")
def test_a_site_without_a_provider_refuses_plainly() -> None:
    with pytest.raises(sms.SmsNotSent, match="not set up"):
        sms.send_text("+447700900123", "Hello")
    assert sms.outbox == []


def test_the_base_class_is_an_interface() -> None:
    with pytest.raises(NotImplementedError):
        sms.SmsBackend().send(sms.TextMessage(to="1", body="x"))
