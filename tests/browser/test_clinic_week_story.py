"""The whole story of issue 11 in one real-browser test, on a 360 px phone and on a desktop.

From an empty organisation (one clinician and their team) the clinician, in the browser only:
adds a client at intake, opens an episode whose plan has the PHQ-9 at intake and every 4th
session, books a weekly series, finds today's appointment on the day view and starts it, hands
the tablet to the client for the measures due at the start (ORS and PHQ-9) and again at the end
(SRS), takes it back and sees the chart; sessions 2 and 3 are moved to today and run the same
way; a PHQ-9 entered by mistake is voided with a reason and entered again from paper; one
booking is cancelled (the others keep numbers with no gap) and the episode is ended. axe-core
checks every page on the way. Screenshots go to test-artifacts/clinic-week-*.png, and (phone
only) to docs/images/clinic-week-*.png when UPDATE_DOCS_SCREENSHOTS=1."""

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alliance.accounts.models import Organisation, Role, Team
from alliance.care.models import Episode, Session, SessionStatus
from alliance.measures.models import Method, Response
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, make_user
from tests.portal.browser_helpers import fits_the_width, serious_violations, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture(autouse=True)
def _morning(settings: pytest.FixtureRequest) -> None:
    """The story books three sessions today, the last starting 90 minutes from now: run late in
    the evening, they would fall on tomorrow and the day view would not show them. The clinic's
    clock is set to a fixed-offset zone where it is 10 in the morning now (Etc/GMT-5 is UTC+5)."""
    offset = (10 - timezone.now().hour + 12) % 24 - 12
    settings.TIME_ZONE = f"Etc/GMT{-offset:+d}"  # type: ignore[attr-defined]


def _look(page: Page, name: str, width: str, *, docs: bool = False) -> None:
    """Screenshot, axe clean, nothing sticking out sideways; the phone's key pages also go to
    the docs when asked, so an ordinary run never changes a tracked file."""
    path = screenshot(page, f"clinic-week-{name}-{width}")
    assert serious_violations(page) == [], name
    assert fits_the_width(page), name
    if docs and width == "phone" and os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        DOCS_IMAGES.mkdir(exist_ok=True)
        shutil.copyfile(path, DOCS_IMAGES / f"clinic-week-{name}.png")


def _client_answers(page: Page, width: str, step: str, level: int) -> None:
    """The 'client' answers every form the tablet shows until the thank-you page: each line by
    keyboard, Home and then PageUp ``level`` times (a point each) and a tenth more per line, so
    ORS totals rise from session to session; the PHQ-9 'several days' but never item 9."""
    for form in range(4):
        onwards = page.get_by_role("button", name=re.compile("^(Next|Send my answers)$"))
        expect(onwards).to_be_visible()
        # The lines become sliders only when slider.js has run, which can be a moment after
        # the button shows: wait for a slider or the PHQ-9 before choosing which to answer.
        sliders = page.get_by_role("slider")
        expect(sliders.first.or_(page.locator("#q-phq9_1"))).to_be_visible()
        if sliders.count():
            for index in range(sliders.count()):
                sliders.nth(index).focus()
                page.keyboard.press("Home")
                for _ in range(level):
                    page.keyboard.press("PageUp")
                for _ in range(index):
                    page.keyboard.press("ArrowRight")
        else:
            for number in range(1, 10):
                answer = "Not at all" if number == 9 else "Several days"
                page.locator(f"#q-phq9_{number}").get_by_text(answer).click()
        _look(page, f"tablet-{step}-{form + 1}", width, docs=step == "s1-start")
        following = page.get_by_role("button", name="Next")
        if following.count():
            # Wait for the next form itself: on a loaded machine the old page is still shown
            # for a moment after the click, with no lines and no PHQ-9 on it.
            with page.expect_navigation(wait_until="load"):
                following.click()
            continue
        page.get_by_role("button", name="Send my answers").click()
        break
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    _look(page, f"tablet-{step}-thanks", width)


def _hand_over_and_back(page: Page, width: str, step: str, which: str, level: int) -> None:
    hand_over = re.compile(rf"^Hand the tablet to the client \({which}")
    page.get_by_role("button", name=hand_over).click()
    _client_answers(page, width, step, level)
    page.get_by_role("link", name="For the clinician: take the tablet back").click()
    _look(page, f"tablet-return-{step}", width)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Take the tablet back").click()
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^Session"))).to_be_visible()


