"""A link by e-mail or text message: sent only with consent, opens the form once, expires, and
refuses politely when used or expired."""

import re
import uuid
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from alliance.measures.models import Response
from alliance.portal import services, sms
from alliance.portal.models import Invitation
from tests.factories import PASSWORD
from tests.portal.conftest import ORS_ANSWERS, SRS_ANSWERS, alliance_settings, form_post, invite

pytestmark = pytest.mark.django_db

ORS_VALUES = {name: float(value) for name, value in ORS_ANSWERS.items()}


def _consenting(clinic: SimpleNamespace, *, email: str = "", phone: str = "") -> None:
    client = clinic.episode.client
    client.email, client.phone, client.consents_to_electronic_contact = email, phone, True
    client.save(update_fields=["email", "phone", "consents_to_electronic_contact"])


def _send(clinic: SimpleNamespace, measure: str = "ors") -> Browser:
    browser = Browser()
    browser.login(username="clinician", password=PASSWORD)
    browser.post(
        reverse("portal:invite", args=[clinic.session.pk]), {"measure": measure, "channel": "link"}
    )
    return browser


def _link_in(text: str) -> str:
    found = re.search(r"https?://\S+/rate/l/([\w-]+)/", text)
    assert found, text
    return reverse("portal:link", args=[found.group(1)])


def test_it_sends_the_link_by_email_to_a_client_who_agreed(clinic: SimpleNamespace) -> None:
    _consenting(clinic, email="sam@example.org", phone="+447700900123")
    _send(clinic)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sam@example.org"]
    assert sms.outbox == []
    body = mail.outbox[0].body
    assert clinic.episode.client.display_name not in body
    assert "72 hours" in body
    assert Browser().get(_link_in(body)).status_code == 200
    assert Invitation.objects.get().delivery == "email"


def test_it_texts_the_link_when_there_is_only_a_mobile_number(clinic: SimpleNamespace) -> None:
    _consenting(clinic, phone="+447700900123")
    _send(clinic, "srs")
    assert mail.outbox == []
    assert [message.to for message in sms.outbox] == ["+447700900123"]
    assert Browser().get(_link_in(sms.outbox[0].body)).status_code == 200


def test_it_sends_nothing_without_consent_and_says_so(clinic: SimpleNamespace) -> None:
    client = clinic.episode.client
    client.email = "sam@example.org"
    client.save(update_fields=["email"])
    browser = _send(clinic)
    assert mail.outbox == [] and sms.outbox == []
    assert not Invitation.objects.exists()
    page = browser.get(reverse("clinic:session", args=[clinic.session.pk])).content.decode()
    assert "has not agreed to e-mail or text messages" in page


def test_it_sends_nothing_without_an_address_or_number(clinic: SimpleNamespace) -> None:
    _consenting(clinic)
    browser = _send(clinic)
    assert mail.outbox == [] and not Invitation.objects.exists()
    page = browser.get(reverse("clinic:session", args=[clinic.session.pk])).content.decode()
    assert "no e-mail address or mobile number" in page


def test_the_link_opens_the_form_and_stores_the_answers(clinic: SimpleNamespace) -> None:
    _invitation, token = invite(clinic, "link")
    url = reverse("portal:link", args=[token])
    browser = Browser()
    page = browser.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Individually" in html and 'type="number"' in html and 'step="0.1"' in html
    key = re.search(r'name="form_key" value="([0-9a-f-]+)"', html).group(1)  # type: ignore[union-attr]
    sent = browser.post(url, form_post("ors", ORS_ANSWERS, key))
    assert sent.status_code == 302
    response = Response.objects.get()
    assert (response.method, response.rater, response.total) == (
        "link",
        "client",
        pytest.approx(19.0),
    )
    thanks = browser.get(sent["Location"], follow=True)
    assert "Your answers have been sent" in thanks.content.decode()


