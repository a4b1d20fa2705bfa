"""The signed-in user's roles, read in one query and kept for the request (issue 16 point 2).

A page asked ``alliance.access`` a handful of small questions about the same memberships (the
navigation's Administration and Team links, the episode panel's "may change", "may open" and
"may set plan defaults"), each a query the ORM took 1-3 ms to build. ``request_roles`` reads the
memberships once and answers them all from that. It is kept on the user object, which Django
builds afresh for every request, so a role given or taken away counts from the next request;
only the templates ask it, when the view has done its writes. ``alliance.access`` stays the
rule: each answer here is the same as the function it names (tests/access/test_request_roles.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from alliance.accounts.models import TEAM_ROLES, Membership, Role, Team, User

_KEY = "_alliance_request_roles"


@dataclass(frozen=True)
class Roles:
    """The ids the user's memberships name: organisations they administer, teams they
    supervise, and the (team, organisation) pairs of every team they work in."""

    administers: frozenset[int] = frozenset()
    supervises: frozenset[int] = frozenset()
    works_in: frozenset[tuple[int, int]] = frozenset()

    @property
    def is_administrator(self) -> bool:
        """``access.is_administrator``."""
        return bool(self.administers)

    @property
    def may_see_team_page(self) -> bool:
        """``access.may_see_team_page``."""
        return bool(self.supervises)

    def may_set_plan_defaults(self, team: Team) -> bool:
        """``access.may_set_plan_defaults``."""
        return team.organisation_id in self.administers or team.pk in self.supervises

    def opens_in(self, team: Team) -> bool:
        """Whether ``access.episode_teams(user, team.organisation)`` is not empty, knowing the
        organisation has this team: an administrator of it, or someone working in one of its
        teams."""
        if team.organisation_id in self.administers:
            return True
        return any(organisation == team.organisation_id for _, organisation in self.works_in)


def _read(user: User) -> Roles:
    if not (user.is_authenticated and user.is_active):
        return Roles()  # access asks nothing of someone signed out or switched off
    rows = Membership.objects.filter(user=user).values_list(
        "role", "organisation_id", "team_id", "team__organisation_id"
    )
    administers, supervises, works_in = set(), set(), set()
    for role, organisation, team, team_organisation in rows:
        if role == Role.ADMINISTRATOR:
            administers.add(organisation)
        elif team is not None and role in TEAM_ROLES:
            works_in.add((team, team_organisation))
            if role == Role.SUPERVISOR:
                supervises.add(team)
    return Roles(frozenset(administers), frozenset(supervises), frozenset(works_in))


def request_roles(user: object) -> Roles:
    """The user's roles, read once per user object (a request's); nobody's for anyone else."""
    if not isinstance(user, User):
        return Roles()
    found = getattr(user, _KEY, None)
    if found is None:
        found = _read(user)
        setattr(user, _KEY, found)
    return found
