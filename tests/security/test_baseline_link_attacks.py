"""Attacks on the baseline link sent at booking (issue 19, point 5) and on the "double tap"
that lets a used link say thanks: a cancelled link (sent to a wrong address, then resent) must
not open the client's thank-you or progress page once the real client answers the fresh one,
and a used link's token replayed later opens nothing."""

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from alliance.care.models import Episode
from alliance.portal import reminders
from alliance.portal.models import Invitation, Purpose
from alliance.voice.models import Baseline, TeamSharing
from tests.factories import make_episode
from tests.voice.conftest import answer, link
from tests.voice.test_baseline import LOW_ORS, _book, _consenting, _link_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh(clinic: SimpleNamespace) -> Episode:
    """A new episode of a client who agreed to e-mail, with no session yet."""
    episode = make_episode(clinic.team_a, clinic.clinician)
    _consenting(episode)
    return episode


def _share(clinic: SimpleNamespace, episode: Episode) -> None:
    TeamSharing.objects.update_or_create(
        team=clinic.team_a, defaults={"clients_may_see_progress": True}
    )
    episode.share_progress_with_client = True
    episode.save(update_fields=["share_progress_with_client"])


def _sees_progress(browser: Browser) -> bool:
    thanks = browser.get(reverse("portal:thanks"))
    progress = browser.get(reverse("voice:client_progress"))
    return thanks.status_code == 200 or progress.status_code == 200


def test_a_cancelled_baseline_link_opens_nothing_once_the_resent_one_is_answered(
    clinic: SimpleNamespace, fresh: Episode, django_capture_on_commit_callbacks: Any
) -> None:
    _share(clinic, fresh)
    _book(clinic, fresh, django_capture_on_commit_callbacks)
    wrong_address_url = _link_in(mail.outbox[0].body)
    [first] = Invitation.objects.filter(session__episode=fresh, purpose=Purpose.BASELINE)
    # The clinician sees the address was mistyped, corrects it and sends the link again.
    reminders.invitation_resend(invitation=first, by=clinic.clinician)
    right_url = _link_in(mail.outbox[1].body)
    assert answer(Browser(), right_url, "ors", answers=LOW_ORS).status_code == 302
    assert Baseline.objects.filter(episode=fresh).count() == 1

    stranger = Browser()  # whoever got the mistyped e-mail
    replay = answer(stranger, wrong_address_url, "ors", answers=LOW_ORS)
    assert replay.status_code == 410
    assert not _sees_progress(stranger)


def test_a_used_link_replayed_later_opens_no_thank_you_or_progress_page(
    clinic: SimpleNamespace,
) -> None:
    _share(clinic, clinic.episode)
    invitation, url = link(clinic)
    assert answer(Browser(), url, "ors").status_code == 302
    # The e-mail stays in a shared mailbox; someone replays the form an hour later.
    Invitation.objects.filter(pk=invitation.pk).update(
        used_at=timezone.now() - dt.timedelta(hours=1)
    )
    later = Browser()
    assert answer(later, url, "ors").status_code == 410
    assert not _sees_progress(later)


def test_a_double_tap_right_after_answering_still_says_thanks(clinic: SimpleNamespace) -> None:
    _invitation, url = link(clinic)
    browser = Browser()
    assert answer(browser, url, "ors").status_code == 302
    again = answer(Browser(), url, "ors")
    assert again.status_code == 302 and again["Location"] == reverse("portal:thanks")
