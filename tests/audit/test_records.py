"""audit.records: the apps above the audit log tell it what it records about, at start-up."""

import pytest
from django.contrib.sessions.backends.base import SessionBase

from alliance.api.auth import request_token
from alliance.audit import records
from alliance.care.models import Client, Episode, Goal, GoalRating, Rupture, Session, Task
from alliance.feedback.models import Alert
from alliance.measures.models import Response
from alliance.portal import visits
from alliance.portal.models import Invitation
from alliance.portal.services import link_invitations
from alliance.voice.models import AgendaItem


def test_each_record_kind_is_registered_with_the_path_to_its_client() -> None:
    registered = dict(records.RECORDS)
    assert registered == {
        "client": (Client, "pk"),
        "episode": (Episode, "client_id"),
        "session": (Session, "episode__client_id"),
        "goal": (Goal, "episode__client_id"),
        "goal_rating": (GoalRating, "goal__episode__client_id"),
        "task": (Task, "episode__client_id"),
        "rupture": (Rupture, "session__episode__client_id"),
        "alert": (Alert, "episode__client_id"),
        "response": (Response, "session__episode__client_id"),
        "invitation": (Invitation, "session__episode__client_id"),
        "agenda_item": (AgendaItem, "session__episode__client_id"),
    }


def test_the_portal_pages_say_where_they_keep_the_invitation() -> None:
    state = records.PORTAL_STATE
    assert set(state) == {"portal:kiosk", "portal:thanks", "voice:client_progress", "portal:tablet"}
    assert state["portal:kiosk"] is visits.kiosk_invitation_id
    assert state["portal:thanks"] is visits.done_invitation_id
    assert state["voice:client_progress"] is visits.done_invitation_id


def test_the_tablet_reads_the_invitation_of_its_hand_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(visits, "handoff", lambda session: {"invitation": 7})
    assert records.PORTAL_STATE["portal:tablet"](SessionBase()) == 7
    monkeypatch.setattr(visits, "handoff", lambda session: None)
    assert records.PORTAL_STATE["portal:tablet"](SessionBase()) is None


def test_the_portal_and_the_api_register_how_their_tokens_are_found() -> None:
    assert records.HOOKS.registered == {
        "link_invitations": link_invitations,
        "request_token": request_token,
    }
