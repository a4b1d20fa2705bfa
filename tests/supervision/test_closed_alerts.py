"""Only open alerts are open on the supervision pages: an alert superseded by a newer one of the
same rule, or resolved by a later score, is history, not work, on the team page and in the
development page's count."""

from types import SimpleNamespace

from alliance.feedback.models import Alert, AlertState
from alliance.supervision import selectors as supervision
from tests.clinic.builders import rated_episode


def _superseded_and_resolved(clinic: SimpleNamespace) -> tuple[Alert, Alert]:
    # SRS 30 at sessions 1 and 2: the second low-alliance alert supersedes the first.
    superseded = rated_episode(clinic, [20.0, 20.0], [30.0, 30.0])
    # SRS 30 then 39: the later score resolves the low-alliance alert.
    resolved = rated_episode(clinic, [20.0, 20.0], [30.0, 39.0])
    old = Alert.objects.get(episode=superseded, rule="low_alliance", session__number=1)
    fixed = Alert.objects.get(episode=resolved, rule="low_alliance")
    assert (old.state, fixed.state) == (AlertState.SUPERSEDED, AlertState.RESOLVED)
    assert old.acknowledged_at is None and fixed.acknowledged_at is None
    return old, fixed


def test_a_superseded_or_resolved_alert_is_not_on_the_team_page(clinic: SimpleNamespace) -> None:
    closed = {alert.pk for alert in _superseded_and_resolved(clinic)}
    overview = supervision.team_overview(clinic.supervisor)
    for shown in (overview.open_alerts, overview.undiscussed_low_alliance):
        # The page reads its alerts as plain values (``TeamAlert``): compared by id.
        ids = {alert.pk for alert in shown}
        assert ids and closed.isdisjoint(ids)
        states = Alert.objects.filter(pk__in=ids).values_list("state", flat=True)
        assert set(states) == {AlertState.OPEN}
    assert overview.open_count == Alert.objects.open().count()
    newer = Alert.objects.get(state=AlertState.OPEN, rule="low_alliance")
    assert newer.pk in {alert.pk for alert in overview.open_alerts}


def test_a_superseded_or_resolved_alert_does_not_count_on_the_development_page(
    clinic: SimpleNamespace,
) -> None:
    _superseded_and_resolved(clinic)
    found = supervision.clinician_development(clinic.clinician, clinic.clinician)
    assert found.open_alerts == Alert.objects.open().count()
    assert found.open_alerts < Alert.objects.filter(acknowledged_at__isnull=True).count()
