import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.db import transaction

from alliance.demo.clinic import DEMO_ORGANISATION, _remove_earlier_demo, load_demo
from alliance.science.simulate import demo_clinic_parameters, simulate_clinic

TODAY = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def every_figure_shown(settings: pytest.FixtureRequest) -> None:
    """These tests check the figures themselves, on small casts too; hiding figures that rest on
    few clients (ALLIANCE_REPORT_MIN_CLIENTS) is tried in test_small_numbers.py."""
    settings.ALLIANCE = {**settings.ALLIANCE, "REPORT_MIN_CLIENTS": 1}  # type: ignore[attr-defined]


SEED = 7


@pytest.fixture(scope="module")
def demo(
    django_db_setup: None, django_db_blocker: pytest.FixtureRequest
) -> Iterator[SimpleNamespace]:
    """The demo clinic written to the database once for the module, with the simulated tables
    it came from; removed again afterwards so other tests never see it."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        load_demo(seed=SEED, today=TODAY, week=False)
        clinic = simulate_clinic(demo_clinic_parameters(today=TODAY), seed=SEED)
        yield SimpleNamespace(simulated=clinic, organisation=DEMO_ORGANISATION)
        with transaction.atomic():
            _remove_earlier_demo()
