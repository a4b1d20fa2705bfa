"""The admin site is for administrators: people, teams and settings. Clinical records in it are
scoped by ``alliance.access`` like every other page (see ``care.admin.ScopedAdmin``)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from alliance import access
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


@admin.register(Organisation)
class OrganisationAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["name", "admin_sees_clinical_data", "created_at"]


@admin.register(Team)
class TeamAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["name", "organisation"]
    search_fields = ["name"]
    list_filter = ["organisation"]
