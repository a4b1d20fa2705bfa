"""Missed measurement in reports: measures due at attended sessions and not given, its own
figure and never a score; a voided answer is not an answer (issue 11, point 3)."""

import datetime as dt
from types import SimpleNamespace

import pytest

from alliance.care import plans
from alliance.care.models import SessionStatus
from alliance.clinic.corrections import response_void
from alliance.measures.services import response_record
from alliance.reports.selectors import report_build, report_scope
from tests.factories import make_session

pytestmark = pytest.mark.django_db

PLAN = [
    {"instrument": "ors", "repeat": "sessions", "interval": 1},
    {"instrument": "srs", "repeat": "sessions", "interval": 1},
    {"instrument": "phq9", "at_intake": True, "repeat": "sessions", "interval": 4},
]
ORS = {"ors_1": 4.5, "ors_2": 6, "ors_3": 5.2, "ors_4": 3.3}
SRS = {"srs_1": 9.5, "srs_2": 9.1, "srs_3": 9.8, "srs_4": 9.6}


def _figures(clinic: SimpleNamespace) -> dict[str, tuple[float | None, int | None]]:
    scope = report_scope(
        viewer=None,
        organisation=clinic.org.name,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 1),
    )
    return {f.key: (f.value, f.n) for f in report_build(scope).figures if f.section == "completion"}


def test_measures_due_and_not_given_are_counted_on_their_own(clinic: SimpleNamespace) -> None:
    plans.plan_set(episode=clinic.episode, items=plans.check_items(PLAN), by=clinic.clinician)
    response_record(session=clinic.session, instrument_code="ors", values=ORS)  # phq9, srs missed
    second = make_session(clinic.episode, 2)
    response_record(session=second, instrument_code="ors", values=ORS)
    srs = response_record(session=second, instrument_code="srs", values=SRS)
    make_session(clinic.episode, 3, status=SessionStatus.NO_SHOW)  # nothing is missed there
    figures = _figures(clinic)
    assert figures["missed_measurement_rate"] == (2 / 5, 5)
    assert figures["sessions_with_missed_measurement"] == (1, 1)
    response_void(response=srs, by=clinic.clinician, reason="Wrong client")
    figures = _figures(clinic)
    assert figures["missed_measurement_rate"] == (3 / 5, 5)
    assert figures["sessions_with_missed_measurement"] == (2, 2)


@pytest.fixture(autouse=True)
def every_figure_shown(settings: pytest.FixtureRequest) -> None:
    settings.ALLIANCE = {**settings.ALLIANCE, "REPORT_MIN_CLIENTS": 1}  # type: ignore[attr-defined]
