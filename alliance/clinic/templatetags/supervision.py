"""Navigation for the supervision pages: the Team link is shown to supervisors only."""

from django import template

from alliance import access
from alliance.accounts.models import User

register = template.Library()


@register.simple_tag
def is_supervisor(user: object) -> bool:
    """Whether the navigation shows Team (``alliance.access.may_see_team_page``)."""
    return isinstance(user, User) and user.is_authenticated and access.may_see_team_page(user)
