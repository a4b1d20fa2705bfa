"""The offline page of ``alliance analyze --report`` opened from disk in Debian's chromium: every
chart is drawn (an SVG with marks, at a readable size), nothing is fetched, nothing complains."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request

from alliance.cli.analyze_report import render_report
from tests.browser.conftest import screenshot
from tests.cli.test_report_language import WHEN, compiled, sections  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def _watch(page: Page) -> list[str]:
    """Console errors and warnings, page errors and any request that leaves the file."""
    found: list[str] = []

    def said(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            found.append(message.text)

    def asked(request: Request) -> None:
        if not request.url.startswith("file:"):
            found.append(f"fetched {request.url}")

    page.on("console", said)
    page.on("pageerror", lambda error: found.append(str(error)))
    page.on("request", asked)
    return found


def _open(page: Page, analysis: dict[str, Any], language: str, folder: Path) -> list[str]:
    report = folder / f"analysis-{language}.html"
    html = render_report(analysis, source="ratings.csv", when=WHEN, language=language)
    report.write_text(html, encoding="utf-8")
    problems = _watch(page)
    page.goto(report.as_uri())
    return problems


@pytest.mark.parametrize("language", ["en", "nl"])
def test_every_chart_of_the_offline_report_is_drawn_with_nothing_fetched(
    page: Page,
    sections: dict[str, Any],  # noqa: F811
    tmp_path: Path,
    language: str,
) -> None:
    problems = _open(page, sections, language, tmp_path)

    figures = page.locator("figure")
    assert figures.count() >= 4
    assert page.locator("figure .chart svg").count() == figures.count()
    for index in range(figures.count()):
        svg = figures.nth(index).locator(".chart svg")
        box = svg.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100, index
        assert svg.locator("g[class*='mark-'] path").count() > 0, index
    screenshot(page, f"analysis-report-{language}")
    assert problems == []


@pytest.mark.parametrize("language", ["nl", "de"])
def test_no_label_is_cut_off_at_the_edge_of_its_chart_or_shortened(
    page: Page,
    sections: dict[str, Any],  # noqa: F811
    tmp_path: Path,
    language: str,
) -> None:
    _open(page, sections, language, tmp_path)

    cut = page.evaluate(
        """() => [...document.querySelectorAll('.chart svg')].flatMap((svg, i) => {
            const edge = svg.getBoundingClientRect();
            return [...svg.querySelectorAll('text')]
                .filter(t => {
                    const box = t.getBoundingClientRect();
                    const out = box.left < edge.left - 1 || box.right > edge.right + 1;
                    return (box.width > 0 && out) || t.textContent.endsWith('\u2026');
                })
                .map(t => `${i}: ${t.textContent}`);
        })"""
    )
    assert cut == []
