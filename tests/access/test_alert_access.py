"""Who may close an alert, one at a time or a whole session's, and who is told of a risk
answer: alliance.access decides (``may_close_alert``, ``may_close_session_alerts``,
``alert_supervisors``, ``risk_answer_recipients``), tried as each of the seven roles."""

from types import SimpleNamespace

import pytest

from alliance import access
from alliance.feedback.models import Alert
from tests.access.people import only, person
from tests.access.roles import ROLES

CLOSES = only("clinician")
TOLD_OF_RISK = only("clinician", "supervisor")


def _alert(cast: SimpleNamespace) -> Alert:
    return Alert.objects.create(
        episode=cast.episode,
        session=cast.session,
        rule="risk_answer",
        severity="critical",
        priority=0,
        evidence={"why": "a test"},
        advice_code="test",
        advice="Assess it today.",
    )


@pytest.mark.parametrize("role", ROLES)
def test_only_the_care_team_closes_an_alert(clinic: SimpleNamespace, role: str) -> None:
    assert access.may_close_alert(person(clinic, role), _alert(clinic)) is CLOSES[role]  # type: ignore[arg-type]


@pytest.mark.parametrize("role", ROLES)
def test_only_the_care_team_closes_a_session_s_alerts(clinic: SimpleNamespace, role: str) -> None:
    closes = access.may_close_session_alerts(person(clinic, role), clinic.session)  # type: ignore[arg-type]
    assert closes is CLOSES[role]


@pytest.mark.parametrize("role", ROLES)
def test_who_is_told_of_a_risk_answer(clinic: SimpleNamespace, role: str) -> None:
    told = access.risk_answer_recipients(_alert(clinic))
    assert (person(clinic, role) in told) is TOLD_OF_RISK[role]


def test_the_supervisors_told_are_the_team_s_only(clinic: SimpleNamespace) -> None:
    assert list(access.alert_supervisors(_alert(clinic))) == [clinic.supervisor]
