"""Clinical records in the admin are scoped by ``alliance.access`` like every other page."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from alliance import access
from alliance.accounts.admin import AdministratorOnly
from alliance.care.models import CareTeamMember, Client, Episode, Session


class ScopedAdmin(AdministratorOnly, admin.ModelAdmin):
    """Shows only the rows the user may see; ``scope`` names the function in ``access``."""

    scope = "visible_episodes"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        visible = getattr(access, self.scope)(request.user)
        return super().get_queryset(request).filter(pk__in=visible.values("pk"))


class CareTeamInline(AdministratorOnly, admin.TabularInline):
    model = CareTeamMember
    extra = 0
    raw_id_fields = ["member"]


@admin.register(Client)
class ClientAdmin(ScopedAdmin):
    scope = "visible_clients"
    list_display = ["code", "display_name", "age_group", "organisation"]
    search_fields = ["code"]


@admin.register(Episode)
class EpisodeAdmin(ScopedAdmin):
    list_display = ["client", "team", "setting", "started_on", "ended_on", "ending"]
    list_filter = ["setting", "ending", "team"]
    raw_id_fields = ["client"]
    inlines = [CareTeamInline]


@admin.register(Session)
class SessionAdmin(ScopedAdmin):
    scope = "visible_sessions"
    list_display = ["episode", "number", "starts_at", "status"]
    raw_id_fields = ["episode", "attended_by"]
