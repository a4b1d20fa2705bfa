"""On a 360-pixel screen, on every channel: the form names the client by their first name, the
tablet form has a small link for the clinician that ends the hand-off, and a risk answer on the
PHQ-9 is followed by the site's crisis information; axe finds nothing serious on any page."""

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from alliance.care.models import Client
from alliance.measures.models import Response
from alliance.portal.services import invitation_create
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD
from tests.portal.browser_helpers import check_page, fits_the_width, watch_console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(phone: Page, base: str) -> None:
    phone.goto(f"{base}/accounts/login/")
    phone.get_by_label("User name").fill("clinician")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()


def _name_the_client(clinic: SimpleNamespace) -> None:
    Client.objects.filter(pk=clinic.episode.client_id).update(display_name="Anna Jansen")


def _open_form(phone: Page, base: str, clinic: SimpleNamespace, channel: str, measure: str) -> None:
    """The client's form for ``measure`` on ``channel``, as the client reaches it."""
    if channel == "tablet":
        _log_in(phone, base)
        phone.goto(f"{base}/sessions/{clinic.session.pk}/")
        phone.get_by_role(
            "button", name=f"Hand the tablet to the client ({measure.upper()})"
        ).click()
        return
    _invitation, secret = invitation_create(
        session=clinic.session, measures=[measure], channel=channel, created_by=clinic.clinician
    )
    if channel == "link":
        phone.goto(f"{base}/rate/l/{secret}/")
        return
    phone.goto(f"{base}/rate/kiosk/")
    phone.get_by_label("Your code").fill(secret)
    phone.get_by_role("button", name="Start").click()


def test_the_tablet_form_names_the_client_and_the_clinician_takes_it_back_from_the_form(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    _name_the_client(clinic)
    problems = watch_console(phone)
    _open_form(phone, base, clinic, "tablet", "ors")
    expect(phone.get_by_role("heading", name="Outcome Rating Scale")).to_be_visible()
    expect(phone.get_by_text("This form is for Anna.")).to_be_visible()
    expect(phone.get_by_text("If you are not Anna, please hand the tablet back")).to_be_visible()
    page_text = phone.locator("main").inner_text()
    assert "Jansen" not in page_text and clinic.episode.client.code not in page_text
    assert fits_the_width(phone)
    check_page(phone, "portal-tablet-phone-form-named")

    # A hand-off on the wrong client: the clinician takes the tablet back before any answer.
    phone.get_by_role("link", name="For the clinician: take the tablet back").tap()
    expect(phone.get_by_role("heading", name="For the clinician")).to_be_visible()
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Take the tablet back").tap()
    expect(phone).to_have_url(f"{base}/sessions/{clinic.session.pk}/")
    answer = phone.goto(f"{base}/rate/tablet/")
    assert answer is not None and answer.status == 404
    assert not Response.objects.exists()
    assert problems == []


@pytest.mark.parametrize("channel", ["link", "kiosk"])
def test_link_and_kiosk_forms_name_the_client_without_a_clinician_link(
    live_server: object, phone: Page, clinic: SimpleNamespace, channel: str
) -> None:
    _name_the_client(clinic)
    _open_form(phone, live_server.url, clinic, channel, "srs")  # type: ignore[attr-defined]
    expect(phone.get_by_role("heading", name="Session Rating Scale")).to_be_visible()
    expect(phone.get_by_text("This form is for Anna.")).to_be_visible()
    expect(phone.get_by_role("link", name=re.compile("For the clinician"))).to_have_count(0)
    assert fits_the_width(phone)
    check_page(phone, f"portal-{channel}-phone-form-named")


@pytest.mark.parametrize("channel", ["tablet", "link", "kiosk"])
def test_a_risk_answer_is_followed_by_the_crisis_information(
    live_server: object, phone: Page, clinic: SimpleNamespace, channel: str
) -> None:
    clinic.episode.outcome_measure = "phq9"
    clinic.episode.save(update_fields=["outcome_measure"])
    _name_the_client(clinic)
    problems = watch_console(phone)
    _open_form(phone, live_server.url, clinic, channel, "phq9")  # type: ignore[attr-defined]
    expect(phone.get_by_text("This form is for Anna.")).to_be_visible()
    for number in range(1, 9):
        phone.locator(f"#q-phq9_{number}").get_by_text("More than half the days").tap()
    phone.locator("#q-phq9_9").get_by_text("Several days").tap()
    phone.get_by_role("button", name="Send my answers").tap()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    crisis = phone.get_by_role("region", name="You do not have to carry this alone")
    expect(crisis).to_be_visible()
    expect(crisis).to_contain_text("Please speak to your clinician")
    expect(crisis).to_contain_text("call your local emergency number")
    assert fits_the_width(phone)
    check_page(phone, f"portal-{channel}-phone-crisis")
    assert Response.objects.get().risk_items == ["phq9_9"]
    assert problems == []


def test_a_phq9_without_a_risk_answer_shows_no_crisis_information(
    live_server: object, phone: Page, clinic: SimpleNamespace
) -> None:
    _open_form(phone, live_server.url, clinic, "link", "phq9")  # type: ignore[attr-defined]
    for number in range(1, 10):
        phone.locator(f"#q-phq9_{number}").get_by_text("Not at all").tap()
    phone.get_by_role("button", name="Send my answers").tap()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(phone.locator(".crisis")).to_have_count(0)
    screenshot(phone, "portal-link-phone-phq9-no-risk")
