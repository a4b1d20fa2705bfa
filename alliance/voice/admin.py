"""The admin of the client's-voice app: a team's choice to offer clients their own progress
page. The client's words themselves are not in the admin (care team only)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from alliance import access
from alliance.voice.models import TeamSharing
from alliance.web import signed_in_user


@admin.register(TeamSharing)
class TeamSharingAdmin(admin.ModelAdmin):
    list_display = ["team", "clients_may_see_progress"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TeamSharing]:
        managed = access.managed_teams(signed_in_user(request))
        return super().get_queryset(request).filter(team__in=managed)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "team":
            kwargs["queryset"] = access.managed_teams(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        # Asked on the admin's log-in page too, for an anonymous visitor: managed_teams
        # answers none for one, though it is typed for a User.
        return access.managed_teams(request.user).exists()  # type: ignore[arg-type]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self.has_module_permission(request)

    has_change_permission = has_view_permission
    has_add_permission = has_module_permission

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
