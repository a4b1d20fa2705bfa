"""Helpers for the portal's real-browser tests (tests/browser/test_portal_*.py)."""

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser.conftest import screenshot


def serious_violations(page: Page, context: Any = None) -> list[str]:
    """axe-core's serious or critical violations on the page (or a part of it), as readable text."""
    results = Axe().run(page, context=context)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def check_page(page: Page, name: str, context: Any = None) -> None:
    """Save a screenshot, then assert axe finds nothing serious."""
    screenshot(page, name)
    assert serious_violations(page, context) == [], name


def watch_console(page: Page) -> list[str]:
    """Collect script errors and Content-Security-Policy violations as they happen. Pages that
    answer 400, 404 or 410 on purpose (a refused form, a used link) are not problems."""
    problems: list[str] = []

    def note(message: Any) -> None:
        if message.type == "error" and "responded with a status of 4" not in message.text:
            problems.append(message.text)

    page.on("console", note)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def fits_the_width(page: Page) -> bool:
    """Nothing sticks out sideways (no horizontal scrolling on a narrow phone)."""
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )
