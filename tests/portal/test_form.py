"""The client's form: lines for visual-analogue items, radio groups for Likert items, the
instrument's words in the client's language, and the client's own progress when shared."""

import json
import re
import uuid
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance.measures.services import response_record
from alliance.portal.charts import progress_spec
from alliance.portal.selectors import client_progress
from alliance.voice.models import TeamSharing
from tests.factories import make_episode, make_session, make_user
from tests.portal.conftest import ORS_ANSWERS, form_post, invite

pytestmark = pytest.mark.django_db


def _page(clinic: SimpleNamespace, measures: tuple[str, ...] = ("ors",), **kwargs: object) -> str:
    _invitation, token = invite(clinic, "link", measures, **kwargs)
    return Browser().get(reverse("portal:link", args=[token])).content.decode()


def test_each_line_is_a_number_from_0_to_10_with_one_decimal_and_no_preset_value(
    clinic: SimpleNamespace,
) -> None:
    html = _page(clinic)
    inputs = re.findall(r'<input type="number"[^>]*>', html)
    assert len(inputs) == 4
    for tag in inputs:
        assert 'min="0"' in tag and 'max="10"' in tag and 'step="0.1"' in tag
        assert 'value=""' in tag and "required" in tag
    assert "0 = Low" in html and "10 = High" in html
    assert 'data-unanswered="not answered yet"' in html


def test_likert_items_are_radio_groups_in_a_fieldset_with_a_legend(clinic: SimpleNamespace) -> None:
    clinic.episode.outcome_measure = "phq9"
    clinic.episode.save(update_fields=["outcome_measure"])
    html = _page(clinic, ("phq9",))
    assert html.count("<fieldset") == 10 and html.count("<legend>") == 10
    assert "Little interest or pleasure in doing things" in html
    assert html.count('type="radio" name="phq9_1"') == 4
    assert "Over the last 2 weeks" in html


def test_a_missing_likert_answer_names_the_question_and_the_answers(
    clinic: SimpleNamespace,
) -> None:
    _invitation, token = invite(clinic, "link", ("phq9",))
    answers = {f"phq9_{n}": "1" for n in range(1, 9)}
    page = Browser().post(
        reverse("portal:link", args=[token]), form_post("phq9", answers, str(uuid.uuid4()))
    )
    assert page.status_code == 400
    assert "Question 9 (Thoughts of death or self-harm): choose one of the answers" in (
        page.content.decode()
    )


def test_a_dutch_client_sees_dutch_words(clinic: SimpleNamespace) -> None:
    _invitation, token = invite(clinic, "link")
    browser = Browser()
    browser.post(reverse("portal:language"), {"language": "nl", "next": "/rate/kiosk/"})
    html = browser.get(reverse("portal:link", args=[token])).content.decode()
    assert '<html lang="nl">' in html
    assert "Individueel" in html and "Relaties" in html and "0 = Laag" in html
    assert "Verstuur mijn antwoorden" in html
    assert "English" in html  # the way back


def test_the_language_switch_returns_to_the_same_page(clinic: SimpleNamespace) -> None:
    _invitation, token = invite(clinic, "link")
    url = reverse("portal:link", args=[token])
    answer = Browser().post(reverse("portal:language"), {"language": "nl", "next": url})
    assert answer.status_code == 302 and answer["Location"] == url


def test_a_rating_about_a_named_member_says_whom_it_is_about(clinic: SimpleNamespace) -> None:
    prescriber = make_user("prescriber", organisation=clinic.org)
    prescriber.first_name, prescriber.last_name = "Ada", "Okafor"
    prescriber.save(update_fields=["first_name", "last_name"])
    clinic.episode.care_team.create(member=prescriber, role="prescriber")
    html = _page(clinic, ("srs",), about_member=prescriber)
    assert "about your time with Ada Okafor" in html


