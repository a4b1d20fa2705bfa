"""The hand-off, the link and the kiosk offer the measures due at the session, in answering
order (start of the session first, alliance at the end); the clinician may choose other
installed measures, and nothing else (issue 11, point 3)."""

from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse

from alliance.care import plans
from alliance.portal.models import Invitation
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PLAN = [
    {"instrument": "ors", "repeat": "sessions", "interval": 1},
    {"instrument": "srs", "repeat": "sessions", "interval": 1},
    {"instrument": "phq9", "at_intake": True, "repeat": "sessions", "interval": 4},
]


@pytest.fixture
def planned(clinic: SimpleNamespace) -> SimpleNamespace:
    plans.plan_set(episode=clinic.episode, items=plans.check_items(PLAN), by=clinic.clinician)
    return clinic


def _browser() -> Browser:
    browser = Browser()
    assert browser.login(username="clinician", password=PASSWORD)
    return browser


def _invite(clinic: SimpleNamespace, data: dict[str, object]) -> Invitation | None:
    _browser().post(reverse("portal:invite", args=[clinic.session.pk]), data)
    return Invitation.objects.order_by("pk").last()


def test_the_session_page_ticks_the_measures_due_in_each_part_of_the_session(
    planned: SimpleNamespace,
) -> None:
    page = _browser().get(reverse("clinic:session", args=[planned.session.pk])).content.decode()
    start, end = page.split('id="invite-end"')
    assert 'value="ors" checked' in start and 'value="phq9" checked' in start
    assert 'value="gad7">' in start  # installed, not due: offered folded away, not ticked
    assert 'value="srs" checked' in end and 'value="ors"' not in end
    assert 'value="gbo"' not in page  # goal ratings are recorded on the session page


def test_a_measure_due_but_already_answered_in_the_session_is_offered_unticked(
    planned: SimpleNamespace,
) -> None:
    from alliance.measures.services import response_record

    values = {f"ors_{n}": 6.0 for n in range(1, 5)}
    response_record(session=planned.session, instrument_code="ors", values=values)
    page = _browser().get(reverse("clinic:session", args=[planned.session.pk])).content.decode()
    start = page.split('id="invite-end"')[0]
    assert 'value="ors">' in start and 'value="phq9" checked' in start
    assert 'Hand the tablet to the client<span class="visually-hidden"> (PHQ9)' in start


def test_a_part_sent_without_a_choice_gives_the_measures_due_in_it(
    planned: SimpleNamespace,
) -> None:
    invitation = _invite(planned, {"phase": "start", "channel": "tablet"})
    assert invitation is not None and invitation.measures == ["ors", "phq9"]


def test_chosen_measures_are_given_in_answering_order(planned: SimpleNamespace) -> None:
    invitation = _invite(planned, {"measures": ["srs", "gad7", "ors"], "channel": "kiosk"})
    assert invitation is not None and invitation.measures == ["ors", "gad7", "srs"]


def test_one_measure_named_the_old_way_still_works(planned: SimpleNamespace) -> None:
    invitation = _invite(planned, {"measure": "srs", "channel": "tablet"})
    assert invitation is not None and invitation.measures == ["srs"]


def test_a_measure_not_installed_or_not_for_clients_is_refused(planned: SimpleNamespace) -> None:
    for code in ("xyz", "wai_sr_t", "gbo"):
        assert _invite(planned, {"measures": [code], "channel": "tablet"}) is None


def test_a_session_with_nothing_due_asks_for_a_choice(planned: SimpleNamespace) -> None:
    planned.session.due = ["ors"]
    planned.session.save(update_fields=["due"])
    assert _invite(planned, {"phase": "end", "channel": "tablet"}) is None
    browser = _browser()
    answer = browser.post(
        reverse("portal:invite", args=[planned.session.pk]), {"phase": "end", "channel": "tablet"}
    )
    assert "Nothing is due at this session" in browser.get(answer["Location"]).content.decode()


def test_an_invitation_without_measures_named_gives_those_due(planned: SimpleNamespace) -> None:
    from alliance.portal.services import invitation_create

    invitation, _secret = invitation_create(
        session=planned.session, measures=None, channel="link", created_by=planned.clinician
    )
    assert invitation.measures == ["ors", "phq9", "srs"]
