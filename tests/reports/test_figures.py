"""Every reported figure against an independent pandas computation on the simulated demo clinic
(tests/reports/oracle.py), for the organisation, a team, a clinician and a narrower range."""

import datetime as dt
from types import SimpleNamespace

import pandas as pd
import pytest
from django.utils import timezone

from alliance.demo.clinic import demo_usernames
from alliance.feedback.models import Alert
from alliance.reports.selectors import report_build, report_scope
from tests.reports.oracle import expected_figures

pytestmark = pytest.mark.django_db

WHOLE = (dt.date(2025, 1, 1), dt.date(2026, 12, 31))
SPRING = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def _reported(demo: SimpleNamespace, start: dt.date, end: dt.date, **names: str) -> dict:
    scope = report_scope(viewer=None, organisation=demo.organisation, start=start, end=end, **names)
    return {(f.key, f.measure): (f.value, f.n) for f in report_build(scope).figures}


# Figures from an iterative REML fit agree to the optimiser's tolerance, not to the last digit.
FITTED = {"alliance_within", "alliance_between"}


def _assert_same(reported: dict, expected: dict) -> None:
    assert set(expected) <= set(reported), set(expected) - set(reported)
    for key, (value, n) in expected.items():
        got_value, got_n = reported[key]
        assert got_n == n, f"n of {key}"
        tolerance = 1e-6 if key[0] in FITTED else 1e-9
        if value is None:
            assert got_value is None, key
        else:
            assert got_value == pytest.approx(value, rel=tolerance, abs=tolerance), key


@pytest.mark.parametrize("window", [WHOLE, SPRING], ids=["whole", "spring"])
def test_organisation_figures_match_pandas_on_the_simulated_clinic(
    demo: SimpleNamespace, window: tuple[dt.date, dt.date]
) -> None:
    expected = expected_figures(demo.simulated, *window)
    _assert_same(_reported(demo, *window), expected)


def test_the_simulated_clinic_has_something_in_every_figure(demo: SimpleNamespace) -> None:
    # Guards the proof itself: a figure resting on n = 0 would check nothing. The Child ORS has
    # no expected-trajectory model, so no severity-adjusted effect.
    expected = expected_figures(demo.simulated, *WHOLE)
    empty = {key for key, (_value, n) in expected.items() if n == 0}
    assert empty == {("severity_adjusted", "cors")}
    assert {"ors", "cors"} <= {measure for _key, measure in expected}


def test_a_clinician_report_matches_their_own_episodes(demo: SimpleNamespace) -> None:
    frame = demo.simulated.clinicians.reset_index(drop=True)
    names = demo_usernames(list(frame["role"]))
    sim_id = int(frame.loc[names.index("therapist"), "clinician_id"])
    expected = expected_figures(demo.simulated, *WHOLE, clinician_ids={sim_id})
    _assert_same(_reported(demo, *WHOLE, clinician="therapist"), expected)


def test_a_team_report_matches_the_team_s_clinicians(demo: SimpleNamespace) -> None:
    frame = demo.simulated.clinicians
    # Episodes sit with the team of their primary clinician (alliance.demo.clinic): team_1 first.
    ids = set(frame.loc[frame["team"] == "team_1", "clinician_id"].astype(int))
    expected = expected_figures(demo.simulated, *WHOLE, clinician_ids=ids)
    _assert_same(_reported(demo, *WHOLE, team="Adults North"), expected)


def test_the_share_of_alerts_acknowledged_matches_the_alert_rows(demo: SimpleNamespace) -> None:
    # Alerts are raised by the rules when the demo is written, so they are not in the simulated
    # tables: the independent count reads the alert rows themselves into pandas.
    rows = pd.DataFrame(
        Alert.objects.filter(episode__team__organisation__name=demo.organisation).values(
            "acknowledged_at", "session__starts_at"
        )
    )
    day = rows["session__starts_at"].dt.tz_convert(timezone.get_current_timezone()).dt.date
    inside = rows[(day >= SPRING[0]) & (day <= SPRING[1])]
    reported = _reported(demo, *SPRING)[("alerts_acknowledged", "")]
    assert len(inside) > 0
    assert reported == (inside["acknowledged_at"].notna().mean(), len(inside))
