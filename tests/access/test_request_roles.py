"""The user's roles read once for a request (``alliance.roles``) answer as ``alliance.access``
does, for each of the standing users, and a page's navigation and episode panel ask them in one
query (issue 16)."""

from types import SimpleNamespace

from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from alliance import access
from alliance.accounts.models import Membership, Organisation, Role, Team, User
from alliance.roles import request_roles
from tests.factories import make_user

_PEOPLE = ("clinician", "colleague", "supervisor", "other_supervisor", "administrator", "outsider")


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # a new user object, as a new request has


def test_it_answers_as_access_does_for_each_standing_user(clinic: SimpleNamespace) -> None:
    elsewhere = Organisation.objects.create(name="Elsewhere")
    lonely = Team.objects.create(organisation=elsewhere, name="Lonely")
    for name in _PEOPLE:
        user = getattr(clinic, name)
        roles = request_roles(_fresh(user))
        assert roles.is_administrator == access.is_administrator(user), name
        assert roles.may_see_team_page == access.may_see_team_page(user), name
        for team in (clinic.team_a, clinic.team_b, lonely):
            assert roles.may_set_plan_defaults(team) == access.may_set_plan_defaults(user, team)
            opens = access.episode_teams(user, team.organisation).exists()
            assert roles.opens_in(team) == opens, (name, team.name)


def test_a_switched_off_or_signed_out_user_has_no_role(clinic: SimpleNamespace) -> None:
    switched_off = make_user("gone", organisation=clinic.org, role=Role.ADMINISTRATOR)
    switched_off.is_active = False
    switched_off.save(update_fields=["is_active"])
    assert not request_roles(_fresh(switched_off)).is_administrator
    assert not access.is_administrator(switched_off)
    assert not request_roles(None).may_see_team_page


def test_the_roles_are_read_once_per_user_object(clinic: SimpleNamespace) -> None:
    user = _fresh(clinic.supervisor)
    nav = Template(
        "{% load clinic supervision %}{% is_administrator user as a %}{% is_supervisor user as s %}"
        "{{ a }} {{ s }}"
    )
    with CaptureQueriesContext(connection) as queries:
        assert nav.render(Context({"user": user})) == "False True"
        assert nav.render(Context({"user": user})) == "False True"
    assert len(queries) == 1


def test_a_role_taken_away_counts_from_the_next_request(clinic: SimpleNamespace) -> None:
    assert request_roles(_fresh(clinic.supervisor)).may_see_team_page
    Membership.objects.filter(user=clinic.supervisor, role=Role.SUPERVISOR).delete()
    assert not request_roles(_fresh(clinic.supervisor)).may_see_team_page
