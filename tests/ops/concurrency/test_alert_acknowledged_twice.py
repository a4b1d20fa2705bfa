"""Two members of a care team acknowledge the same alert at the same moment (issue 12, "Bad
input"): the alert is acknowledged once, by one of them with their note, and both are told
what stands; a session's "acknowledge all" clicked twice at once acknowledges each alert once."""

from functools import partial
from types import SimpleNamespace

import pytest

from alliance.care.models import CareRole, CareTeamMember
from alliance.feedback.models import Alert, AlertState
from alliance.feedback.services import (
    alert_acknowledge,
    alerts_acknowledge_session,
    alerts_refresh,
)
from alliance.measures.services import response_record
from tests.factories import make_session
from tests.ops.concurrency.conftest import ROUNDS, at_once, postgresql_only

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]


def _srs(total: float) -> dict[str, float]:
    return {f"srs_{n}": total / 4 for n in range(1, 5)}


def _phq9(item_9: int) -> dict[str, int]:
    return {**{f"phq9_{n}": 1 for n in range(1, 9)}, "phq9_9": item_9}


def _open_alerts(clinic: SimpleNamespace, number: int) -> list[Alert]:
    session = clinic.session if number == 1 else make_session(clinic.episode, number)
    response_record(session=session, instrument_code="srs", values=_srs(30.0))
    response_record(session=session, instrument_code="phq9", values=_phq9(2))
    alerts_refresh([clinic.episode], notify=False)
    return list(Alert.objects.open().filter(session=session))


def _care_team(clinic: SimpleNamespace) -> None:
    CareTeamMember.objects.create(
        episode=clinic.episode, member=clinic.colleague, role=CareRole.CASE_MANAGER
    )


def test_one_alert_acknowledged_twice_at_once_is_acknowledged_once(
    clinic: SimpleNamespace,
) -> None:
    _care_team(clinic)
    for number in range(1, ROUNDS + 1):
        alert = next(a for a in _open_alerts(clinic, number) if a.rule == "risk_answer")
        mine, theirs = Alert.objects.get(pk=alert.pk), Alert.objects.get(pk=alert.pk)
        answers = at_once(
            partial(alert_acknowledge, alert=mine, by=clinic.clinician, note="Phoned her"),
            partial(alert_acknowledge, alert=theirs, by=clinic.colleague, note="Saw her"),
        )
        assert all(isinstance(a, Alert) for a in answers), f"round {number}: {answers}"
        stored = Alert.objects.get(pk=alert.pk)
        assert stored.state == AlertState.ACKNOWLEDGED
        # Both callers are shown the acknowledgement that stands, not their own overwritten one.
        for answer in answers:
            seen = (answer.acknowledged_by_id, answer.acknowledgement_note, answer.acknowledged_at)
            stored_as = (
                stored.acknowledged_by_id,
                stored.acknowledgement_note,
                stored.acknowledged_at,
            )
            assert seen == stored_as, f"round {number}: acknowledged twice"
        assert (stored.acknowledged_by_id, stored.acknowledgement_note) in {
            (clinic.clinician.pk, "Phoned her"),
            (clinic.colleague.pk, "Saw her"),
        }


def test_acknowledge_all_clicked_twice_at_once_acknowledges_each_alert_once(
    clinic: SimpleNamespace,
) -> None:
    _care_team(clinic)
    for number in range(1, ROUNDS + 1):
        alerts = _open_alerts(clinic, number)
        assert len(alerts) >= 2
        session = alerts[0].session
        counts = at_once(
            partial(alerts_acknowledge_session, session=session, by=clinic.clinician, note="A"),
            partial(alerts_acknowledge_session, session=session, by=clinic.colleague, note="B"),
        )
        assert sum(counts) == len(alerts), f"round {number}: {counts}"
        states = set(Alert.objects.filter(session=session).values_list("state", flat=True))
        assert states == {AlertState.ACKNOWLEDGED}, f"round {number}: {states}"
