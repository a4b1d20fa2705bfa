"""Writes for organisations, teams and memberships."""

from django.db import transaction

from alliance.accounts.models import Membership, Organisation, Role, Team, User


@transaction.atomic
def membership_grant(
    *, user: User, organisation: Organisation, role: str, team: Team | None = None
) -> Membership:
    """Give a user a role. Administrators get access to the admin site; clinical roles do not
    need it, since everything they do has its own page."""
    membership, _ = Membership.objects.get_or_create(
        user=user, organisation=organisation, team=team, role=role
    )
    if role == Role.ADMINISTRATOR and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership
