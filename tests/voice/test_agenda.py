"""Agenda topics with the outcome measure (issue 19, point 1): optional, up to three, stored
once, refused with a message naming the field when too long or holding markup, never on an
expired link; the care team sees them at the top of the session page and marks them covered."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from alliance.measures.models import Response
from alliance.voice import selectors, services
from alliance.voice.models import AgendaItem, AgendaItemChange
from tests.factories import PASSWORD
from tests.voice.conftest import answer, link

pytestmark = pytest.mark.django_db


def _staff(clinic: SimpleNamespace, role: str = "clinician") -> Browser:
    browser = Browser()
    assert browser.login(username=getattr(clinic, role).username, password=PASSWORD)
    return browser


def test_the_outcome_form_offers_three_optional_topics(clinic: SimpleNamespace) -> None:
    _invitation, url = link(clinic)
    html = Browser().get(url).content.decode()
    assert "Anything you want to talk about today?" in html
    assert html.count('name="voice_agenda_') == 3
    assert 'maxlength="200"' in html


def test_a_client_adds_topics_with_the_outcome_measure(clinic: SimpleNamespace) -> None:
    _invitation, url = link(clinic)
    words = {"voice_agenda_1": "Sleep", "voice_agenda_2": "", "voice_agenda_3": "My brother"}
    response = answer(Browser(), url, "ors", words)
    assert response.status_code == 302
    items = AgendaItem.objects.filter(session=clinic.session)
    assert [(i.position, i.text) for i in items] == [(1, "Sleep"), (2, "My brother")]
    assert items[0].response == Response.objects.get(instrument="ors")


def test_skipping_the_topics_stores_the_answers_alone(clinic: SimpleNamespace) -> None:
    _invitation, url = link(clinic)
    assert answer(Browser(), url, "ors").status_code == 302
    assert Response.objects.filter(instrument="ors").count() == 1
    assert not AgendaItem.objects.exists()


def test_a_double_tap_stores_the_topics_once(clinic: SimpleNamespace) -> None:
    _invitation, url = link(clinic)
    browser = Browser()
    words = {"voice_agenda_1": "Work"}
    answer(browser, url, "ors", words, key="0b0e4b7a-1111-4a4a-9a9a-000000000001")
    answer(browser, url, "ors", words, key="0b0e4b7a-1111-4a4a-9a9a-000000000001")
    assert AgendaItem.objects.count() == 1 and Response.objects.count() == 1


def test_a_second_form_for_the_same_session_adds_no_topics(clinic: SimpleNamespace) -> None:
    services.agenda_record(session=clinic.session, topics=["First"])
    services.agenda_record(session=clinic.session, topics=["Second", "Third"])
    assert list(AgendaItem.objects.values_list("text", flat=True)) == ["First"]


def test_a_topic_too_long_is_refused_naming_it_and_nothing_is_stored(
    clinic: SimpleNamespace,
) -> None:
    _invitation, url = link(clinic)
    response = answer(Browser(), url, "ors", {"voice_agenda_2": "x" * 201})
    assert response.status_code == 400
    assert "Topic 2: please keep it to 200 characters; this has 201." in response.content.decode()
    assert not Response.objects.exists() and not AgendaItem.objects.exists()


@pytest.mark.parametrize("text", ["<b>bold</b>", "<script>alert(1)</script>", "&lt;b&gt;"])
def test_markup_in_a_topic_is_refused_naming_it(clinic: SimpleNamespace, text: str) -> None:
    _invitation, url = link(clinic)
    response = answer(Browser(), url, "ors", {"voice_agenda_1": text})
    assert response.status_code == 400
    assert "Topic 1: please write plain words" in response.content.decode()
    assert not Response.objects.exists() and not AgendaItem.objects.exists()


def test_the_service_refuses_markup_and_more_than_three_topics(clinic: SimpleNamespace) -> None:
    with pytest.raises(ValidationError, match="Up to 3 topics"):
        services.agenda_record(session=clinic.session, topics=["a", "b", "c", "d"])
    with pytest.raises(ValidationError) as refused:
        services.agenda_record(session=clinic.session, topics=["ok", "<i>no</i>"])
    assert "voice_agenda_2" in refused.value.message_dict
    assert not AgendaItem.objects.exists()


def test_no_topic_is_stored_on_an_expired_link(clinic: SimpleNamespace) -> None:
    invitation, url = link(clinic)
    invitation.created_at = timezone.now() - dt.timedelta(days=5)
    invitation.expires_at = timezone.now() - dt.timedelta(days=2)
    invitation.save(update_fields=["created_at", "expires_at"])
    response = answer(Browser(), url, "ors", {"voice_agenda_1": "Too late"})
    assert response.status_code == 410
    assert not AgendaItem.objects.exists() and not Response.objects.exists()


def test_the_care_team_sees_the_topics_at_the_top_of_the_session_page(
    clinic: SimpleNamespace,
) -> None:
    services.agenda_record(session=clinic.session, topics=["Sleep & dreams < 5 hours"])
    html = _staff(clinic).get(reverse("clinic:session", args=[clinic.session.pk])).content.decode()
    assert "What the client wants to talk about today" in html
    assert "Sleep &amp; dreams &lt; 5 hours" in html and "dreams < 5" not in html
    assert html.index("client-agenda") < html.index("measures-handover")


def test_a_supervisor_off_the_care_team_sees_no_topics(clinic: SimpleNamespace) -> None:
    services.agenda_record(session=clinic.session, topics=["Private topic"])
    response = _staff(clinic, "supervisor").get(reverse("clinic:session", args=[clinic.session.pk]))
    assert response.status_code == 200
    assert "Private topic" not in response.content.decode()
    assert selectors.session_agenda_items(clinic.supervisor, clinic.session) == []


def test_marking_a_topic_covered_keeps_its_history(clinic: SimpleNamespace) -> None:
    (item,) = services.agenda_record(session=clinic.session, topics=["Work"])
    browser = _staff(clinic)
    url = reverse("voice:agenda_item_covered", args=[item.pk])
    browser.post(url, {"covered": "1"})
    browser.post(url, {"covered": "1"})  # a double tap changes nothing
    item.refresh_from_db()
    assert item.is_covered and item.covered_by == clinic.clinician
    browser.post(url, {"covered": "0"})
    item.refresh_from_db()
    assert not item.is_covered
    assert list(AgendaItemChange.objects.values_list("covered", flat=True)) == [True, False]


def test_the_client_page_lists_topics_over_time(clinic: SimpleNamespace) -> None:
    from tests.factories import make_session

    later = make_session(clinic.episode, 2)
    services.agenda_record(session=clinic.session, topics=["Sleep"])
    services.agenda_record(session=later, topics=["Moving house"])
    html = _staff(clinic).get(reverse("clinic:episode", args=[clinic.episode.pk])).content.decode()
    assert html.index("Session 2: Moving house") < html.index("Session 1: Sleep")


def test_the_day_view_reads_every_sessions_topics_in_one_query(
    clinic: SimpleNamespace, django_assert_num_queries: object
) -> None:
    from tests.factories import make_session

    later = make_session(clinic.episode, 2)
    services.agenda_record(session=clinic.session, topics=["Sleep"])
    services.agenda_record(session=later, topics=["Work", "Family"])
    with django_assert_num_queries(1):  # type: ignore[operator]
        found = selectors.agenda_items_by_session(clinic.clinician, [clinic.session, later])
    assert {k: [i.text for i in v] for k, v in found.items()} == {
        clinic.session.pk: ["Sleep"],
        later.pk: ["Work", "Family"],
    }
    assert selectors.agenda_items_by_session(clinic.outsider, [clinic.session, later]) == {}


def test_the_day_view_shows_the_topics_to_the_care_team_only(clinic: SimpleNamespace) -> None:
    from alliance.care.models import Session

    # Today's session of the client, with a topic holding markup-like plain text (escaped).
    Session.objects.filter(pk=clinic.session.pk).update(
        starts_at=timezone.now() + dt.timedelta(minutes=30), status="scheduled"
    )
    services.agenda_record(session=clinic.session, topics=["Sleep & dreams < 5 hours"])
    page = _staff(clinic).get(reverse("clinic:today")).content.decode()
    assert "The client wants to talk about:" in page
    assert "Sleep &amp; dreams &lt; 5 hours" in page
    # Off the care team: neither the appointment nor the words (agenda_items_by_session
    # itself gives an outsider nothing: the test above).
    clinic.session.attended_by.add(clinic.colleague)
    other = _staff(clinic, "colleague").get(reverse("clinic:today")).content.decode()
    assert "Sleep" not in other


def test_a_kiosk_answer_carries_topics_too(clinic: SimpleNamespace) -> None:
    from tests.portal.conftest import invite

    _invitation, code = invite(clinic, "kiosk", ("ors",))
    browser = Browser()
    browser.post(reverse("portal:kiosk"), {"code": code})
    answer(browser, reverse("portal:kiosk"), "ors", {"voice_agenda_1": "Kiosk topic"})
    assert AgendaItem.objects.get().text == "Kiosk topic"
    assert timezone.now()  # the kiosk flow ends on the thank-you page


def test_answering_again_with_words_passes_the_clients_choice_on(clinic: SimpleNamespace) -> None:
    # The portal's form view sends the client's "again" choice through this service; it was
    # refused as an unexpected argument, so every answer on a tablet, link or kiosk failed.
    import uuid

    from tests.portal.conftest import ORS_ANSWERS, invite

    first_invitation, _token = invite(clinic, "link")
    first = services.invitation_answer_with_words(
        invitation=first_invitation,
        measure="ors",
        values=ORS_ANSWERS,
        form_key=uuid.uuid4(),
        words={},
    )
    by_tablet, _secret = invite(clinic, "tablet")
    kept = services.invitation_answer_with_words(
        invitation=by_tablet,
        measure="ors",
        values={**ORS_ANSWERS, "ors_1": "9"},
        form_key=uuid.uuid4(),
        words={"voice_agenda_1": "Sleep"},
        again="keep",
    )
    assert kept.pk == first.pk and Response.objects.count() == 1