def test_the_same_form_sent_twice_stores_one_response(clinic: SimpleNamespace) -> None:
    _invitation, token = invite(clinic, "link")
    url = reverse("portal:link", args=[token])
    browser = Browser()
    data = form_post("ors", ORS_ANSWERS, str(uuid.uuid4()))
    first, second = browser.post(url, data), browser.post(url, data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == reverse("portal:thanks")
    assert Response.objects.count() == 1


def test_the_last_form_stored_by_another_tab_a_moment_earlier_still_thanks(
    clinic: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two tabs send the last form together: the other tab's answers are stored just after this
    # request found the link still open. This tab must be thanked too, not sent back to the
    # link (which is used by then and says so). Seen on PostgreSQL under load.
    invitation, token = invite(clinic, "link")
    url = reverse("portal:link", args=[token])
    looked_up = services.invitation_by_token

    def the_other_tab_wins(*args: object, **kwargs: object) -> Invitation:
        found = looked_up(*args, **kwargs)  # type: ignore[arg-type]
        services.invitation_answer(
            invitation=invitation, measure="ors", values=ORS_VALUES, form_key=uuid.uuid4()
        )
        return found

    monkeypatch.setattr(services, "invitation_by_token", the_other_tab_wins)
    sent = Browser().post(url, form_post("ors", ORS_ANSWERS, str(uuid.uuid4())))
    assert (sent.status_code, sent["Location"]) == (302, reverse("portal:thanks"))
    assert Response.objects.count() == 1


def test_an_untouched_line_is_refused_with_its_name_and_range(clinic: SimpleNamespace) -> None:
    _invitation, token = invite(clinic, "link")
    answers = {**ORS_ANSWERS, "ors_3": ""}
    page = Browser().post(
        reverse("portal:link", args=[token]), form_post("ors", answers, str(uuid.uuid4()))
    )
    assert page.status_code == 400
    assert "Socially still needs an answer" in page.content.decode()
    assert "from 0 to 10" in page.content.decode()
    assert Response.objects.count() == 0


@pytest.mark.parametrize("bad", ["10.5", "-1", "4.55", "lots"])
def test_a_value_off_the_line_is_refused_and_nothing_stored(
    clinic: SimpleNamespace, bad: str
) -> None:
    _invitation, token = invite(clinic, "link")
    answers = {**ORS_ANSWERS, "ors_2": bad}
    page = Browser().post(
        reverse("portal:link", args=[token]), form_post("ors", answers, str(uuid.uuid4()))
    )
    assert page.status_code == 400
    assert "Interpersonally: choose a point on the line, from 0 to 10." in page.content.decode()
    assert Response.objects.count() == 0


def test_two_measures_come_one_per_screen(clinic: SimpleNamespace) -> None:
    _invitation, token = invite(clinic, "link", ("ors", "srs"))
    url = reverse("portal:link", args=[token])
    browser = Browser()
    assert "Form 1 of 2" in browser.get(url).content.decode()
    browser.post(url, form_post("ors", ORS_ANSWERS, str(uuid.uuid4())))
    second = browser.get(url).content.decode()
    assert "Form 2 of 2" in second and "Goals and topics" in second
    assert browser.post(url, form_post("srs", SRS_ANSWERS, str(uuid.uuid4())))[
        "Location"
    ] == reverse("portal:thanks")
    assert Response.objects.count() == 2


def test_a_used_link_is_refused_politely(clinic: SimpleNamespace) -> None:
    _invitation, token = invite(clinic, "link")
    url = reverse("portal:link", args=[token])
    Browser().post(url, form_post("ors", ORS_ANSWERS, str(uuid.uuid4())))
    page = Browser().get(url)
    assert page.status_code == 410
    assert "already been filled in" in page.content.decode()


def test_an_expired_link_is_refused_politely(clinic: SimpleNamespace) -> None:
    invitation, token = invite(clinic, "link")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    url = reverse("portal:link", args=[token])
    page = Browser().get(url)
    assert page.status_code == 410
    assert "This form has closed" in page.content.decode()
    assert Browser().post(url, form_post("ors", ORS_ANSWERS, str(uuid.uuid4()))).status_code == 410
    assert Response.objects.count() == 0


def test_a_made_up_link_is_not_found_for_anyone(clinic: SimpleNamespace) -> None:
    page = Browser().get(reverse("portal:link", args=["made-up-token"]))
    assert page.status_code == 404
    assert "nothing to fill in here" in page.content.decode()


def test_the_link_pages_are_never_cached(clinic: SimpleNamespace) -> None:
    _invitation, token = invite(clinic, "link")
    page = Browser().get(reverse("portal:link", args=[token]))
    assert "no-store" in page["Cache-Control"]


def test_a_text_that_cannot_be_sent_keeps_nothing_and_says_why(clinic: SimpleNamespace) -> None:
    _consenting(clinic, phone="+447700900123")
    with alliance_settings(SMS_BACKEND="alliance.portal.sms.DisabledBackend"):
        browser = _send(clinic)
    assert not Invitation.objects.exists()
    page = browser.get(reverse("clinic:session", args=[clinic.session.pk])).content.decode()
    assert "Text messages are not set up on this site." in page