def test_the_progress_chart_is_shown_only_when_the_clinician_shares_it(
    clinic: SimpleNamespace,
) -> None:
    def finish() -> str:
        _invitation, token = invite(clinic, "link")
        browser = Browser()
        browser.post(
            reverse("portal:link", args=[token]), form_post("ors", ORS_ANSWERS, str(uuid.uuid4()))
        )
        return browser.get(reverse("portal:thanks")).content.decode()

    assert "Your progress" not in finish()
    clinic.episode.share_progress_with_client = True
    clinic.episode.save(update_fields=["share_progress_with_client"])
    clinic.session = make_session(clinic.episode, 2)
    # The clinician's choice alone is not enough: the team must allow it too, as for the
    # client's progress page (access.client_may_see_progress).
    assert "Your progress" not in finish()
    TeamSharing.objects.create(team=clinic.episode.team, clients_may_see_progress=True)
    clinic.session = make_session(clinic.episode, 3)
    html = finish()
    assert "Your progress" in html and "Higher is better." in html
    assert "Your score today: 19 out of 40." in html
    assert 'data-chart="progress-spec"' in html and 'id="progress-spec"' in html
    assert "<table" in html  # the text alternative


def test_the_chart_spec_holds_one_score_per_session_on_the_full_range(
    clinic: SimpleNamespace,
) -> None:
    clinic.episode.share_progress_with_client = True
    clinic.episode.save(update_fields=["share_progress_with_client"])
    TeamSharing.objects.create(team=clinic.episode.team, clients_may_see_progress=True)
    for number, line in ((1, 3.0), (2, 5.5)):
        session = clinic.session if number == 1 else make_session(clinic.episode, number)
        response_record(
            session=session, instrument_code="ors", values={f"ors_{n}": line for n in range(1, 5)}
        )
    progress = client_progress(clinic.episode)
    assert progress is not None
    spec = progress_spec(progress)
    assert spec["data"]["values"] == [{"session": 1, "score": 12.0}, {"session": 2, "score": 22.0}]
    assert spec["encoding"]["y"]["scale"]["domain"] == [0.0, 40.0]
    assert "higher is better" in spec["encoding"]["y"]["title"]
    json.dumps(spec)  # it must travel through json_script


def test_no_progress_is_offered_when_sharing_is_off(clinic: SimpleNamespace) -> None:
    response_record(session=clinic.session, instrument_code="ors", values=ORS_ANSWERS)
    assert client_progress(clinic.episode) is None


def _queries(browser: Browser, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url).status_code == 200
    return len(captured)


def _long_episode(clinic: SimpleNamespace, sessions: int):  # type: ignore[no-untyped-def]
    episode = make_episode(clinic.team_a, clinic.clinician)
    episode.share_progress_with_client = True
    episode.save(update_fields=["share_progress_with_client"])
    for number in range(1, sessions + 1):
        session = make_session(episode, number)
        response_record(
            session=session, instrument_code="ors", values={f"ors_{n}": 5.0 for n in range(1, 5)}
        )
    return episode


def test_the_form_and_thanks_pages_take_the_same_queries_for_2_and_12_sessions(
    clinic: SimpleNamespace,
) -> None:
    counts = []
    for length in (2, 12):
        episode = _long_episode(clinic, length)
        last = episode.sessions.order_by("-number").first()
        _invitation, token = invite(
            SimpleNamespace(**{**vars(clinic), "session": last}), "link", ("srs",)
        )
        browser = Browser()
        url = reverse("portal:link", args=[token])
        form_queries = _queries(browser, url)
        browser.post(
            url, form_post("srs", {f"srs_{n}": "9" for n in range(1, 5)}, str(uuid.uuid4()))
        )
        counts.append((form_queries, _queries(browser, reverse("portal:thanks"))))
    assert counts[0] == counts[1]


def test_the_session_page_buttons_take_the_same_queries_for_a_small_and_a_large_team(
    clinic: SimpleNamespace,
) -> None:
    browser = Browser()
    browser.login(username="clinician", password="correct-horse-battery")
    url = reverse("clinic:session", args=[clinic.session.pk])
    small = _queries(browser, url)
    for n in range(6):
        member = make_user(f"member{n}", organisation=clinic.org)
        clinic.episode.care_team.create(member=member, role="team_member")
    assert _queries(browser, url) == small
