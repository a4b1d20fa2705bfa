"""A report from stored episode figures equals one read afresh from every episode's series, on
the realistic demo clinic (issue 16, point 5)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db.models import F

from alliance.care.models import Episode
from alliance.reports.models import EpisodeFigures
from tests.reports.test_stored_figures import _refuse_reading_afresh, _report

pytestmark = pytest.mark.django_db

WHOLE = (dt.date(2024, 1, 1), dt.date(2026, 6, 1))


@pytest.mark.parametrize(
    "names",
    [{}, {"team": "Adults North"}, {"measure": "phq9"}],
    ids=["organisation", "team", "phq9"],
)
def test_a_report_from_stored_figures_equals_one_read_afresh_on_the_demo_clinic(
    demo: SimpleNamespace, names: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    EpisodeFigures.objects.all().delete()
    afresh = _report(demo.organisation, WHOLE, **names)
    episodes = Episode.objects.filter(team__organisation__name=demo.organisation)
    rows = EpisodeFigures.objects.filter(episode__in=episodes)
    assert rows.count() >= 50
    assert rows.filter(computed=F("generation")).count() == rows.count()
    _refuse_reading_afresh(monkeypatch)
    again = _report(demo.organisation, WHOLE, **names)
    assert again.figures == afresh.figures
    assert [f.value for f in again.figures if f.value is not None]  # not a report of nothing