def _run_session(page: Page, base: str, episode: Episode, number: int, width: str) -> None:
    """From the day view: start the booked session, outcome at the start, alliance at the end."""
    page.get_by_role("link", name="Today").click()
    row = page.get_by_role("row", name="Robin Hart").filter(has_text=f"Session {number}")
    expect(row).to_contain_text("ORS")
    expect(row).to_contain_text("SRS")
    if number == 1:
        expect(row).to_contain_text("PHQ")
    _look(page, f"today-s{number}", width, docs=number == 1)
    row.get_by_role("button", name=f"Session {number} is starting").click()
    expect(page.get_by_role("heading", level=1, name=f"Session {number}")).to_be_visible()
    due = page.locator("#due-measures + ol")
    expect(due).to_contain_text("ORS")
    _look(page, f"session-s{number}-due", width, docs=number == 1)
    _hand_over_and_back(page, width, f"s{number}-start", "ORS", level=2 + number)
    _hand_over_and_back(page, width, f"s{number}-end", "SRS", level=9)
    _look(page, f"session-s{number}-answered", width)
    page.goto(f"{base}/episodes/{episode.pk}/")
    chart = page.locator("#figure-chart-outcome")
    expect(chart).to_have_attribute("data-chart", "chart-outcome")
    chart.scroll_into_view_if_needed()
    _look(page, f"chart-after-s{number}", width, docs=number == 3)


def _move_to_today(page: Page, episode: Episode, number: int, at: dt.datetime, width: str) -> None:
    page.get_by_role("link", name=f"Move session {number}", exact=True).click()
    # The episode page has a Date and a Time of its own (the booking form): wait for the move
    # form itself, or on a loaded machine the date lands on the page being left.
    expect(page.get_by_role("heading", level=1, name=re.compile("^Move a session"))).to_be_visible()
    page.get_by_label("Date").fill(f"{at:%Y-%m-%d}")
    page.get_by_label("Time").fill(f"{at:%H:%M}")
    page.get_by_label("Why (optional)").fill("The client asked for today")
    _look(page, f"move-s{number}", width, docs=number == 2)
    page.get_by_role("button", name="Move the session").click()
    expect(page.get_by_role("status")).to_be_visible()


