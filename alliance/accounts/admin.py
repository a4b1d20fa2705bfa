"""The admin site is for administrators: people, teams and settings. Clinical records in it are
scoped by ``alliance.access`` like every other page (see ``care.admin.ScopedAdmin``)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance import access
from alliance.accounts import services
from alliance.accounts.models import Membership, Organisation, Team, User


class AdministratorOnly:
    """Permissions come from the administrator role, not from per-model permission rows."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.is_administrator(request.user)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return access.is_administrator(request.user)

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return access.is_administrator(request.user)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return access.is_administrator(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return access.is_administrator(request.user)


class MembershipInline(AdministratorOnly, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["team"]


@admin.register(User)
class UserAdmin(AdministratorOnly, BaseUserAdmin):
    inlines = [MembershipInline]
    actions = ["clear_lockout", "turn_off_two_factor"]

    @admin.action(description=gettext_lazy("Clear failed log-ins (end a lockout)"))
    def clear_lockout(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        cleared = sum(services.lockout_reset(username=user.username) for user in queryset)
        self.message_user(request, _("Cleared %(count)d failed log-ins.") % {"count": cleared})

    @admin.action(description=gettext_lazy("Turn off two-factor log-in (lost phone)"))
    def turn_off_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        # Someone who lost their phone and backup codes: they set up a new app at next log-in.
        for user in queryset:
            services.two_factor_remove(user=user)
        self.message_user(request, _("Two-factor log-in is off for the selected people."))


@admin.register(Organisation)
class OrganisationAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["name", "admin_sees_clinical_data", "require_two_factor", "created_at"]


@admin.register(Team)
class TeamAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["name", "organisation"]
    search_fields = ["name"]
    list_filter = ["organisation"]
