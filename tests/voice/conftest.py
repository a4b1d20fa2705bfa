"""Helpers for the client's-voice tests: a link answered in a fresh browser."""

import uuid
from types import SimpleNamespace

from django.test import Client as Browser
from django.urls import reverse

from alliance.portal.models import Invitation
from tests.api.conftest import cast  # noqa: F401 (the API tests' fixture, for test_api.py)
from tests.portal.conftest import ORS_ANSWERS, SRS_ANSWERS, invite

CNIP_ANSWERS = {f"cnip_{n}": "0" for n in range(1, 19)} | {
    "cnip_1": "3", "cnip_2": "2", "cnip_3": "2", "cnip_4": "2", "cnip_5": "1",
    "cnip_11": "-3", "cnip_12": "-2", "cnip_13": "-2",
}  # fmt: skip
CEQ_ANSWERS = {"ceq_1": "7", "ceq_2": "6", "ceq_3": "8", "ceq_4": "50", "ceq_5": "6", "ceq_6": "60"}
ANSWERS = {"ors": ORS_ANSWERS, "srs": SRS_ANSWERS, "cnip": CNIP_ANSWERS, "ceq": CEQ_ANSWERS}


def link(clinic: SimpleNamespace, measures: tuple[str, ...] = ("ors",)) -> tuple[Invitation, str]:
    invitation, token = invite(clinic, "link", measures)
    return invitation, reverse("portal:link", args=[token])


def answer(
    browser: Browser,
    url: str,
    measure: str,
    words: dict[str, str] | None = None,
    key: str | None = None,
    answers: dict[str, str] | None = None,
):  # type: ignore[no-untyped-def]
    data = {"measure": measure, "form_key": key or str(uuid.uuid4())}
    data |= answers if answers is not None else ANSWERS[measure]
    return browser.post(url, data | (words or {}))
