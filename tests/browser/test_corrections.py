"""Corrections in a real browser, on a 360 px phone and a desktop: the clinician voids a
response entered by mistake with a reason, sees the measure due and not given, enters the
client's answers from paper, and corrects the session's date. axe-core checks every page;
screenshots go to test-artifacts/corrections-*.png."""

from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from alliance.care import plans
from alliance.measures.models import Method, Response
from alliance.measures.services import response_record
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAN = [
    {"instrument": "ors", "repeat": "sessions", "interval": 1},
    {"instrument": "phq9", "at_intake": True, "repeat": "sessions", "interval": 4},
    {"instrument": "srs", "repeat": "sessions", "interval": 1},
]


def _serious_violations(page: Page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']]})"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def _story(page: Page, base: str, clinic: SimpleNamespace, name: str) -> None:
    plans.plan_set(episode=clinic.episode, items=plans.check_items(PLAN), by=clinic.clinician)
    phq9 = {f"phq9_{n}": 2 for n in range(1, 10)}
    mistake = response_record(session=clinic.session, instrument_code="phq9", values=phq9)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("clinician")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{base}/sessions/{clinic.session.pk}/")
    assert _serious_violations(page) == []
    page.get_by_role("link", name="Void: entered by mistake (PHQ9)").click()
    # Each link opens a new page: wait for it before axe reads it (the old one may be going).
    expect(page.get_by_label("Why was this entered by mistake?")).to_be_visible()
    assert _serious_violations(page) == []
    page.get_by_label("Why was this entered by mistake?").fill("   ")
    page.get_by_role("button", name="Void this response").click()
    expect(page.get_by_role("alert")).to_contain_text("Reason: say why (required).")
    assert _serious_violations(page) == []
    page.get_by_label("Why was this entered by mistake?").fill("Another client's paper form")
    screenshot(page, f"corrections-void-{name}")
    page.get_by_role("button", name="Void this response").click()
    expect(page.get_by_role("status")).to_contain_text("The PHQ9 was voided")
    assert Response.everything.get(pk=mistake.pk).voided_at is not None
    expect(page.locator("#due-measures + ol")).to_contain_text("due and not given")
    screenshot(page, f"corrections-session-{name}")

    page.get_by_role("link", name="Enter the PHQ9 from paper").click()
    expect(page.get_by_role("button", name="Save the client's answers")).to_be_visible()
    assert _serious_violations(page) == []
    for number in range(1, 10):
        group = page.get_by_role("group").filter(has=page.locator(f"input[name=phq9_{number}]"))
        group.locator("input[value='1']").check()
    page.get_by_role("button", name="Save the client's answers").click()
    expect(page.get_by_role("status")).to_contain_text("from paper is saved")
    assert Response.objects.get(instrument="phq9").method == Method.PAPER

    page.get_by_role("link", name="Correct the date or the attendance").click()
    expect(page.get_by_role("button", name="Save the correction")).to_be_visible()
    assert _serious_violations(page) == []
    page.get_by_label("Date and time the session took place").fill("2026-01-06T09:30")
    page.get_by_label("Why is this being corrected?").fill("Booked on the wrong day")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("status")).to_contain_text("The session is corrected")
    expect(page.get_by_text("Booked on the wrong day")).to_be_visible()
    assert _serious_violations(page) == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]  # type: ignore[index]


def test_corrections_on_a_desktop(live_server: object, page: Page, clinic: SimpleNamespace) -> None:
    _story(page, live_server.url, clinic, "desktop")  # type: ignore[attr-defined]


def test_corrections_on_a_phone(live_server: object, phone: Page, clinic: SimpleNamespace) -> None:
    _story(phone, live_server.url, clinic, "phone")  # type: ignore[attr-defined]
