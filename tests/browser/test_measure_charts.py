"""The client page draws a chart for every measure in a real browser, under the strict
Content-Security-Policy: PHQ-9 and GAD-7 with their severity bands and caseness lines, the WAI-SR
and its subscales, and the goals."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import ARTIFACTS, screenshot
from tests.clinic.builders import measured_episode
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = [
    "chart-outcome",
    "chart-alliance",
    "chart-alliance-items",
    "chart-phq9",
    "chart-gad7",
    "chart-wai_sr",
    "chart-wai_sr-subscales",
    "chart-goals",
]


def _problems(page: Page) -> list[str]:
    found: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            found.append(message.text)

    page.on("console", keep)
    page.on("pageerror", lambda error: found.append(str(error)))
    return found


def test_every_measure_of_the_episode_is_drawn_as_a_chart(
    live_server: object, page: Page, clinic: SimpleNamespace
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    episode = measured_episode(
        clinic,
        phq9=[22, 19, 15, 12, 8],
        gad7=[14, 15, 13, 10, 7],
        wai_sr=[40, 44, 41, 47, 50],
        goals=[[2, 3, 5, 6, 8]],
    )
    problems = _problems(page)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill(clinic.clinician.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()

    with page.expect_response(f"{base}/episodes/{episode.pk}/") as answer:
        page.goto(f"{base}/episodes/{episode.pk}/")
    assert "script-src 'self'" in answer.value.headers["content-security-policy"]
    expect(page.locator("figure.chart-drawn")).to_have_count(len(CHARTS))
    for key in CHARTS:
        expect(page.locator(f"#figure-{key} .chart-canvas svg")).to_have_count(1)
    phq9 = page.locator("#figure-chart-phq9")
    # The band names and the caseness line are written on the chart itself.
    for words in ("Severe", "Moderate", "Minimal", "Caseness: 10 or above"):
        expect(phq9.locator("svg text", has_text=words).first).to_be_visible()
    expect(
        page.locator("#figure-chart-gad7 svg text", has_text="Caseness: 8 or above")
    ).to_be_visible()
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p]
    assert problems == []
    screenshot(page, "clinic-episode-measures")
    ARTIFACTS.mkdir(exist_ok=True)
    phq9.scroll_into_view_if_needed()
    phq9.locator(".chart-canvas").screenshot(path=str(ARTIFACTS / "phq9-chart.png"))
    page.locator("#figure-chart-wai_sr-subscales .chart-canvas").screenshot(
        path=str(ARTIFACTS / "wai-sr-subscales-chart.png")
    )
