"""The client portal's pages in the role table.

The client-facing pages need no log-in: a made-up link token answers 404 to everyone, and the
kiosk's code page is open to all. The staff page that shows a kiosk code is for its maker only.
Starting a hand-off, sending a link and making a code are POSTs (``portal:invite``): their
answers by role are in ``tests/portal/test_tablet.py``.
"""

import datetime as dt
from types import SimpleNamespace

from django.urls import reverse
from django.utils import timezone

from alliance.care.models import Session, SessionStatus
from alliance.portal.models import Invitation
from alliance.portal.reminders import schedule_for_session
from alliance.portal.services import invitation_create
from tests.access.roles import ROLES


def _kiosk_code_url(cast: SimpleNamespace) -> str:
    invitation, _code = invitation_create(
        session=cast.session, measures=["ors"], channel="kiosk", created_by=cast.clinician
    )
    return reverse("portal:kiosk_code", args=[invitation.pk])


LOGGED_IN_ELSE_404 = {role: 404 for role in ROLES} | {"anonymous": 302}
MAKER_ONLY = {role: 404 for role in ROLES} | {"anonymous": 302, "clinician": 200}

PAGES = {
    "portal:kiosk": (lambda c: reverse("portal:kiosk"), dict.fromkeys(ROLES, 200)),
    "portal:link": (lambda c: reverse("portal:link", args=["made-up"]), dict.fromkeys(ROLES, 404)),
    "portal:thanks": (lambda c: reverse("portal:thanks"), dict.fromkeys(ROLES, 404)),
    # Without a tablet handed over there is no form here; a logged-in user is told so.
    "portal:tablet": (lambda c: reverse("portal:tablet"), LOGGED_IN_ELSE_404),
    # Without a hand-off, taking the tablet back just returns to the caseload.
    "portal:tablet_return": (lambda c: reverse("portal:tablet_return"), dict.fromkeys(ROLES, 302)),
    "portal:kiosk_code": (_kiosk_code_url, MAKER_ONLY),
    # Any member of staff may start or unlock a kiosk; a visitor is asked to log in.
    "portal:kiosk_staff": (
        lambda c: reverse("portal:kiosk_staff"),
        dict.fromkeys(ROLES, 200) | {"anonymous": 302},
    ),
}

NOT_GET_PAGES = {"portal:invite", "portal:language", "portal:link_resend", "portal:link_cancel"}


def planned_link(cast: SimpleNamespace) -> Invitation:
    """A reminder planned for a booked session of a client who agreed to e-mail (made once)."""
    found = Invitation.objects.filter(purpose="reminder", session__episode=cast.episode).first()
    if found is not None:
        return found
    client = cast.episode.client
    client.email, client.consents_to_email = "client@example.org", True
    client.contact_consent_on = dt.date(2026, 1, 5)
    client.save()
    booked = Session.objects.create(
        episode=cast.episode,
        number=2,
        starts_at=timezone.now() + dt.timedelta(days=3),
        status=SessionStatus.SCHEDULED,
    )
    [planned] = schedule_for_session(booked)
    return planned
