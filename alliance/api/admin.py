"""Administrators see and revoke the tokens of their organisation's people (for example when
someone leaves). Only the user issues a token, on their own tokens page: an administrator who
could issue one for a clinician could read that clinician's records."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from alliance import access
from alliance.accounts.admin import AdministratorOnly
from alliance.api.models import ApiToken
from alliance.api.services import token_revoke
from alliance.api.views import token_change_record
from alliance.audit.models import Action
from alliance.web import signed_in_user


@admin.register(ApiToken)
class ApiTokenAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["prefix", "name", "user", "scope", "created_at", "last_used_at", "revoked_at"]
    fields = ["user", "name", "scope"]
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        people = access.managed_users(signed_in_user(request))
        return super().get_queryset(request).filter(user__in=people.values("pk"))

    readonly_fields = ["user", "name", "scope"]

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            if token.revoked_at is None:
                token_revoke(token=token)
                token_change_record(request, token, Action.DELETE)
