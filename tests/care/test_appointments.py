"""Booking, rescheduling, cancelling, attendance and withdrawal of sessions (issue 11, point 4)."""

import datetime as dt
import uuid
from itertools import pairwise
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alliance.care import appointments
from alliance.care.models import Session, SessionStatus
from alliance.clinic.services import UnbookedStart, session_start
from alliance.measures.models import Method, Rater, Response
from tests.factories import make_session, make_user


def _future(days: int = 3, hour: int = 14) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _book(clinic: SimpleNamespace, **kwargs: object) -> list[Session]:
    values: dict[str, object] = {"episode": clinic.episode, "by": clinic.clinician}
    values.setdefault("starts_at", _future())
    return appointments.appointment_book(**(values | kwargs))  # type: ignore[arg-type]


def _numbers(clinic: SimpleNamespace) -> list[tuple[str, int | None]]:
    return list(
        Session.objects.filter(episode=clinic.episode)
        .order_by("starts_at", "pk")
        .values_list("status", "number")
    )


def _answer(session: Session) -> Response:
    return Response.objects.create(
        session=session,
        instrument="ors",
        rater=Rater.CLIENT,
        method=Method.TABLET,
        items={},
        total=30.0,
        answered_at=timezone.now(),
        idempotency_key=uuid.uuid4(),
    )


def test_it_books_one_session_with_its_length_mode_and_staff(clinic: SimpleNamespace) -> None:
    (session,) = _book(clinic, duration_minutes=30, mode="video")
    assert (session.number, session.status) == (2, SessionStatus.SCHEDULED)
    assert (session.duration_minutes, session.mode) == (30, "video")
    assert list(session.attended_by.all()) == [clinic.clinician]
    assert session.booked_by == clinic.clinician and session.series is None


def test_a_weekly_series_of_four_keeps_its_hour_and_shares_a_series(
    clinic: SimpleNamespace,
) -> None:
    sessions = _book(clinic, repeat="weekly", count=4)
    assert [s.number for s in sessions] == [2, 3, 4, 5]
    assert len({s.series for s in sessions}) == 1 and sessions[0].series is not None
    assert {timezone.localtime(s.starts_at).hour for s in sessions} == {14}
    gaps = {(b.starts_at.date() - a.starts_at.date()).days for a, b in pairwise(sessions)}
    assert gaps <= {7}


