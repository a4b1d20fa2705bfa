"""A page asks whether the user sees its episode once: an episode read through the user's
``visible_episodes`` is marked (``care.selectors.read_as_visible``) and ``can_see_episode``
answers without a query (issue 16). The rule itself is built once per user object but runs
afresh in every query, so a role given or taken away counts at once."""

from types import SimpleNamespace

from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance import access
from alliance.accounts.models import Membership, Role
from alliance.care.models import Episode
from alliance.care.selectors import read_as_visible
from alliance.clinic import selectors
from tests.factories import make_episode


def test_an_episode_the_page_read_is_not_asked_again(clinic: SimpleNamespace) -> None:
    found = selectors.episode_detail(clinic.clinician, clinic.episode.pk)
    with CaptureQueriesContext(connection) as queries:
        assert access.can_see_episode(clinic.clinician, found)
    assert len(queries) == 0
    unread = Episode.objects.get(pk=clinic.episode.pk)
    with CaptureQueriesContext(connection) as queries:
        assert access.can_see_episode(clinic.clinician, unread)
    assert len(queries) == 1


def test_the_mark_is_for_the_user_who_read_it(clinic: SimpleNamespace) -> None:
    found = read_as_visible(clinic.clinician, Episode.objects.get(pk=clinic.episode.pk))
    assert not access.can_see_episode(clinic.outsider, found)
    assert not access.can_see_episode(clinic.other_supervisor, found)


def test_a_session_page_marks_its_episode(clinic: SimpleNamespace) -> None:
    found = selectors.session_detail(clinic.clinician, clinic.session.pk)
    with CaptureQueriesContext(connection) as queries:
        assert access.can_see_episode(clinic.clinician, found.episode)
    assert len(queries) == 0


def test_a_role_given_or_taken_counts_at_once_for_the_same_user(clinic: SimpleNamespace) -> None:
    other = make_episode(clinic.team_b, clinic.other_supervisor)
    user = clinic.clinician
    assert not access.visible_episodes(user).filter(pk=other.pk).exists()
    role = Membership.objects.create(
        user=user, organisation=clinic.org, team=clinic.team_b, role=Role.SUPERVISOR
    )
    assert access.visible_episodes(user).filter(pk=other.pk).exists()
    role.delete()
    assert not access.visible_episodes(user).filter(pk=other.pk).exists()
