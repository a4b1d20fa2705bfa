"""A second hand-off of a measure already answered in the session says so and offers to answer
again, instead of dropping the new answers while saying they were saved (issue 11, point 6)."""

import uuid
from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse

from alliance.measures.models import Response
from tests.portal.conftest import ORS_ANSWERS, form_post, invite

pytestmark = pytest.mark.django_db


def _second_link(clinic: SimpleNamespace) -> tuple[Browser, str, dict[str, str]]:
    for _time in range(2):
        _invitation, token = invite(clinic, "link")
        url = reverse("portal:link", args=[token])
        browser = Browser()
        browser.get(url)
        if not Response.objects.exists():
            browser.post(url, form_post("ors", ORS_ANSWERS, str(uuid.uuid4())))
    data = form_post("ors", {**ORS_ANSWERS, "ors_1": "9"}, str(uuid.uuid4()))
    return browser, url, data


def test_the_second_form_says_it_was_not_saved_and_offers_to_answer_again(
    clinic: SimpleNamespace,
) -> None:
    browser, url, data = _second_link(clinic)
    answer = browser.post(url, data)
    assert answer.status_code == 409
    page = answer.content.decode()
    assert "Your new answers have not been saved yet" in page
    assert 'name="again" value="replace"' in page and 'name="ors_1" value="9"' in page
    assert Response.objects.get().items["ors_1"] == 4.5


def test_answering_again_replaces_the_answers_by_a_new_version(clinic: SimpleNamespace) -> None:
    browser, url, data = _second_link(clinic)
    browser.post(url, data)
    answer = browser.post(url, {**data, "again": "replace"})
    assert answer.status_code == 302 and answer["Location"] == reverse("portal:thanks")
    response = Response.objects.get()
    assert response.version == 2 and response.items["ors_1"] == 9
    assert response.versions.get(version=1).items["ors_1"] == 4.5


def test_keeping_the_earlier_answers_stores_nothing(clinic: SimpleNamespace) -> None:
    browser, url, data = _second_link(clinic)
    answer = browser.post(url, {**data, "again": "keep"})
    assert answer.status_code == 302
    response = Response.objects.get()
    assert response.version == 1 and response.items["ors_1"] == 4.5
