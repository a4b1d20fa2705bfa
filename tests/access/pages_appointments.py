"""The appointment pages (issue 11, point 4), tried as every role by test_urls_by_role.py; their
writes are in ``WRITES`` here, tried as every role by test_writes_by_role.py."""

import datetime as dt
from types import SimpleNamespace

from django.urls import reverse
from django.utils import timezone

from alliance.care.models import Session, SessionStatus
from tests.access.roles import CARE_TEAM_PAGE, STAFF_PAGE

# Only the care team books: the team's supervisor reads the client but is refused the forms.
BOOKING_PAGE = CARE_TEAM_PAGE | {"supervisor": 403}
CARE_TEAM_WRITE = {
    "anonymous": 302,
    "clinician": 302,
    "colleague": 404,
    "supervisor": 403,
    "other_supervisor": 404,
    "administrator": 404,
    "outsider": 404,
}


def _session(cast: SimpleNamespace, name: str, starts_at: dt.datetime) -> Session:
    """One booked session per cast and name, made on first use."""
    if not hasattr(cast, name):
        session = Session.objects.create(
            episode=cast.episode, starts_at=starts_at, status=SessionStatus.SCHEDULED
        )
        session.attended_by.add(cast.clinician)
        setattr(cast, name, session)
    found: Session = getattr(cast, name)
    return found


def booked_of(cast: SimpleNamespace) -> Session:
    """A session booked for next week."""
    return _session(cast, "booked", timezone.now() + dt.timedelta(days=7))


def begun_of(cast: SimpleNamespace) -> Session:
    """A booked session whose time has come (marked attended or no-show)."""
    return _session(cast, "begun", timezone.now() - dt.timedelta(minutes=30))


def _next_week() -> str:
    return f"{timezone.localdate() + dt.timedelta(days=8):%Y-%m-%d}"


PAGES = {
    "clinic:today": (lambda c: reverse("clinic:today"), STAFF_PAGE),
    "clinic:appointment_book": (
        lambda c: reverse("clinic:appointment_book", args=[c.episode.pk]),
        BOOKING_PAGE,
    ),
    # The cast's own session, so the audit test finds the session it expects; the forms show
    # for any session and the services refuse what does not apply (tests/clinic/).
    "clinic:appointment_reschedule": (
        lambda c: reverse("clinic:appointment_reschedule", args=[c.session.pk]),
        BOOKING_PAGE,
    ),
    "clinic:appointment_cancel": (
        lambda c: reverse("clinic:appointment_cancel", args=[c.session.pk]),
        BOOKING_PAGE,
    ),
    "clinic:appointment_withdraw": (
        lambda c: reverse("clinic:appointment_withdraw", args=[c.session.pk]),
        BOOKING_PAGE,
    ),
}

# Writes (POST) and the REST routes (bearer token): tried as every role in test_writes_by_role.py
# and tests/api/test_appointments_api.py.
NOT_GET_PAGES = {
    "clinic:appointment_attended",
    "clinic:appointment_no_show",
    "api:appointment_list",
    "api:appointment_create",
    "api:appointment_detail",
    "api:appointment_change",
    "api:session_due",
}

WRITES = {
    "clinic:appointment_book": (
        lambda c: reverse("clinic:appointment_book", args=[c.episode.pk]),
        lambda c: {"day": _next_week(), "time": "14:00", "duration_minutes": 50, "mode": "video"},
        lambda c: Session.objects.filter(episode=c.episode).count(),
        CARE_TEAM_WRITE,
    ),
    "clinic:appointment_reschedule": (
        lambda c: reverse("clinic:appointment_reschedule", args=[booked_of(c).pk]),
        lambda c: {"day": _next_week(), "time": "09:30", "duration_minutes": 50, "mode": "phone"},
        lambda c: Session.objects.get(pk=booked_of(c).pk).starts_at,
        CARE_TEAM_WRITE,
    ),
    "clinic:appointment_cancel": (
        lambda c: reverse("clinic:appointment_cancel", args=[booked_of(c).pk]),
        lambda c: {"cancelled_by": "client", "reason": "Unwell"},
        lambda c: Session.objects.get(pk=booked_of(c).pk).status,
        CARE_TEAM_WRITE,
    ),
    "clinic:appointment_attended": (
        lambda c: reverse("clinic:appointment_attended", args=[begun_of(c).pk]),
        lambda c: {},
        lambda c: Session.objects.get(pk=begun_of(c).pk).status,
        CARE_TEAM_WRITE,
    ),
    "clinic:appointment_no_show": (
        lambda c: reverse("clinic:appointment_no_show", args=[begun_of(c).pk]),
        lambda c: {},
        lambda c: Session.objects.get(pk=begun_of(c).pk).status,
        CARE_TEAM_WRITE,
    ),
    "clinic:appointment_withdraw": (
        lambda c: reverse("clinic:appointment_withdraw", args=[c.session.pk]),
        lambda c: {"reason": "Opened for the wrong client"},
        lambda c: Session.objects.get(pk=c.session.pk).status,
        CARE_TEAM_WRITE,
    ),
}
