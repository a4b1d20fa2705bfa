"""A site's threshold override is per instrument and read alike everywhere: the client page's
chart, the alert, the caseload sparkline, the development page and the reports all take the SRS
total cutoff from ``alliance.feedback.services.thresholds`` (the instrument file, the site's
``ALLIANCE["THRESHOLDS"]`` applied)."""

import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.test import override_settings
from django.utils import translation

from alliance.clinic import progress, selectors
from alliance.feedback.models import Alert
from alliance.feedback.services import thresholds
from alliance.measures import catalogue
from alliance.measures.services import response_record
from alliance.reports.selectors import report_build, report_scope
from alliance.science.instruments import cutoff_for
from alliance.supervision import selectors as supervision
from tests.clinic.builders import rated_episode

OVERRIDE = 38.0


def _cutoff_values(spec: Any) -> Iterator[float]:
    """Every value of the chart spec's cutoff rule, wherever Vega-Lite nests it."""
    if isinstance(spec, dict):
        if spec.get("name") == "cutoff":
            yield from (row["cutoff"] for row in spec["data"]["values"])
        for value in spec.values():
            yield from _cutoff_values(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _cutoff_values(value)


def test_an_srs_override_is_read_by_the_chart_the_alert_the_development_page_and_reports(
    clinic: SimpleNamespace,
) -> None:
    published = cutoff_for(catalogue.instrument("srs"), "adult")
    assert published is not None and published.total < 37 < OVERRIDE  # 37 is fine by the file
    overridden = {**settings.ALLIANCE, "THRESHOLDS": {"srs": {"total": OVERRIDE}}}
    with override_settings(ALLIANCE=overridden):
        assert thresholds("srs").cutoff == OVERRIDE
        # The alert: an SRS of 37 (no item below 9) is at or below the site's cutoff.
        episode = rated_episode(clinic, [20.0, 20.0], [39.0, 37.0])
        [low] = Alert.objects.filter(episode=episode, rule="low_alliance")
        assert low.session.number == 2

        # The chart: the alliance totals chart's dotted rule sits at the override.
        totals = progress.alliance_figures(episode)[0]
        assert set(_cutoff_values(totals.spec)) == {OVERRIDE}

        # The caseload sparkline of the alliance measure.
        [row] = [r for r in selectors.caseload_rows(clinic.clinician) if r.episode == episode]
        assert row.alliance.cutoff == OVERRIDE

        # The development page: the cutoff and the share of ratings at or below it.
        development = supervision.clinician_development(clinic.clinician, clinic.clinician)
        assert development.alliance_cutoff == OVERRIDE

        # The reports: the alliance split is at the override.
        scope = report_scope(
            viewer=None,
            organisation=clinic.org.name,
            start=dt.date(2026, 1, 1),
            end=dt.date(2026, 12, 31),
        )
        labels = {f.key: f.label for f in report_build(scope).figures if f.section == "split"}
        assert labels["improved_rate_good"] == f"Alliance above {OVERRIDE:g}"
        assert labels["improved_rate_low"] == f"Alliance {OVERRIDE:g} or below"


def test_a_phq9_override_moves_the_caseness_line_of_its_chart_only(
    clinic: SimpleNamespace,
) -> None:
    overridden = {**settings.ALLIANCE, "THRESHOLDS": {"phq9": {"total": 12}}}
    with override_settings(ALLIANCE=overridden):
        episode = rated_episode(clinic, [20.0, 20.0], [39.0, 39.0])
        for number, answer in ((1, 2), (2, 1)):
            response_record(
                session=episode.sessions.get(number=number),
                instrument_code="phq9",
                values={f"phq9_{n}": answer for n in range(1, 9)} | {"phq9_9": 0},
            )
        detail = selectors.episode_detail(clinic.clinician, episode.pk)
        figures = {f.key: f for f in progress.episode_figures(detail)}
        assert set(_cutoff_values(figures["chart-phq9"].spec)) == {12.0}
        published = cutoff_for(catalogue.instrument("ors"), "adult")
        assert published is not None
        assert set(_cutoff_values(figures["chart-outcome"].spec)) == {published.total}


def test_the_reports_alliance_split_reads_as_whole_sentences_in_german(
    clinic: SimpleNamespace,
) -> None:
    """The split's labels are translated whole: lower-casing a German label ("allianz") broke
    the capital every German noun has, and a cutoff of 37.5 keeps the German decimal comma."""
    overridden = {**settings.ALLIANCE, "THRESHOLDS": {"srs": {"total": 37.5}}}
    with override_settings(ALLIANCE=overridden), translation.override("de"):
        rated_episode(clinic, [20.0, 20.0], [39.0, 37.0])
        scope = report_scope(
            viewer=None,
            organisation=clinic.org.name,
            start=dt.date(2026, 1, 1),
            end=dt.date(2026, 12, 31),
        )
        labels = {f.key: f.label for f in report_build(scope).figures if f.section == "split"}
    assert labels["improved_rate_good"] == "Allianz über 37,5"
    assert labels["mean_change_good"] == "Mittlere Verbesserung, Allianz über 37,5"
    assert labels["mean_change_low"] == "Mittlere Verbesserung, Allianz 37,5 oder darunter"
