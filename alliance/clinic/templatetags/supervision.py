"""Navigation for the supervision pages: the Team link is shown to supervisors only."""

from django import template

from alliance.roles import request_roles

register = template.Library()


@register.simple_tag
def is_supervisor(user: object) -> bool:
    """Whether the navigation shows Team (``alliance.access.may_see_team_page``, from the roles
    read once for the request)."""
    return request_roles(user).may_see_team_page
