"""A word with the alliance rating (issue 19, point 2): an optional comment after the alliance
measure, shown on the session page and inside the alliance alert of a low rating, to the care
team only, escaped, and left out of research exports."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client as Browser
from django.urls import reverse

from alliance.feedback.models import Alert
from alliance.voice import selectors
from alliance.voice.models import AllianceComment
from tests.factories import PASSWORD
from tests.voice.conftest import answer, link

pytestmark = pytest.mark.django_db

LOW_SRS = {"srs_1": "5", "srs_2": "5.5", "srs_3": "6", "srs_4": "5"}


def _low_rating_with(clinic: SimpleNamespace, comment: str) -> None:
    _invitation, url = link(clinic, ("ors", "srs"))
    browser = Browser()
    answer(browser, url, "ors")
    answer(browser, url, "srs", {"voice_comment": comment}, answers=LOW_SRS)


def _staff(clinic: SimpleNamespace, role: str = "clinician") -> Browser:
    browser = Browser()
    assert browser.login(username=getattr(clinic, role).username, password=PASSWORD)
    return browser


def _session_page(clinic: SimpleNamespace, role: str = "clinician") -> str:
    url = reverse("clinic:session", args=[clinic.session.pk])
    return _staff(clinic, role).get(url).content.decode()


def test_the_alliance_form_offers_an_optional_comment(clinic: SimpleNamespace) -> None:
    _invitation, url = link(clinic, ("srs",))
    html = Browser().get(url).content.decode()
    assert "Anything you would like your clinician to know about today" in html
    assert 'name="voice_comment"' in html and 'maxlength="1000"' in html


def test_a_comment_is_stored_once_with_the_rating(clinic: SimpleNamespace) -> None:
    _invitation, url = link(clinic, ("srs",))
    browser = Browser()
    key = "9d5c0a4e-2222-4b4b-8c8c-000000000002"
    answer(browser, url, "srs", {"voice_comment": "Felt rushed today"}, key=key)
    answer(browser, url, "srs", {"voice_comment": "Felt rushed today"}, key=key)
    comment = AllianceComment.objects.get()
    assert comment.text == "Felt rushed today" and comment.response.instrument == "srs"


def test_a_comment_too_long_is_refused_naming_the_field(clinic: SimpleNamespace) -> None:
    _invitation, url = link(clinic, ("srs",))
    response = answer(Browser(), url, "srs", {"voice_comment": "y" * 1001})
    assert response.status_code == 400
    assert "Your comment: please keep it to 1000 characters" in response.content.decode()
    assert not AllianceComment.objects.exists()


def test_the_session_page_shows_the_comment_escaped(clinic: SimpleNamespace) -> None:
    _invitation, url = link(clinic, ("srs",))
    answer(Browser(), url, "srs", {"voice_comment": "Tom & Jerry > the news"})
    html = _session_page(clinic)
    assert "Tom &amp; Jerry &gt; the news" in html


def test_a_comment_on_a_low_rating_is_shown_inside_its_alliance_alert(
    clinic: SimpleNamespace,
) -> None:
    _low_rating_with(clinic, "I did not feel heard")
    alert = Alert.objects.get(episode=clinic.episode, rule="low_alliance")
    html = _session_page(clinic)
    card = html[html.index(f'id="alert-{alert.pk}"') :]
    card = card[: card.index("</article>")]
    assert "The client wrote:" in card and "I did not feel heard" in card
    episode_html = (
        _staff(clinic).get(reverse("clinic:episode", args=[clinic.episode.pk])).content.decode()
    )
    assert "I did not feel heard" in episode_html


def test_no_one_off_the_care_team_reads_the_comment(clinic: SimpleNamespace) -> None:
    _low_rating_with(clinic, "Only for my clinician")
    alert = Alert.objects.get(episode=clinic.episode, rule="low_alliance")
    html = _session_page(clinic, "supervisor")
    assert f'id="alert-{alert.pk}"' in html  # the supervisor sees the alert ...
    assert "Only for my clinician" not in html  # ... but not the client's words
    for role in ("supervisor", "colleague", "administrator", "outsider"):
        assert selectors.alert_comment(getattr(clinic, role), alert) is None
        assert selectors.session_comments(getattr(clinic, role), clinic.session) == []


def test_research_exports_leave_the_comment_out(clinic: SimpleNamespace) -> None:
    from alliance.transfer import research

    _low_rating_with(clinic, "SECRET-WORDS-42")
    exported = research.research_csv(organisation=clinic.org, key=b"k" * 32)
    assert "SECRET-WORDS-42" not in exported
    # Its columns are listed by name, so a new model's text cannot slip in.
    source = Path(research.__file__).read_text(encoding="utf-8")
    assert "voice" not in source and "AllianceComment" not in source and "AgendaItem" not in source