def test_a_fortnightly_series_until_a_date_includes_that_date(clinic: SimpleNamespace) -> None:
    first = _future()
    sessions = _book(
        clinic, starts_at=first, repeat="fortnightly", until=first.date() + dt.timedelta(weeks=4)
    )
    assert len(sessions) == 3


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"starts_at": timezone.now() - dt.timedelta(hours=2)}, "starts_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 481}, "duration_minutes"),
        ({"mode": "carrier_pigeon"}, "mode"),
        ({"repeat": "daily", "count": 3}, "repeat"),
        ({"repeat": "weekly"}, "count"),
        ({"repeat": "weekly", "count": 53}, "count"),
        ({"repeat": "weekly", "until": timezone.localdate()}, "until"),
    ],
)
def test_bad_bookings_are_refused_naming_the_field_and_nothing_is_stored(
    clinic: SimpleNamespace, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _book(clinic, **kwargs)
    assert field in refused.value.message_dict
    assert Session.objects.filter(episode=clinic.episode).count() == 1


def test_an_end_before_the_start_is_refused(clinic: SimpleNamespace) -> None:
    start = _future()
    with pytest.raises(ValidationError) as refused:
        _book(clinic, starts_at=start, ends_at=start - dt.timedelta(minutes=10))
    assert "after the start" in refused.value.message_dict["ends_at"][0]
    (session,) = _book(clinic, starts_at=start, ends_at=start + dt.timedelta(minutes=45))
    assert session.duration_minutes == 45


def test_a_mode_refusal_names_the_allowed_modes(clinic: SimpleNamespace) -> None:
    with pytest.raises(ValidationError) as refused:
        _book(clinic, mode="fax")
    assert "in_person, video, phone" in refused.value.message_dict["mode"][0]


def test_a_past_session_is_recorded_only_when_said_and_then_as_attended(
    clinic: SimpleNamespace,
) -> None:
    past = timezone.now() - dt.timedelta(days=1)
    (session,) = _book(clinic, starts_at=past, record_past=True)
    assert session.status == SessionStatus.ATTENDED and session.number == 2


def test_staff_off_the_care_team_cannot_be_booked(clinic: SimpleNamespace) -> None:
    with pytest.raises(ValidationError) as refused:
        _book(clinic, attended_by=[clinic.colleague])
    assert "attended_by" in refused.value.message_dict


def test_an_overlap_of_the_same_clinician_is_warned_and_booked_once_confirmed(
    clinic: SimpleNamespace,
) -> None:
    other = appointments.appointment_book(
        episode=_other_episode(clinic), by=clinic.clinician, starts_at=_future(hour=14)
    )[0]
    with pytest.raises(appointments.AppointmentOverlap) as warned:
        _book(clinic, starts_at=_future(hour=14) + dt.timedelta(minutes=30))
    assert warned.value.clashes == [other]
    assert Session.objects.filter(episode=clinic.episode).count() == 1
    _book(clinic, starts_at=_future(hour=14) + dt.timedelta(minutes=30), confirm_overlap=True)
    assert Session.objects.filter(episode=clinic.episode).count() == 2


def test_back_to_back_sessions_do_not_overlap(clinic: SimpleNamespace) -> None:
    appointments.appointment_book(
        episode=_other_episode(clinic), by=clinic.clinician, starts_at=_future(hour=13)
    )
    _book(clinic, starts_at=_future(hour=13) + dt.timedelta(minutes=50))


def _other_episode(clinic: SimpleNamespace):  # type: ignore[no-untyped-def]
    from tests.factories import make_episode

    return make_episode(clinic.team_a, clinic.clinician)


def test_booking_the_same_start_twice_stores_one_session(clinic: SimpleNamespace) -> None:
    first = _book(clinic, repeat="weekly", count=3)
    again = _book(clinic, repeat="weekly", count=3)
    assert [s.pk for s in first] == [s.pk for s in again]
    assert Session.objects.filter(episode=clinic.episode).count() == 4


def test_an_ended_episode_takes_no_bookings(clinic: SimpleNamespace) -> None:
    clinic.episode.ended_on, clinic.episode.ending = dt.date(2026, 3, 1), "planned"
    clinic.episode.save(update_fields=["ended_on", "ending"])
    with pytest.raises(ValidationError) as refused:
        _book(clinic)
    assert "episode" in refused.value.message_dict


def test_a_cancelled_booking_loses_its_number_and_leaves_no_gap(clinic: SimpleNamespace) -> None:
    _second, third, _fourth = _book(clinic, repeat="weekly", count=3)
    cancelled = appointments.appointment_cancel(
        session=third, by=clinic.clinician, cancelled_by="client", reason="Unwell"
    )
    assert (cancelled.number, cancelled.cancelled_by, cancelled.reason) == (
        None,
        "client",
        "Unwell",
    )
    assert cancelled.history[-1]["status"] == "scheduled"
    assert [n for _s, n in _numbers(clinic)] == [1, 2, None, 3]
    again = appointments.appointment_cancel(
        session=third, by=clinic.clinician, cancelled_by="client", reason="Unwell"
    )
    assert len(again.history) == len(cancelled.history)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cancelled_by": "weather", "reason": "Snow"}, "cancelled_by"),
        ({"cancelled_by": "clinic", "reason": " "}, "reason"),
    ],
)
def test_a_cancellation_says_who_and_why(
    clinic: SimpleNamespace, kwargs: dict[str, str], field: str
) -> None:
    (session,) = _book(clinic)
    with pytest.raises(ValidationError) as refused:
        appointments.appointment_cancel(session=session, by=clinic.clinician, **kwargs)
    assert field in refused.value.message_dict
    assert Session.objects.get(pk=session.pk).status == SessionStatus.SCHEDULED


def test_an_attended_session_is_not_cancelled_here(clinic: SimpleNamespace) -> None:
    with pytest.raises(ValidationError) as refused:
        appointments.appointment_cancel(
            session=clinic.session, by=clinic.clinician, cancelled_by="clinic", reason="Oops"
        )
    assert "status" in refused.value.message_dict


