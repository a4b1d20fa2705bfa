"""The appointment pages: the client page's bookings, booking, moving, cancelling, attendance,
withdrawal, the caseload's appointment column and the day view (issue 11, point 4)."""

import datetime as dt
from types import SimpleNamespace

from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from alliance.care import appointments
from alliance.care.models import Session, SessionStatus
from alliance.clinic import progress, selectors
from alliance.measures.services import response_record
from tests.factories import PASSWORD, make_episode


def _browser(clinic: SimpleNamespace, role: str = "clinician") -> Browser:
    browser = Browser()
    assert browser.login(username=getattr(clinic, role).username, password=PASSWORD)
    return browser


def _day(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _at(days: int, hour: int = 14, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(_day(days), dt.time(hour, minute)))


def _book(clinic: SimpleNamespace, starts_at: dt.datetime, episode=None) -> Session:  # type: ignore[no-untyped-def]
    return appointments.appointment_book(
        episode=episode or clinic.episode, by=clinic.clinician, starts_at=starts_at
    )[0]


def _episode_page(clinic: SimpleNamespace, role: str = "clinician") -> str:
    url = reverse("clinic:episode", args=[clinic.episode.pk])
    return _browser(clinic, role).get(url).content.decode()


def test_the_client_page_lists_bookings_and_offers_a_book_form(clinic: SimpleNamespace) -> None:
    _book(clinic, _at(3, 9, 30))
    page = _episode_page(clinic)
    assert 'id="appointments"' in page and "09:30" in page
    assert reverse("clinic:appointment_book", args=[clinic.episode.pk]) in page
    assert "Start session 2" in page


def test_a_supervisor_sees_bookings_but_no_book_form(clinic: SimpleNamespace) -> None:
    _book(clinic, _at(3, 9, 30))
    page = _episode_page(clinic, "supervisor")
    assert "09:30" in page
    assert reverse("clinic:appointment_book", args=[clinic.episode.pk]) not in page


def test_booking_from_the_page_stores_the_series(clinic: SimpleNamespace) -> None:
    url = reverse("clinic:appointment_book", args=[clinic.episode.pk])
    data = {"day": f"{_day(2):%Y-%m-%d}", "time": "15:00", "duration_minutes": 45}
    answer = _browser(clinic).post(url, data | {"mode": "video", "repeat": "weekly", "count": 3})
    assert answer.status_code == 302
    booked = Session.objects.filter(episode=clinic.episode, status=SessionStatus.SCHEDULED)
    assert [s.number for s in booked.order_by("starts_at")] == [2, 3, 4]
    assert {s.mode for s in booked} == {"video"}


def test_a_booking_in_the_past_is_refused_on_its_field(clinic: SimpleNamespace) -> None:
    url = reverse("clinic:appointment_book", args=[clinic.episode.pk])
    data = {"day": f"{_day(-2):%Y-%m-%d}", "time": "15:00", "duration_minutes": 50}
    answer = _browser(clinic).post(url, data | {"mode": "in_person"})
    assert answer.status_code == 400
    assert "in the past" in answer.content.decode()
    assert clinic.episode.sessions.count() == 1


def test_an_overlap_is_warned_then_booked_once_confirmed(clinic: SimpleNamespace) -> None:
    _book(clinic, _at(4, 10), episode=make_episode(clinic.team_a, clinic.clinician))
    url = reverse("clinic:appointment_book", args=[clinic.episode.pk])
    data = {"day": f"{_day(4):%Y-%m-%d}", "time": "10:30", "duration_minutes": 50}
    data |= {"mode": "in_person", "attended_by": [clinic.clinician.pk]}
    warned = _browser(clinic).post(url, data)
    assert warned.status_code == 400 and 'name="confirm_overlap"' in warned.content.decode()
    assert "overlaps another session" in warned.content.decode()
    assert clinic.episode.sessions.count() == 1
    assert _browser(clinic).post(url, data | {"confirm_overlap": "on"}).status_code == 302
    assert clinic.episode.sessions.count() == 2


def test_a_booked_session_today_is_started_from_the_client_page(clinic: SimpleNamespace) -> None:
    booked = _book(clinic, timezone.now() + dt.timedelta(minutes=10))
    page = _episode_page(clinic)
    assert "Session 2 (" in page and "is starting" in page
    url = reverse("clinic:session_start", args=[clinic.episode.pk])
    answer = _browser(clinic).post(url, {"session": booked.pk})
    assert answer["Location"] == reverse("clinic:session", args=[booked.pk])
    booked.refresh_from_db()
    assert booked.status == SessionStatus.ATTENDED and booked.due == ["ors", "srs"]


def test_another_episodes_session_cannot_be_started_here(clinic: SimpleNamespace) -> None:
    other = _book(
        clinic,
        timezone.now() + dt.timedelta(minutes=10),
        make_episode(clinic.team_a, clinic.clinician),
    )
    url = reverse("clinic:session_start", args=[clinic.episode.pk])
    assert _browser(clinic).post(url, {"session": other.pk}).status_code == 404
    assert Session.objects.get(pk=other.pk).status == SessionStatus.SCHEDULED


def test_moving_and_cancelling_from_the_pages(clinic: SimpleNamespace) -> None:
    booked = _book(clinic, _at(5))
    browser = _browser(clinic)
    move = reverse("clinic:appointment_reschedule", args=[booked.pk])
    assert browser.get(move).status_code == 200
    data = {"day": f"{_day(6):%Y-%m-%d}", "time": "11:00", "duration_minutes": 50}
    assert browser.post(move, data | {"mode": "phone", "reason": "Asked"}).status_code == 302
    booked.refresh_from_db()
    assert (booked.starts_at, booked.mode) == (_at(6, 11), "phone")
    cancel = reverse("clinic:appointment_cancel", args=[booked.pk])
    assert browser.post(cancel, {"cancelled_by": "clinic"}).status_code == 400
    assert browser.post(cancel, {"cancelled_by": "clinic", "reason": "Ill"}).status_code == 302
    booked.refresh_from_db()
    assert (booked.status, booked.number, booked.cancelled_by) == ("cancelled", None, "clinic")


def _rate(session: Session, ors: float) -> None:
    response_record(
        session=session, instrument_code="ors", values={f"ors_{n}": ors for n in range(1, 5)}
    )


def test_a_cancelled_booking_leaves_no_gap_in_the_chart(clinic: SimpleNamespace) -> None:
    _rate(clinic.session, 4.0)
    cancelled = appointments.appointment_book(
        episode=clinic.episode,
        by=clinic.clinician,
        starts_at=timezone.now() - dt.timedelta(days=2),
        record_past=True,
    )[0]
    Session.objects.filter(pk=cancelled.pk).update(status=SessionStatus.SCHEDULED)
    appointments.appointment_cancel(
        session=cancelled, by=clinic.clinician, cancelled_by="client", reason="Unwell"
    )
    later = appointments.appointment_book(
        episode=clinic.episode,
        by=clinic.clinician,
        starts_at=timezone.now() - dt.timedelta(days=1),
        record_past=True,
    )[0]
    _rate(later, 5.0)
    episode = selectors.episode_detail(clinic.clinician, clinic.episode.pk)
    outcome = progress.episode_figures(episode)[0]
    assert [row[0] for row in outcome.table.rows] == ["1", "2"]


def test_the_caseload_shows_last_and_next_appointment_and_sessions_so_far(
    clinic: SimpleNamespace,
) -> None:
    _book(clinic, _at(3, 16, 45))
    page = _browser(clinic).get(reverse("clinic:caseload")).content.decode()
    assert "16:45" in page and "1 session so far" in page and "5 Jan" in page


def test_the_day_view_lists_todays_appointments_with_what_is_due(clinic: SimpleNamespace) -> None:
    _book(clinic, timezone.now() + dt.timedelta(minutes=20))
    _book(clinic, _at(2))
    page = _browser(clinic).get(reverse("clinic:today")).content.decode()
    assert clinic.episode.client.display_name in page
    assert "ORS" in page and "SRS" in page and "is starting" in page
    other = _browser(clinic, "colleague").get(reverse("clinic:today")).content.decode()
    assert clinic.episode.client.display_name not in other and "No appointments today" in other


def test_marking_a_past_booking_attended_or_missed(clinic: SimpleNamespace) -> None:
    booked = _book(clinic, timezone.now() + dt.timedelta(seconds=1))
    Session.objects.filter(pk=booked.pk).update(starts_at=timezone.now() - dt.timedelta(days=1))
    assert "did the client come?" in _episode_page(clinic)
    browser = _browser(clinic)
    browser.post(reverse("clinic:appointment_no_show", args=[booked.pk]))
    assert Session.objects.get(pk=booked.pk).status == SessionStatus.NO_SHOW


def test_a_session_opened_by_mistake_is_withdrawn_from_the_page(clinic: SimpleNamespace) -> None:
    url = reverse("clinic:session_start", args=[clinic.episode.pk])
    _browser(clinic).post(url, {"confirm_unbooked": "1"})
    started = Session.objects.get(episode=clinic.episode, number=2)
    assert reverse("clinic:appointment_withdraw", args=[started.pk]) in _episode_page(clinic)
    withdraw = reverse("clinic:appointment_withdraw", args=[started.pk])
    assert _browser(clinic).post(withdraw, {"reason": "Wrong client"}).status_code == 302
    started.refresh_from_db()
    assert (started.status, started.number) == (SessionStatus.WITHDRAWN, None)
    assert "Not counted" in _episode_page(clinic)
