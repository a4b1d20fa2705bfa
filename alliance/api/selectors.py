"""Reading API tokens: a user sees and revokes only their own."""

from django.db.models import QuerySet

from alliance.accounts.models import User
from alliance.api.models import ApiToken


def user_tokens(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")
