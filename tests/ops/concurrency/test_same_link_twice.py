"""The same link form sent twice at the same moment (a double tap, two tabs, a retry racing the
first try) stores one response, uses the invitation once, and both senders are thanked."""

import uuid
from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse

from alliance.measures.models import Response, ResponseVersion
from alliance.portal.models import Invitation
from alliance.portal.services import invitation_create
from tests.factories import make_session
from tests.ops.concurrency.conftest import ROUNDS, at_once, postgresql_only
from tests.portal.conftest import ORS_ANSWERS, form_post

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]


def _link(clinic: SimpleNamespace, number: int) -> str:
    session = make_session(clinic.episode, number)
    _invitation, token = invitation_create(
        session=session, measures=["ors"], channel="link", created_by=clinic.clinician
    )
    return reverse("portal:link", args=[token])


def _sender(url: str, key: str):  # type: ignore[no-untyped-def]
    browser = Browser()

    def send() -> tuple[int, str]:
        answer = browser.post(url, form_post("ors", ORS_ANSWERS, key))
        return answer.status_code, answer.get("Location", "")

    return send


@pytest.mark.parametrize("same_key", [True, False], ids=["double-tap", "two-tabs"])
def test_two_sends_at_once_store_one_response_and_both_are_thanked(
    clinic: SimpleNamespace, same_key: bool
) -> None:
    for number in range(2, 2 + ROUNDS):
        url = _link(clinic, number)
        keys = [str(uuid.uuid4())] * 2 if same_key else [str(uuid.uuid4()), str(uuid.uuid4())]
        answers = at_once(_sender(url, keys[0]), _sender(url, keys[1]))
        assert answers == [(302, reverse("portal:thanks"))] * 2, f"round {number}: {answers}"
    assert Response.objects.count() == ROUNDS
    assert ResponseVersion.objects.count() == ROUNDS
    assert Invitation.objects.filter(used_at__isnull=True).count() == 0
    for invitation in Invitation.objects.all():
        assert invitation.responses.count() == 1
