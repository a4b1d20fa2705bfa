"""The client's voice in a real browser (issue 19): on a 360-pixel phone the client adds two
topics with the ORS and a comment with a low SRS; the clinician then sees both at the top of
the session page, the comment inside the alliance alert, and marks a topic covered."""

import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from alliance.portal.services import invitation_create
from alliance.voice.models import AgendaItem, AllianceComment
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD
from tests.portal.browser_helpers import check_page, fits_the_width, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def _tap_line(phone: Page, index: int, fraction: float) -> None:
    slider = phone.locator(".slider").nth(index)
    slider.scroll_into_view_if_needed()
    outer, track = slider.bounding_box(), phone.locator(".slider-track").nth(index).bounding_box()
    assert outer is not None and track is not None
    x = track["x"] - outer["x"] + track["width"] * fraction
    slider.tap(position={"x": x, "y": outer["height"] / 2})


def _to_docs(page: Page, name: str) -> None:
    # The docs' screenshots are refreshed only when asked (UPDATE_DOCS_SCREENSHOTS=1), so a
    # test run never changes a tracked file.
    path = screenshot(page, name)
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        DOCS_IMAGES.mkdir(exist_ok=True)
        shutil.copyfile(path, DOCS_IMAGES / f"{name}.png")


def test_a_client_adds_an_agenda_and_a_comment_and_the_clinician_sees_both(
    live_server: object, phone: Page, page: Page, clinic: SimpleNamespace
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    _invitation, token = invitation_create(
        session=clinic.session, measures=["ors", "srs"], channel="link", created_by=clinic.clinician
    )
    problems = watch_console(phone)
    phone.goto(f"{base}/rate/l/{token}/")
    for index in range(4):
        _tap_line(phone, index, 0.5)
    phone.get_by_label("Topic 1").fill("Sleep & the night shifts")
    phone.get_by_label("Topic 2").fill("My sister's visit")
    assert fits_the_width(phone)
    check_page(phone, "voice-agenda-phone")
    _to_docs(phone, "voice-agenda-phone")
    phone.get_by_role("button", name="Next").tap()

    expect(phone.get_by_role("heading", name="Session Rating Scale")).to_be_visible()
    for index in range(4):
        _tap_line(phone, index, 0.4)
    phone.get_by_label("Your comment").fill("I felt rushed at the end")
    assert fits_the_width(phone)
    check_page(phone, "voice-comment-phone")
    phone.get_by_role("button", name="Send my answers").tap()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    assert problems == []
    assert list(AgendaItem.objects.values_list("text", flat=True)) == [
        "Sleep & the night shifts",
        "My sister's visit",
    ]
    assert AllianceComment.objects.get().text == "I felt rushed at the end"

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("clinician")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{base}/sessions/{clinic.session.pk}/")
    agenda = page.locator("section.client-voice")
    expect(agenda.get_by_role("heading", name="What the client wants to talk about today"))
    expect(agenda).to_contain_text("Sleep & the night shifts")
    expect(agenda).to_contain_text("My sister's visit")
    expect(agenda).to_contain_text("I felt rushed at the end")
    alert = page.locator("article.alert-card", has_text="The client wrote:")
    expect(alert).to_contain_text("I felt rushed at the end")
    check_page(page, "voice-session-page")
    _to_docs(page, "voice-session-page")
    page.get_by_role("button", name="Mark covered (topic 1)").click()
    expect(page.locator("li.agenda-item.covered")).to_contain_text("Sleep & the night shifts")
    assert AgendaItem.objects.get(position=1).is_covered


def test_a_client_sees_their_own_progress_on_a_phone_when_it_is_shared(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    from alliance.measures.services import response_record
    from alliance.voice.models import TeamSharing
    from tests.clinic.builders import ors
    from tests.factories import make_session

    TeamSharing.objects.create(team=clinic.team_a, clients_may_see_progress=True)
    clinic.episode.share_progress_with_client = True
    clinic.episode.save(update_fields=["share_progress_with_client"])
    response_record(session=clinic.session, instrument_code="ors", values=ors(18), rater="client")
    later = make_session(clinic.episode, 4)
    _invitation, token = invitation_create(
        session=later, measures=["ors"], channel="link", created_by=clinic.clinician
    )
    problems = watch_console(phone)
    phone.goto(f"{live_server.url}/rate/l/{token}/")  # type: ignore[attr-defined]
    for index in range(4):
        _tap_line(phone, index, 0.7)
    phone.get_by_role("button", name="Send my answers").tap()
    phone.get_by_role("link", name="See your progress so far").tap()
    expect(phone.get_by_role("heading", name="What the chart shows")).to_be_visible()
    expect(phone.locator("figure.chart canvas, figure.chart svg").first).to_be_visible()
    assert fits_the_width(phone)
    check_page(phone, "voice-client-progress-phone")
    _to_docs(phone, "voice-client-progress-phone")
    assert problems == []


def test_a_baseline_answered_on_a_phone_is_session_0_on_the_clinicians_chart(
    live_server: object, phone: Page, page: Page, clinic: SimpleNamespace
) -> None:
    """Issue 19, point 5: booking the first session sends the ORS by link; the client answers
    it on a 360-pixel phone; the client page's outcome chart shows it at session 0, apart from
    the line and the expected band, which start at session 1."""
    import datetime as dt
    import re

    from django.core import mail
    from django.utils import timezone

    from alliance.care.appointments import appointment_book
    from alliance.care.models import Session
    from alliance.measures.services import response_record
    from alliance.voice.models import Baseline
    from tests.clinic.builders import ors
    from tests.factories import make_episode

    episode = make_episode(clinic.team_a, clinic.clinician)
    client = episode.client
    client.email, client.consents_to_email = "anna@example.org", True
    client.consents_to_electronic_contact, client.contact_consent_on = True, dt.date(2026, 1, 5)
    client.save()
    [first] = appointment_book(
        episode=episode, by=clinic.clinician, starts_at=timezone.now() + dt.timedelta(days=7)
    )
    found = re.search(r"/rate/l/[^/\s]+/", mail.outbox[-1].body)
    assert found is not None
    problems = watch_console(phone)
    phone.goto(f"{live_server.url}{found.group(0)}")  # type: ignore[attr-defined]
    expect(phone.get_by_label("Topic 1")).to_have_count(0)
    for index in range(4):
        _tap_line(phone, index, 0.3)
    phone.get_by_role("button", name="Send my answers").tap()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    assert problems == []
    assert Baseline.objects.get(episode=episode).total == pytest.approx(12.0, abs=0.5)

    Session.objects.filter(pk=first.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1), status="attended"
    )
    response_record(session=first, instrument_code="ors", values=ors(20), rater="client")
    page.goto(f"{live_server.url}/accounts/login/")  # type: ignore[attr-defined]
    page.get_by_label("User name").fill("clinician")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/episodes/{episode.pk}/")  # type: ignore[attr-defined]
    chart = page.locator("#figure-chart-outcome")
    expect(chart.locator("svg, canvas").first).to_be_visible()
    expect(chart).to_contain_text("Before treatment (session 0)")
    chart.scroll_into_view_if_needed()
    check_page(page, "voice-baseline-chart")
    _to_docs(page, "voice-baseline-chart")


def test_the_printable_summary_fits_a_phone_in_dutch(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    """Review 17, point 2: the score table, with "Gebruikelijke bandbreedte" as one column's
    header, made the page 401 pixels wide at 360; now only the table scrolls."""
    from tests.clinic.builders import rated_episode

    episode = rated_episode(clinic, [18, 22, 20, 24])
    clinic.clinician.language = "nl"
    clinic.clinician.save(update_fields=["language"])
    base = live_server.url  # type: ignore[attr-defined]
    phone.goto(f"{base}/accounts/login/")
    phone.get_by_label("User name").fill("clinician")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").tap()
    phone.wait_for_url(lambda url: "/accounts/login/" not in url)
    phone.goto(f"{base}/voice/episodes/{episode.pk}/progress-summary/")
    expect(phone.get_by_role("columnheader", name="Gebruikelijke bandbreedte")).to_be_visible()
    assert fits_the_width(phone)
    scores = phone.get_by_role("region", name="Uw scores op de Outcome Rating Scale")
    assert scores.evaluate("box => box.scrollWidth > box.clientWidth")  # the table scrolls
    check_page(phone, "voice-progress-summary-phone-nl")