def test_rescheduling_moves_the_session_keeps_history_and_renumbers(
    clinic: SimpleNamespace,
) -> None:
    early, late = _book(clinic, repeat="weekly", count=2)
    moved = appointments.appointment_reschedule(
        session=early,
        by=clinic.clinician,
        starts_at=late.starts_at + dt.timedelta(days=1),
        reason="Client asked",
    )
    assert moved.number == 3 and Session.objects.get(pk=late.pk).number == 2
    assert moved.history[-1]["starts_at"] == early.starts_at.isoformat()
    assert moved.history[-1]["reason"] == "Client asked"
    same = appointments.appointment_reschedule(
        session=moved, by=clinic.clinician, starts_at=moved.starts_at
    )
    assert len(same.history) == len(moved.history)


def test_rescheduling_into_the_past_is_refused(clinic: SimpleNamespace) -> None:
    (session,) = _book(clinic)
    with pytest.raises(ValidationError) as refused:
        appointments.appointment_reschedule(
            session=session, by=clinic.clinician, starts_at=timezone.now() - dt.timedelta(days=1)
        )
    assert "starts_at" in refused.value.message_dict


def test_a_future_session_cannot_be_marked_attended_yet(clinic: SimpleNamespace) -> None:
    (session,) = _book(clinic)
    with pytest.raises(ValidationError):
        appointments.appointment_attended(session=session, by=clinic.clinician)


def test_a_session_that_has_begun_is_marked_attended_or_no_show(clinic: SimpleNamespace) -> None:
    (session,) = _book(clinic, starts_at=timezone.now() + dt.timedelta(minutes=1))
    attended = appointments.appointment_attended(session=session, by=clinic.clinician)
    assert attended.status == SessionStatus.ATTENDED and attended.due == ["ors", "srs"]
    missed = appointments.appointment_no_show(session=session, by=clinic.clinician)
    assert (missed.status, missed.number) == (SessionStatus.NO_SHOW, 2)
    assert [h["what"] for h in missed.history] == ["attended", "no_show"]


def test_a_session_with_answers_is_not_a_no_show(clinic: SimpleNamespace) -> None:
    _answer(clinic.session)
    with pytest.raises(ValidationError):
        appointments.appointment_no_show(session=clinic.session, by=clinic.clinician)


def test_a_session_opened_by_mistake_is_withdrawn_kept_and_not_counted(
    clinic: SimpleNamespace,
) -> None:
    later = make_session(clinic.episode, 2)
    withdrawn = appointments.appointment_withdraw(
        session=clinic.session, by=clinic.clinician, reason="Wrong client"
    )
    assert (withdrawn.status, withdrawn.number, withdrawn.reason) == (
        "withdrawn",
        None,
        "Wrong client",
    )
    assert Session.objects.get(pk=later.pk).number == 1
    assert withdrawn.history[-1]["number"] == 1


def test_a_session_with_answers_cannot_be_withdrawn(clinic: SimpleNamespace) -> None:
    _answer(clinic.session)
    with pytest.raises(ValidationError) as refused:
        appointments.appointment_withdraw(session=clinic.session, by=clinic.clinician, reason="x")
    assert "session" in refused.value.message_dict
    assert Session.objects.get(pk=clinic.session.pk).status == SessionStatus.ATTENDED


def test_withdrawing_needs_a_reason(clinic: SimpleNamespace) -> None:
    with pytest.raises(ValidationError) as refused:
        appointments.appointment_withdraw(session=clinic.session, by=clinic.clinician, reason="")
    assert "reason" in refused.value.message_dict


def test_renumbering_reorders_by_date_under_the_unique_rule(clinic: SimpleNamespace) -> None:
    # Numbers the wrong way round (as an import or a correction of dates could leave them).
    for number in (2, 3, 4):
        make_session(clinic.episode, number)
    sessions = list(Session.objects.filter(episode=clinic.episode).order_by("starts_at"))
    Session.objects.filter(episode=clinic.episode).update(number=None)
    for session, number in zip(sessions, (4, 3, 2, 1), strict=True):
        Session.objects.filter(pk=session.pk).update(number=number)
    Session.objects.filter(pk=sessions[1].pk).update(status=SessionStatus.CANCELLED)
    assert appointments.sessions_renumber(clinic.episode) == 3  # the third keeps 2
    assert [n for _s, n in _numbers(clinic)] == [1, None, 2, 3]
    assert appointments.sessions_renumber(clinic.episode) == 0