def _story(page: Page, base: str, width: str) -> None:
    org = Organisation.objects.create(name="Riverside Counselling")
    team = Team.objects.create(organisation=org, name="Adults North")
    make_user("clinician", organisation=org, role=Role.CLINICIAN, team=team)
    problems = watch_console(page)
    # Today's sessions: the first in a few minutes, the next two later today (a booking starts
    # now or later; this story needs about two hours left in the clinic's day).
    now = timezone.localtime()
    first = (now + dt.timedelta(minutes=10)).replace(second=0, microsecond=0)
    first -= dt.timedelta(minutes=first.minute % 5)
    later = [first + dt.timedelta(minutes=40), first + dt.timedelta(minutes=80)]

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("clinician")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    _look(page, "caseload-empty", width)

    # Intake.
    page.get_by_role("link", name="New client").click()
    page.get_by_label("Pseudonymous code").fill("RH1984")
    page.get_by_label("Display name").fill("Robin Hart")
    page.get_by_label("Birth year").fill("1984")
    _look(page, "intake", width, docs=True)
    page.get_by_role("button", name="Add the client").click()

    # The episode, with the PHQ-9 at intake and every 4th session.
    expect(page.get_by_role("heading", name="Open an episode")).to_be_visible()
    expect(page.get_by_label("Primary therapist")).not_to_have_value("")
    page.get_by_label("Use Patient Health Questionnaire (PHQ-9)").check()
    phq9 = page.get_by_role("group", name="Patient Health Questionnaire (PHQ-9) (phq9)")
    phq9.get_by_label("At intake").check()
    phq9.get_by_label("Repeated").select_option("sessions")
    phq9.get_by_label("Every N (sessions or weeks)").fill("4")
    _look(page, "episode-open", width, docs=True)
    # From the keyboard, as test_episodes.py does: after a full-page screenshot of this long
    # form headless chromium's click can land where the button was before the resize.
    page.get_by_role("button", name="Open the episode").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("The episode is open")
    expect(page.get_by_text("At intake, every 4 sessions")).to_be_visible()
    episode = Episode.objects.get(client__code="RH1984")

    # A weekly series of five, the first today.
    booking = page.get_by_role("group", name="Book")
    booking.get_by_label("Date").fill(f"{first:%Y-%m-%d}")
    booking.get_by_label("Time").fill(f"{first:%H:%M}")
    booking.get_by_label("Length (minutes)").fill("30")
    booking.get_by_label("Repeat").select_option("weekly")
    booking.get_by_label("Number of sessions").fill("5")
    booking.get_by_role("button", name="Book").click()
    expect(page.get_by_role("status")).to_contain_text("5 sessions booked")
    _look(page, "episode-booked", width, docs=True)

    _run_session(page, base, episode, 1, width)
    for number, at in zip((2, 3), later, strict=True):
        page.goto(f"{base}/episodes/{episode.pk}/")
        _move_to_today(page, episode, number, at, width)
        _run_session(page, base, episode, number, width)

    # Session 1's PHQ-9 was the wrong form: void it with a reason, enter the paper one.
    session_1 = Session.objects.get(episode=episode, number=1)
    mistake = Response.objects.get(session=session_1, instrument="phq9")
    page.goto(f"{base}/sessions/{session_1.pk}/")
    page.get_by_role("link", name="Void: entered by mistake (PHQ9)").click()
    page.get_by_label("Why was this entered by mistake?").fill("The client answered for last month")
    _look(page, "void", width, docs=True)
    page.get_by_role("button", name="Void this response").click()
    expect(page.get_by_role("status")).to_contain_text("The PHQ9 was voided")
    # Missed once the session is over; while it is under way, still to be answered.
    expect(page.locator("#due-measures + ol")).to_contain_text(
        re.compile("due and not given|not answered yet")
    )
    page.get_by_role("link", name="Enter the PHQ9 from paper").click()
    for number in range(1, 10):
        group = page.get_by_role("group").filter(has=page.locator(f"input[name=phq9_{number}]"))
        group.locator("input[value='1']" if number < 9 else "input[value='0']").check()
    _look(page, "paper", width, docs=True)
    page.get_by_role("button", name="Save the client's answers").click()
    expect(page.get_by_role("status")).to_contain_text("from paper is saved")
    _look(page, "session-s1-corrected", width)

    # The client cancels session 4; the last booking becomes session 4, with no gap.
    page.goto(f"{base}/episodes/{episode.pk}/")
    page.get_by_role("link", name="Cancel session 4", exact=True).click()
    page.get_by_label("The client").check()
    page.get_by_label("Reason").fill("Away that week")
    _look(page, "cancel", width, docs=True)
    page.get_by_role("button", name="Cancel the session").click()
    expect(page.get_by_role("status")).to_contain_text("Session cancelled")
    expect(page.get_by_role("link", name="Cancel session 4", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Cancel session 5", exact=True)).to_have_count(0)

    # The ending.
    page.get_by_role("link", name="End the episode").click()
    page.get_by_label("Planned ending").check()
    _look(page, "end", width, docs=True)
    page.get_by_role("button", name="End the episode").click()
    expect(page.get_by_role("status")).to_contain_text("The episode is ended")
    _look(page, "ended", width, docs=True)
    assert problems == []

    episode.refresh_from_db()
    assert episode.ending == "planned"
    by_date = Session.objects.filter(episode=episode).order_by("starts_at")
    # The cancelled fourth week has no number; the fifth week, still booked when the episode
    # ended, was cancelled by the clinic with the ending as its reason.
    assert list(by_date.values_list("status", "number", "cancelled_by")) == [
        (SessionStatus.ATTENDED, 1, ""),
        (SessionStatus.ATTENDED, 2, ""),
        (SessionStatus.ATTENDED, 3, ""),
        (SessionStatus.CANCELLED, None, "client"),
        (SessionStatus.CANCELLED, None, "clinic"),
    ]
    answered = Response.objects.filter(session__episode=episode)
    assert sorted(answered.values_list("session__number", "instrument")) == [
        (1, "ors"),
        (1, "phq9"),
        (1, "srs"),
        (2, "ors"),
        (2, "srs"),
        (3, "ors"),
        (3, "srs"),
    ]
    assert set(answered.exclude(instrument="phq9").values_list("method", flat=True)) == {"tablet"}
    ors = answered.filter(instrument="ors").order_by("session__number")
    assert [r.total for r in ors] == [12.6, 16.6, 20.6]
    paper = answered.get(instrument="phq9")
    assert paper.method == Method.PAPER and paper.pk != mistake.pk
    assert Response.everything.get(pk=mistake.pk).void_reason == (
        "The client answered for last month"
    )


def test_the_clinic_week_on_a_phone(live_server: object, phone: Page) -> None:
    _story(phone, live_server.url, "phone")  # type: ignore[attr-defined]


def test_the_clinic_week_on_a_desktop(live_server: object, page: Page) -> None:
    _story(page, live_server.url, "desktop")  # type: ignore[attr-defined]
