"""Clinical records in the admin are scoped by ``alliance.access`` like every other page."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from alliance import access
from alliance.accounts.admin import AdministratorOnly, ScopedAdmin, ScopedChoices
from alliance.care.models import (
    MEASURE_KINDS,
    CareTeamMember,
    Client,
    Episode,
    Goal,
    GoalRating,
    GoalVersion,
    Rupture,
    Session,
    Task,
    measure_choices,
)
from alliance.web import signed_in_user

# ScopedAdmin and clinical_choices moved down (accounts.admin, access) for measures' admin,
# a layer below care; both still import from here.
clinical_choices = access.clinical_choices


class CareTeamInline(ScopedChoices, AdministratorOnly, admin.TabularInline):
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
    # Only the teams in the list: the plain filter would name every team on the site.
    list_filter = ["setting", "ending", ("team", admin.RelatedOnlyFieldListFilter)]
    raw_id_fields = ["client"]
    inlines = [CareTeamInline]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """The measures are chosen from the installed instruments of their kind, never typed."""
        kind = MEASURE_KINDS.get(db_field.name)
        if kind is not None:
            return forms.ChoiceField(
                label=db_field.verbose_name.capitalize(),
                choices=measure_choices(kind),
                initial=db_field.default,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Session)
class SessionAdmin(ScopedAdmin):
    scope = "visible_sessions"
    list_display = ["episode", "number", "starts_at", "status"]
    raw_id_fields = ["episode", "attended_by"]


class AllianceWorkAdmin(ScopedAdmin):
    """Goals, ratings, tasks and ruptures, read-only: they are written on the clinician's pages,
    whose services keep every earlier version; an admin edit would bypass that history.
    ``episode_path`` leads from the record to its episode, which ``access`` scopes.
    Reflections are not here at all: they are private to their author and supervisor."""

    episode_path = "episode"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        visible = access.visible_episodes(signed_in_user(request))
        queryset = admin.ModelAdmin.get_queryset(self, request)
        return queryset.filter(**{f"{self.episode_path}__in": visible})

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


GOAL_VERSION_FIELDS = ("version", "text", "agreed", "status", "note", "recorded_at", "recorded_by")


class GoalVersionInline(AdministratorOnly, admin.TabularInline):
    model = GoalVersion
    extra = 0
    fields = readonly_fields = GOAL_VERSION_FIELDS

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return False


@admin.register(Goal)
class GoalAdmin(AllianceWorkAdmin):
    list_display = ["text", "episode", "status", "agreed", "version"]
    list_filter = ["status"]
    inlines = [GoalVersionInline]


@admin.register(GoalRating)
class GoalRatingAdmin(AllianceWorkAdmin):
    episode_path = "goal__episode"
    list_display = ["goal", "session", "rating"]


@admin.register(Task)
class TaskAdmin(AllianceWorkAdmin):
    list_display = ["what", "episode", "agreed_in", "client_agreed", "outcome"]
    list_filter = ["outcome", "client_agreed"]


@admin.register(Rupture)
class RuptureAdmin(AllianceWorkAdmin):
    episode_path = "session__episode"
    list_display = ["session", "noticed_by", "resolution", "recorded_at"]
    list_filter = ["resolution", "noticed_by"]
