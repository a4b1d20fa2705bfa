"""Which measures are due at a session (alliance.science.plans)."""

import datetime as dt

import pytest

from alliance.science.plans import PlanItem, check_plan, due_measures, is_due

START = dt.date(2026, 1, 5)
PHASES = {"srs": "end", "wai_sr": "end"}


def _week(n: int) -> dt.date:
    return START + dt.timedelta(weeks=n)


def test_the_issue_s_example_plan_over_twelve_sessions() -> None:
    plan = [
        PlanItem("ors", repeat="sessions", interval=1, position=0),
        PlanItem("srs", repeat="sessions", interval=1, position=1),
        PlanItem("phq9", at_intake=True, at_end=True, repeat="sessions", interval=4, position=2),
        PlanItem("gad7", at_intake=True, at_end=True, repeat="sessions", interval=4, position=3),
        PlanItem("wai_sr", repeat="sessions", interval=5, position=4),
    ]
    due = {n: due_measures(plan, number=n, phases=PHASES, final=n == 12) for n in range(1, 13)}
    assert due[1] == ["ors", "phq9", "gad7", "srs"]
    assert due[2] == ["ors", "srs"]
    assert due[4] == ["ors", "phq9", "gad7", "srs"]
    assert due[5] == ["ors", "srs", "wai_sr"]
    assert due[10] == ["ors", "srs", "wai_sr"]
    assert due[12] == ["ors", "phq9", "gad7", "srs"]
    assert [n for n, codes in due.items() if "phq9" in codes] == [1, 4, 8, 12]


def test_at_the_end_is_due_only_at_the_session_planned_as_last() -> None:
    item = PlanItem("phq9", at_end=True)
    assert not is_due(item, number=7)
    assert is_due(item, number=7, final=True)


def test_every_n_weeks_counts_from_the_last_time_given_else_from_the_start() -> None:
    item = PlanItem("wai_sr", repeat="weeks", interval=4)
    assert not is_due(item, number=2, on=_week(3), started_on=START)
    assert is_due(item, number=5, on=_week(4), started_on=START)
    assert not is_due(item, number=6, on=_week(5), started_on=START, last_given=_week(4))
    assert is_due(item, number=9, on=_week(8), started_on=START, last_given=_week(4))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"repeat": "sessions", "interval": 0}, "interval: must be a whole number from 1 to 52"),
        ({"repeat": "weeks", "interval": -2}, "interval: must be a whole number from 1 to 52"),
        ({"repeat": "sessions", "interval": 53}, "interval: must be a whole number from 1 to 52"),
        ({"repeat": "sessions", "interval": True}, "interval: must be a whole number"),
        ({"repeat": "", "interval": 3}, "interval: must be empty when not repeating"),
        ({"repeat": "monthly", "interval": 1}, "repeat: must be one of"),
        ({}, "must be given at intake, at the end or repeatedly"),
    ],
)
def test_a_plan_item_that_cannot_be_given_is_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PlanItem("phq9", **kwargs)


def test_a_measure_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="phq9 is listed twice"):
        check_plan([PlanItem("phq9", at_intake=True), PlanItem("phq9", at_end=True)])


def test_a_session_number_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="number: must be a session number >= 1"):
        is_due(PlanItem("ors", repeat="sessions", interval=1), number=0)
