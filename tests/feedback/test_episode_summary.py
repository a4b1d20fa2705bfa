"""The caseload's per-episode summary (``EpisodeSummary``) stays equal to a recomputation from
scratch through a run of real actions: ratings, an acknowledgement, a snooze, bookings, a move,
a cancellation, a voided answer, an episode ended (docs/clinic.md, "The caseload's summary")."""

import datetime as dt
from collections import defaultdict
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliance.care import appointments, episodes
from alliance.care.models import Episode, Session, SessionStatus
from alliance.clinic import corrections
from alliance.feedback.models import Alert, AlertState, EpisodeSummary
from alliance.feedback.services import alert_acknowledge, alert_snooze, alerts_refresh
from alliance.measures.models import Rater, Response
from alliance.measures.services import response_record
from tests.clinic.builders import ors, rated_episode, srs
from tests.factories import PASSWORD, make_episode

SEVERITY = ["critical", "high", "medium", "low"]


def _from_scratch(episode: Episode) -> dict[str, Any]:
    """What the caseload should show, worked out here in plain Python over every record, the
    way the page worked it out per request before the summary existed."""
    now = timezone.now()
    sessions = list(Session.objects.filter(episode=episode).order_by("starts_at", "pk"))
    scores: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
    for r in Response.objects.filter(session__episode=episode).select_related("session"):
        if r.rater == Rater.CLIENT and r.about_member_id is None:
            scores[r.instrument].append((r.session.number or 0, r.pk, r.total))
    recent = {code: [t for *_, t in sorted(rows)[-8:]] for code, rows in scores.items()}
    opened = sorted(
        Alert.objects.filter(episode=episode, state=AlertState.OPEN).select_related("session"),
        key=lambda a: (a.priority, -(a.session.number or 0), a.pk),
    )
    held = [s.starts_at for s in sessions if s.status in ("attended", "no_show")]
    booked = [s.starts_at for s in sessions if s.status == SessionStatus.SCHEDULED]
    return {
        "recent_scores": recent,
        "outcome_latest": recent.get(episode.outcome_measure, [None])[-1],
        "alliance_latest": recent.get(episode.alliance_measure, [None])[-1],
        "open_alerts": [
            [a.rule, a.severity, a.session.number, a.since_session or a.session.number]
            for a in opened
        ],
        "open_alert_count": len(opened),
        "top_severity": min((a.severity for a in opened), key=SEVERITY.index, default=""),
        "need_priority": opened[0].priority if opened else None,
        "need_session_at": opened[0].session.starts_at if opened else None,
        "last_held": max((t for t in held if t <= now), default=None),
        "next_booked": min((t for t in booked if t >= now), default=None),
        "sessions_attended": sum(s.status == SessionStatus.ATTENDED for s in sessions),
    }


def _stored(episode: Episode) -> dict[str, Any]:
    row = EpisodeSummary.objects.get(episode=episode)
    now = timezone.now()
    found = {name: getattr(row, name) for name in _from_scratch(episode) if hasattr(row, name)}
    return found | {"last_held": row.last_held(now), "next_booked": row.next_booked(now)}


def _agree(*found: Episode) -> None:
    for episode in found:
        assert _stored(episode) == _from_scratch(episode)


