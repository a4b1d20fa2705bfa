"""Not on track per measure (issue 12, point 2: "not on track where a trajectory exists"): a
PHQ-9 or GAD-7 rated beside the ORS is judged against its own expected band, the one its chart
draws, and the alert names the measure."""

from types import SimpleNamespace

import pytest

from alliance.clinic.explain import alert_reason
from alliance.feedback.models import Alert
from alliance.feedback.services import alerts_refresh
from alliance.measures import catalogue
from alliance.measures.services import response_record
from tests.factories import make_session


def _rate(clinic: SimpleNamespace, code: str, per_item: list[int]) -> None:
    items = [item.code for item in catalogue.instrument(code).scored_items]
    for number, value in enumerate(per_item, start=1):
        session = clinic.session if number == 1 else make_session(clinic.episode, number)
        values = dict.fromkeys(items, value)
        if code == "phq9":
            values["phq9_9"] = 0
        response_record(session=session, instrument_code=code, values=values)
    alerts_refresh([clinic.episode], notify=False)


@pytest.mark.parametrize("code", ["phq9", "gad7"])
def test_a_second_measure_above_its_expected_band_is_not_on_track(
    clinic: SimpleNamespace, code: str
) -> None:
    _rate(clinic, code, [1, 1, 2, 3])  # getting worse where most clients get better
    found = Alert.objects.filter(episode=clinic.episode, rule="not_on_track", measure=code)
    alert = found.get(state="open")  # one open card; the earlier one superseded by it
    assert alert.session.number == 4 and alert.since_session < 4
    assert alert.evidence["score"] > alert.evidence["expected_boundary"]
    name = "PHQ-9" if code == "phq9" else "GAD-7"
    assert alert_reason(alert).startswith(f"{name}: Score ")
    assert "above the expected range" in alert_reason(alert)


def test_a_second_measure_improving_as_expected_raises_nothing(clinic: SimpleNamespace) -> None:
    _rate(clinic, "phq9", [2, 2, 1, 1])
    assert not Alert.objects.filter(rule="not_on_track").exists()