def test_starting_a_booked_session_today_marks_it_attended_and_fixes_what_is_due(
    clinic: SimpleNamespace,
) -> None:
    (booked,) = _book(clinic, starts_at=timezone.now() + dt.timedelta(minutes=5))
    started = session_start(episode=clinic.episode, by=clinic.colleague, session=booked)
    assert started.pk == booked.pk and started.status == SessionStatus.ATTENDED
    assert started.due == ["ors", "srs"]
    assert set(started.attended_by.all()) == {clinic.clinician, clinic.colleague}
    again = session_start(episode=clinic.episode, by=clinic.clinician, session=booked)
    assert again.pk == booked.pk and Session.objects.filter(episode=clinic.episode).count() == 2


def test_a_booked_session_of_another_day_does_not_start(clinic: SimpleNamespace) -> None:
    (booked,) = _book(clinic)
    with pytest.raises(ValidationError) as refused:
        session_start(episode=clinic.episode, by=clinic.clinician, session=booked)
    assert "session" in refused.value.message_dict


def test_an_unbooked_session_starts_now_only_once_confirmed(clinic: SimpleNamespace) -> None:
    (later,) = _book(clinic)
    with pytest.raises(UnbookedStart):
        session_start(episode=clinic.episode, by=clinic.clinician)
    started = session_start(episode=clinic.episode, by=clinic.clinician, confirm_unbooked=True)
    assert (started.number, started.status) == (2, SessionStatus.ATTENDED)
    assert Session.objects.get(pk=later.pk).number == 3
    assert started.due == ["ors", "srs"]


def test_a_clinician_of_another_organisation_is_never_a_clash(clinic: SimpleNamespace) -> None:
    from alliance.accounts.models import Organisation

    stranger = make_user("stranger", organisation=Organisation.objects.create(name="Elsewhere"))
    assert appointments.overlapping_sessions([stranger.pk], _future(), 50) == []


def test_a_session_with_a_task_agreed_is_neither_withdrawn_nor_cancelled(
    clinic: SimpleNamespace,
) -> None:
    from alliance.care.models import Task

    Task.objects.create(
        episode=clinic.episode,
        agreed_in=clinic.session,
        what="A walk",
        client_agreed=True,
        created_by=clinic.clinician,
    )
    with pytest.raises(ValidationError):
        appointments.appointment_withdraw(session=clinic.session, by=clinic.clinician, reason="x")
    assert Session.objects.get(pk=clinic.session.pk).number == 1


def test_the_session_page_of_a_cancelled_booking_opens(clinic: SimpleNamespace) -> None:
    from django.test import Client as Browser
    from django.urls import reverse

    from alliance.care.models import Goal, GoalRating
    from tests.factories import PASSWORD

    goal = Goal.objects.create(episode=clinic.episode, text="Sleep", created_by=clinic.clinician)
    GoalRating.objects.create(
        goal=goal, session=clinic.session, rating=4, recorded_by=clinic.clinician
    )
    (booked,) = _book(clinic)
    appointments.appointment_cancel(
        session=booked, by=clinic.clinician, cancelled_by="clinic", reason="Ill"
    )
    browser = Browser()
    assert browser.login(username="clinician", password=PASSWORD)
    assert browser.get(reverse("clinic:session", args=[booked.pk])).status_code == 200


def test_the_day_views_due_measures_agree_with_the_plans_own(clinic: SimpleNamespace) -> None:
    from alliance.care import plans
    from alliance.clinic.appointment_selectors import due_for_sessions

    items = plans.check_items(
        [
            {"instrument": "ors", "repeat": "sessions", "interval": 1},
            {"instrument": "phq9", "at_intake": True, "repeat": "sessions", "interval": 2},
            {"instrument": "gad7", "repeat": "weeks", "interval": 2},
            {"instrument": "srs", "repeat": "sessions", "interval": 1},
        ]
    )
    plans.plan_set(episode=clinic.episode, items=items, by=clinic.clinician)
    _answer(clinic.session)
    booked = _book(clinic, repeat="weekly", count=4, final=True)
    sessions = list(
        Session.objects.filter(episode=clinic.episode)
        .select_related("episode")
        .prefetch_related("episode__plan")
    )
    bulk = due_for_sessions(sessions)
    assert {s.pk: plans.due_for_session(s) for s in sessions} == bulk
    assert bulk[booked[0].pk] == ["ors", "phq9", "gad7", "srs"]
