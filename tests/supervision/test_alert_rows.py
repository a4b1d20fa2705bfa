"""The team page's alert rows are written in Python (issue 16); they must read exactly as the
template they replace (``supervision/_alert_row.html``), in each language."""

from collections.abc import Sequence
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import ngettext

from alliance.feedback.models import Alert
from alliance.supervision.alert_rows import alert_rows_html
from alliance.supervision.selectors import team_overview
from tests.clinic.builders import bulk_caseload, rated_episode


def _by_template(alerts: Sequence[Alert], *, off_track: bool = False) -> str:
    rows = []
    for alert in alerts:
        extra = ""
        if off_track:
            n = alert.evidence["sessions_off_track"]
            extra = ngettext("%(n)s session off track", "%(n)s sessions off track", n) % {"n": n}
        rows.append(
            render_to_string("supervision/_alert_row.html", {"alert": alert, "extra": extra})
        )
    return "".join(rows)


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_rows_read_as_the_template_wrote_them(clinic: SimpleNamespace, language: str) -> None:
    bulk_caseload(clinic, clients=12, sessions=4)
    # ORS falling from 20 to 10 over five sessions: off track for several sessions.
    rated_episode(clinic, [20.0, 16.0, 14.0, 12.0, 10.0], [38, 38, 38, 38, 38])
    overview = team_overview(clinic.supervisor)
    assert overview.open_alerts and overview.not_on_track and overview.undiscussed_low_alliance
    with translation.override(language):
        for alerts in (overview.open_alerts, overview.undiscussed_low_alliance):
            assert alert_rows_html(alerts) == _by_template(alerts)
        assert alert_rows_html(overview.not_on_track, off_track=True) == _by_template(
            overview.not_on_track, off_track=True
        )


def test_a_client_name_is_escaped(clinic: SimpleNamespace) -> None:
    [episode] = bulk_caseload(clinic, clients=1, sessions=6)
    episode.client.display_name = "<b>Sam & Co</b>"
    episode.client.save(update_fields=["display_name"])
    alerts = team_overview(clinic.supervisor).open_alerts
    html = alert_rows_html(alerts)
    assert "&lt;b&gt;Sam &amp; Co&lt;/b&gt;" in html and "<b>Sam" not in html
    assert html == _by_template(alerts)
