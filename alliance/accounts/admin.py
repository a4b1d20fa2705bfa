"""The admin site is for administrators: people, teams and settings of the organisations they
administer (``access.managed_*``), and for the site's operator (a superuser), who sets up
organisations. Clinical records in it are scoped by ``alliance.access`` like every other page
(see ``care.admin.ScopedAdmin``) and every look at one is in the audit log."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey, Model, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance import access
from alliance.accounts import services
from alliance.accounts.models import Membership, Organisation, Team, User

# Fields only the site's operator sets: the rest of Django's permission system is not used, and
# an administrator who could tick "superuser" could give themselves every organisation.
OPERATOR_ONLY_FIELDS = frozenset({"is_staff", "is_superuser", "groups", "user_permissions"})


class AdministratorOnly:
    """Permissions come from the administrator role, not from per-model permission rows."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.may_use_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return access.may_use_admin(request.user)

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return access.may_use_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return access.may_use_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return access.may_use_admin(request.user)


def scoped_choices(user: User) -> dict[type[Model], QuerySet[Any]]:
    """What a form in the admin may point at: the people, teams and organisations the user
    manages. A choice outside these is refused by the form, typed-in ids included."""
    return {
        Organisation: access.managed_organisations(user),
        Team: access.managed_teams(user),
        User: access.managed_users(user),
    }


class ScopedChoices:
    """Limits every foreign key of a form to rows the user may use (see ``scoped_choices``);
    subclasses add their own models to ``extra_choices``."""

    def extra_choices(self, user: User) -> dict[type[Model], QuerySet[Any]]:
        return {}

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> Any:
        user = request.user  # type: ignore[assignment]
        choices = scoped_choices(user) | self.extra_choices(user)  # type: ignore[arg-type]
        if db_field.related_model in choices:
            kwargs["queryset"] = choices[db_field.related_model]
            only = list(kwargs["queryset"][:2]) if db_field.related_model is Organisation else []
            if len(only) == 1:  # an administrator of one organisation need not pick it
                kwargs["initial"] = only[0]
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class MembershipFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """A person added by an administrator needs a role in their organisation: without one the
    administrator could no longer see or manage them."""

    needs_a_role = False

    def clean(self) -> None:
        super().clean()
        if not self.needs_a_role:
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        if not kept:
            raise ValidationError(
                _(
                    "Give this person a role (membership) in your organisation: clinician, "
                    "prescriber, supervisor or administrator."
                )
            )


class MembershipInline(ScopedChoices, AdministratorOnly, admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 1
    autocomplete_fields = ["team"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        # An administrator sees (and changes) only the roles in their own organisations.
        organisations = access.managed_organisations(request.user)  # type: ignore[arg-type]
        return super().get_queryset(request).filter(organisation__in=organisations)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.needs_a_role = obj is None and not request.user.is_superuser
        return formset


@admin.register(User)
class UserAdmin(AdministratorOnly, BaseUserAdmin):
    inlines = [MembershipInline]
    actions = ["clear_lockout", "turn_off_two_factor"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        managed = access.managed_users(request.user)  # type: ignore[arg-type]
        return super().get_queryset(request).filter(pk__in=managed.values("pk"))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (
                name,
                {
                    **options,
                    "fields": [f for f in options["fields"] if f not in OPERATOR_ONLY_FIELDS],
                },
            )
            for name, options in fieldsets
        ]

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        services.staff_access_sync(user=form.instance)

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
    """An administrator changes their own organisation's settings; only the site's operator
    adds one. None is deleted here: its clients' records would go with it."""

    list_display = ["name", "admin_sees_clinical_data", "require_two_factor", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        managed = access.managed_organisations(request.user)  # type: ignore[arg-type]
        return super().get_queryset(request).filter(pk__in=managed.values("pk"))

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return access.may_use_admin(request.user) and request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(ScopedChoices, AdministratorOnly, admin.ModelAdmin):
    list_display = ["name", "organisation"]
    search_fields = ["name"]
    ordering = ["organisation__name", "name"]
    # Only the organisations in the list: the plain filter would name every organisation.
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter)]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        managed = access.managed_teams(request.user)  # type: ignore[arg-type]
        return super().get_queryset(request).filter(pk__in=managed.values("pk"))
