from django.contrib import admin
from django.http import HttpRequest

from alliance.accounts.admin import ScopedAdmin
from alliance.measures.models import Response, ResponseVersion


class ResponseVersionInline(admin.TabularInline):
    model = ResponseVersion
    extra = 0
    can_delete = False
    readonly_fields = fields = ("version", "items", "total", "recorded_at", "recorded_by", "reason")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Response)
class ResponseAdmin(ScopedAdmin):
    """Read-only: answers change only through a correction with a reason, which keeps history."""

    scope = "visible_responses"
    list_display = ["session", "instrument", "rater", "total", "method", "answered_at", "version"]
    list_filter = ["instrument", "rater", "method"]
    inlines = [ResponseVersionInline]

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
