"""Measurement plans in the database: due measures per session, missed measurement, defaults."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from alliance.care import plans
from alliance.care.models import MeasurePlanItem, PlanDefault, SessionStatus
from alliance.measures.models import Method, Rater, Response
from tests.factories import make_session

ADULTS_PLAN = [
    {"instrument": "ors", "repeat": "sessions", "interval": 1},
    {"instrument": "srs", "repeat": "sessions", "interval": 1},
    {"instrument": "phq9", "at_intake": True, "at_end": True, "repeat": "sessions", "interval": 4},
]


def _answer(session, instrument: str, rater: str = Rater.CLIENT, by=None) -> Response:
    import uuid

    return Response.objects.create(
        session=session,
        instrument=instrument,
        rater=rater,
        rater_user=by,
        method=Method.TABLET,
        items={},
        total=30.0,
        answered_at=timezone.now(),
        idempotency_key=uuid.uuid4(),
    )


def test_an_episode_without_a_plan_gives_its_two_measures_every_session(clinic) -> None:
    assert plans.due_for_session(clinic.session) == ["ors", "srs"]


def test_the_plan_decides_what_is_due_session_by_session(clinic: SimpleNamespace) -> None:
    plans.plan_set(
        episode=clinic.episode, items=plans.check_items(ADULTS_PLAN), by=clinic.clinician
    )
    sessions = [clinic.session] + [make_session(clinic.episode, n) for n in range(2, 5)]
    due = [plans.due_for_session(s) for s in sessions]
    assert due == [["ors", "phq9", "srs"], ["ors", "srs"], ["ors", "srs"], ["ors", "phq9", "srs"]]
    clinic.episode.refresh_from_db()
    [change] = clinic.episode.history
    assert change["what"] == "measurement_plan"
    assert change["before"][0]["instrument"] == "ors" and len(change["after"]) == 3


def test_what_was_due_stays_fixed_once_the_session_started(clinic: SimpleNamespace) -> None:
    assert plans.fix_due(clinic.session) == ["ors", "srs"]
    plans.plan_set(
        episode=clinic.episode, items=plans.check_items(ADULTS_PLAN), by=clinic.clinician
    )
    clinic.session.refresh_from_db()
    assert plans.due_for_session(clinic.session) == ["ors", "srs"]


def test_missed_measurement_counts_the_client_s_answers_only(clinic: SimpleNamespace) -> None:
    session = clinic.session
    plans.fix_due(session)
    _answer(session, "srs", Rater.CLINICIAN, clinic.clinician)
    assert plans.missed_measures(session) == ["ors", "srs"]
    _answer(session, "ors")
    assert plans.missed_measures(session) == ["srs"]


def test_a_voided_answer_makes_the_measure_due_again(clinic: SimpleNamespace) -> None:
    session = clinic.session
    response = _answer(session, "ors")
    assert plans.missed_measures(session) == ["srs"]
    Response.everything.filter(pk=response.pk).update(
        voided_at=timezone.now(), voided_by=clinic.clinician, void_reason="wrong client"
    )
    assert plans.missed_measures(session) == ["ors", "srs"]
    assert Response.everything.filter(pk=response.pk).exists()
    assert not Response.objects.filter(pk=response.pk).exists()


def test_a_cancelled_session_has_nothing_due_and_nothing_missed(clinic: SimpleNamespace) -> None:
    session = make_session(clinic.episode, 2, status=SessionStatus.CANCELLED)
    session.number = None
    assert plans.due_for_session(session) == []
    assert plans.missed_measures(session) == []


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"instrument": "xyz", "repeat": "sessions", "interval": 1}, "xyz is not an installed"),
        ({"instrument": "phq9", "repeat": "sessions", "interval": 0}, "from 1 to 52"),
        ({"instrument": "phq9", "repeat": "weeks", "interval": -1}, "from 1 to 52"),
        ({"instrument": "phq9"}, "at intake, at the end or repeatedly"),
    ],
)
def test_a_bad_plan_is_refused_naming_the_field(clinic, entry: dict, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        plans.check_items([entry])
    assert "measurement_plan" in refused.value.message_dict
    assert message in " ".join(refused.value.message_dict["measurement_plan"])
    assert not MeasurePlanItem.objects.exists()


def test_the_database_refuses_an_unknown_measure_and_a_zero_interval(clinic) -> None:
    with pytest.raises(ValidationError, match="not an installed measure"):
        MeasurePlanItem(episode=clinic.episode, instrument="xyz", at_intake=True).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        MeasurePlanItem.objects.bulk_create(
            [
                MeasurePlanItem(
                    episode=clinic.episode, instrument="phq9", repeat="sessions", interval=0
                )
            ]
        )


def test_a_team_default_plan_is_where_a_new_episode_starts(clinic: SimpleNamespace) -> None:
    assert [i.instrument for i in plans.default_plan(clinic.team_a, "individual")] == ["ors", "srs"]
    plans.plan_default_set(
        team=clinic.team_a, setting="individual", items=plans.check_items(ADULTS_PLAN)
    )
    assert [i.instrument for i in plans.default_plan(clinic.team_a, "individual")] == [
        "ors",
        "srs",
        "phq9",
    ]
    assert plans.default_plan(clinic.team_a, "couple")[0].instrument == "ors"
    assert PlanDefault.objects.count() == 3


def test_every_n_weeks_reads_when_it_was_last_answered(clinic: SimpleNamespace) -> None:
    plans.plan_set(
        episode=clinic.episode,
        items=plans.check_items([{"instrument": "wai_sr", "repeat": "weeks", "interval": 2}]),
        by=clinic.clinician,
    )
    second = make_session(clinic.episode, 2)
    third = make_session(clinic.episode, 3)
    assert plans.due_for_session(second) == []
    assert plans.due_for_session(third) == ["wai_sr"]
    _answer(third, "wai_sr")
    fourth = make_session(clinic.episode, 4)
    assert plans.due_for_session(fourth) == []
    assert clinic.episode.started_on == dt.date(2026, 1, 5)
