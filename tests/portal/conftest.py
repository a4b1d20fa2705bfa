"""Shared helpers for the portal tests: the standing cast plus invitations and answers."""

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import override_settings

from alliance.portal import sms
from alliance.portal.models import Invitation
from alliance.portal.services import invitation_create

ORS_ANSWERS = {"ors_1": "4.5", "ors_2": "6", "ors_3": "5.2", "ors_4": "3.3"}
SRS_ANSWERS = {"srs_1": "9.5", "srs_2": "9.1", "srs_3": "9.8", "srs_4": "9.6"}


@pytest.fixture(autouse=True)
def empty_sms_outbox() -> Iterator[None]:
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def invite(
    clinic: SimpleNamespace, channel: str, measures: tuple[str, ...] = ("ors",), **kwargs: object
) -> tuple[Invitation, str]:
    return invitation_create(
        session=clinic.session,
        measures=list(measures),
        channel=channel,
        created_by=clinic.clinician,
        **kwargs,  # type: ignore[arg-type]
    )


def form_post(measure: str, answers: dict[str, str], key: str) -> dict[str, str]:
    return {"measure": measure, "form_key": key, **answers}


def alliance_settings(**changes: object) -> override_settings:
    """Override some keys of the ALLIANCE settings dict, keeping the others."""
    return override_settings(ALLIANCE={**settings.ALLIANCE, **changes})
