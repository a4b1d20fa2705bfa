"""Markup sent through the REST API (a client's name and code at intake, its episode and a
booking) is shown as text, never run, on the pages that list it: the episode, the caseload and
today's appointments."""

import datetime as dt
from types import SimpleNamespace

from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from tests.api.conftest import api_as
from tests.api.test_rest_episodes import _episode_body

V1 = "/api/v1"
MARKUP = "<script>alert(1)</script>"


def test_markup_added_by_the_api_is_escaped_on_the_pages(cast: SimpleNamespace) -> None:
    api = api_as(cast, "clinician")
    client = api.post(f"{V1}/clients", {"display_name": MARKUP, "birth_year": 1984, "code": MARKUP})
    assert client.status_code == 201, client.content
    episode = api.post(f"{V1}/episodes", _episode_body(cast, client.json()["id"]))
    assert episode.status_code == 201, episode.content
    booked = api.post(f"{V1}/appointments", {"episode": episode.json()["id"], **_booking_today()})
    assert booked.status_code == 201, booked.content
    browser = Browser()
    browser.force_login(cast.clinician)
    for url in (
        reverse("clinic:episode", args=[episode.json()["id"]]),
        reverse("clinic:caseload"),
        reverse("clinic:today"),
    ):
        page = browser.get(url)
        assert page.status_code == 200, url
        body = page.content.decode()
        assert MARKUP not in body, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url


def _booking_today() -> dict[str, object]:
    """A booking later today, or, in the last minutes of the day, a session recorded as held a
    few minutes ago: either way it is on today's list, whatever the hour the suite runs at (a
    fixed 15:00 was refused as past when the suite ran in the evening)."""
    now = timezone.localtime()
    later = now + dt.timedelta(minutes=5)
    if later.date() == now.date():
        return {"starts_at": later.isoformat()}
    return {"starts_at": (now - dt.timedelta(minutes=5)).isoformat(), "record_past": True}