def test_the_summary_equals_a_recomputation_after_each_real_action(
    clinic: SimpleNamespace,
) -> None:
    episode = rated_episode(clinic, [20.0, 19.0, 12.0], [39.0, 38.0, 30.0])
    other = rated_episode(clinic, [15.0, 16.0], [39.0, 39.5])
    _agree(episode, other)
    assert _stored(episode)["open_alert_count"] > 0  # the actions below have something to move

    # A rating at a new session (as the portal records one, then refreshes the alerts).
    fourth = Session.objects.create(
        episode=episode, number=4, starts_at=timezone.now() - dt.timedelta(hours=2)
    )
    fourth.status = SessionStatus.ATTENDED
    fourth.save(update_fields=["status"])
    response_record(session=fourth, instrument_code="ors", values=ors(10.0))
    response_record(session=fourth, instrument_code="srs", values=srs(28.0))
    alerts_refresh([episode])
    _agree(episode)

    # An acknowledgement and a snooze.
    first, *rest = Alert.objects.filter(episode=episode, state=AlertState.OPEN).order_by("pk")
    alert_acknowledge(alert=first, by=clinic.clinician, note="Talked it through")
    _agree(episode)
    snoozable = [a for a in rest if a.rule != "risk_answer"]
    if snoozable:
        alert_snooze(alert=snoozable[0], by=clinic.clinician, reason="Away a week")
        _agree(episode)

    # Bookings, a move and a cancellation.
    soon = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    booked = appointments.appointment_book(
        episode=episode, by=clinic.clinician, starts_at=soon, repeat="weekly", count=3
    )
    _agree(episode)
    appointments.appointment_reschedule(
        session=booked[0], by=clinic.clinician, starts_at=soon + dt.timedelta(hours=2)
    )
    _agree(episode)
    appointments.appointment_cancel(
        session=booked[1], by=clinic.clinician, cancelled_by="client", reason="Ill"
    )
    _agree(episode)

    # A voided answer: the latest ORS leaves the chart and the alerts.
    mistaken = Response.objects.get(session=fourth, instrument="ors")
    corrections.response_void(response=mistaken, by=clinic.clinician, reason="Wrong client")
    _agree(episode)
    assert _stored(episode)["recent_scores"]["ors"][-1] == 12.0

    # The other episode ends: its booked sessions are cancelled and its summary follows.
    appointments.appointment_book(episode=other, by=clinic.clinician, starts_at=soon)
    episodes.episode_end(episode=other, ending="planned", by=clinic.clinician)
    _agree(episode, other)
    assert _stored(other)["next_booked"] is None


def test_the_rebuild_command_writes_the_same_summaries(clinic: SimpleNamespace) -> None:
    episode = rated_episode(clinic, [20.0, 14.0], [39.0, 30.0])
    kept = _stored(episode)
    EpisodeSummary.objects.all().delete()
    call_command("rebuild_episode_summaries", verbosity=0)
    assert EpisodeSummary.objects.count() == Episode.objects.count()
    assert _stored(episode) == kept == _from_scratch(episode)


def test_an_episode_written_without_a_summary_still_shows_on_the_caseload(
    clinic: SimpleNamespace,
) -> None:
    episode = rated_episode(clinic, [20.0, 14.0], [39.0, 39.5])
    EpisodeSummary.objects.filter(episode=episode).delete()
    browser = Browser()
    assert browser.login(username="clinician", password=PASSWORD)
    body = browser.get(reverse("clinic:caseload")).content.decode()
    assert "Not on track" in body and episode.client.display_name in body
    _agree(episode)


def test_a_refresh_takes_the_same_queries_for_one_and_many_episodes(
    clinic: SimpleNamespace,
) -> None:
    from alliance.feedback.summaries import episode_summaries_refresh

    one = [rated_episode(clinic, [20.0, 14.0], [39.0, 30.0])]
    many = [make_episode(clinic.team_a, clinic.clinician) for _ in range(5)] + one
    counts = []
    for episodes_ in (one, many):
        with CaptureQueriesContext(connection) as captured:
            episode_summaries_refresh(episodes_)
        counts.append(len(captured))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_the_demo_leaves_every_summary_as_a_recomputation_gives_it() -> None:
    from alliance.demo.clinic import load_demo
    from alliance.feedback.summaries import SUMMARY_FIELDS, summaries_compute

    load_demo(seed=7, today=timezone.localdate())
    stored = {row.pk: row for row in EpisodeSummary.objects.all()}
    fresh = summaries_compute(Episode.objects.values_list("pk", flat=True))
    assert set(stored) == set(fresh) and len(fresh) > 10
    fields = [name for name in SUMMARY_FIELDS if name != "updated_at"]
    for pk, row in fresh.items():
        assert [getattr(stored[pk], f) for f in fields] == [getattr(row, f) for f in fields]
    assert any(row.open_alert_count for row in stored.values())
    assert any(row.booked_at for row in stored.values())
