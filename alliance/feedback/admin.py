from django.contrib import admin
from django.http import HttpRequest

from alliance.care.admin import ScopedAdmin
from alliance.feedback.models import Alert


@admin.register(Alert)
class AlertAdmin(ScopedAdmin):
    scope = "visible_alerts"
    list_display = ["episode", "rule", "severity", "raised_at", "acknowledged_at"]
    list_filter = ["rule", "severity"]

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
