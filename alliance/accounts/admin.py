"""The admin site is for administrators: people, teams and settings of the organisations they
administer (``access.managed_*``), and for the site's operator (a superuser), who sets up
organisations. Clinical records in it are scoped by ``alliance.access`` like every other page
(see ``ScopedAdmin``) and every look at one is in the audit log."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ForeignKey, Model, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance import access
from alliance.accounts import reauth, services
from alliance.accounts.models import Membership, Organisation, Team, User
from alliance.accounts.signals import privilege_changed_send
from alliance.web import request_address, signed_in_user

# Organisation settings whose change is audited; the admin form may change these.
AUDITED_SETTINGS = ("name", "admin_sees_clinical_data", "require_two_factor")

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
        user = signed_in_user(request)
        choices = scoped_choices(user) | self.extra_choices(user)
        if db_field.related_model in choices:
            kwargs["queryset"] = choices[db_field.related_model]
            only = list(kwargs["queryset"][:2]) if db_field.related_model is Organisation else []
            if len(only) == 1:  # an administrator of one organisation need not pick it
                kwargs["initial"] = only[0]
        # A mixin: the ModelAdmin after it in the MRO has the method; mypy sees only object.
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class ScopedAdmin(ScopedChoices, AdministratorOnly, admin.ModelAdmin):
    """Shows only the rows the user may see; ``scope`` names the function in ``access``. Its
    forms point only at records the user may see, and nothing clinical is deleted here (a
    client's records are never lost by a click; episodes end, they are not removed)."""

    scope = "visible_episodes"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        visible = getattr(access, self.scope)(signed_in_user(request))
        return super().get_queryset(request).filter(pk__in=visible.values("pk"))

    def extra_choices(self, user: User) -> dict[type[Model], QuerySet[Any]]:
        return access.clinical_choices(user)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def reauthenticate_error(request: HttpRequest) -> ValidationError:
    """The admin form's answer to a dangerous change without a fresh password: nothing saved."""
    return ValidationError(
        format_html(
            '{} <a href="{}">{}</a>',
            _("This change needs your password again."),
            reauth.reauthenticate_url(request.get_full_path()),
            _("Confirm it is you, then save again."),
        )
    )


class MembershipFormSet(BaseInlineFormSet):
    """A person added by an administrator needs a role in their organisation: without one the
    administrator could no longer see or manage them. Any change of role needs a fresh password
    (``alliance.accounts.reauth``), and nobody gives themselves a clinical role."""

    needs_a_role = False
    request: HttpRequest | None = None

    def clean(self) -> None:
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
        ]
        self._check_privileges(kept)
        if not self.needs_a_role:
            return
        if not kept:
            raise ValidationError(
                _(
                    "Give this person a role (membership) in your organisation: clinician, "
                    "prescriber, supervisor or administrator."
                )
            )

    def _check_privileges(self, kept: list[Any]) -> None:
        # A form marked for deletion has changed too (its DELETE box).
        request = self.request
        if request is None or not any(form.has_changed() for form in self.forms):
            return
        if not reauth.reauthenticated_recently(request):
            raise reauthenticate_error(request)
        for form in kept:
            if not form.has_changed():
                continue
            try:
                services.self_grant_check(
                    by=signed_in_user(request),
                    user=self.instance,
                    role=form.cleaned_data.get("role", ""),
                )
            except ValidationError as refused:
                raise ValidationError(refused.message_dict["role"]) from refused


class MembershipInline(ScopedChoices, AdministratorOnly, admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 1
    autocomplete_fields = ["team"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        # An administrator sees (and changes) only the roles in their own organisations.
        organisations = access.managed_organisations(signed_in_user(request))
        return super().get_queryset(request).filter(organisation__in=organisations)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        # The admin makes a class for this request from ``self.formset``.
        if not issubclass(formset, MembershipFormSet):
            raise TypeError("MembershipInline.formset must be a MembershipFormSet.")
        operator = access.is_site_operator(request.user)
        formset.needs_a_role = obj is None and not operator
        formset.request = request  # a class made for this request by the admin
        return formset


def _with_mobile(fieldsets: Any) -> list[Any]:
    """Django's user fieldsets with the mobile number after the e-mail address."""
    return [
        (name, {**options, "fields": (*options["fields"], "mobile")})
        if "email" in options["fields"]
        else (name, options)
        for name, options in fieldsets
    ]


@admin.register(User)
class UserAdmin(AdministratorOnly, BaseUserAdmin):
    inlines = [MembershipInline]
    fieldsets = _with_mobile(BaseUserAdmin.fieldsets)
    actions = ["clear_lockout", "turn_off_two_factor"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        managed = access.managed_users(signed_in_user(request))
        return super().get_queryset(request).filter(pk__in=managed.values("pk"))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if access.is_site_operator(request.user):
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
        # The roles before and after the inline saved them: one audit event if they differ.
        before = _roles(form.instance)
        super().save_related(request, form, formsets, change)
        services.staff_access_sync(user=form.instance)
        after = _roles(form.instance)
        if before != after:
            privilege_changed_send(
                actor=signed_in_user(request),
                created=not before,
                object_kind="user",
                object_id=form.instance.pk,
                detail="roles",
                before="; ".join(before),
                after="; ".join(after),
                subject=form.instance,
                address=request_address(request),
            )

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Setting someone else's password needs a fresh password of one's own, and is audited
        (the admin's form asks for no old password, even for one's own)."""
        target = self.get_object(request, unquote(id))
        if target is None:
            return super().user_change_password(request, id, form_url)
        for_someone_else = target.pk != request.user.pk
        fresh = reauth.reauthenticated_recently(request)
        if request.method == "POST" and for_someone_else and not fresh:
            return reauth.reauthenticate_first(request)
        before = target.password
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            target.refresh_from_db(fields=["password"])
            if target.password != before:
                privilege_changed_send(
                    actor=signed_in_user(request),
                    object_kind="user",
                    object_id=target.pk,
                    detail="password set for them" if for_someone_else else "own password set",
                    before=_password_state(before),
                    after=_password_state(target.password),
                    subject=target,
                    address=request_address(request),
                )
        return response

    @admin.action(description=gettext_lazy("Clear failed log-ins (end a lockout)"))
    def clear_lockout(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        cleared = sum(services.lockout_reset(username=user.username) for user in queryset)
        self.message_user(request, _("Cleared %(count)d failed log-ins.") % {"count": cleared})

    @admin.action(description=gettext_lazy("Turn off two-factor log-in (lost phone)"))
    def turn_off_two_factor(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse | None:
        # Someone who lost their phone and backup codes: they set up a new app at next log-in.
        if not reauth.reauthenticated_recently(request):
            return reauth.reauthenticate_first(request, reverse("admin:accounts_user_changelist"))
        by = signed_in_user(request)
        for user in queryset:
            services.two_factor_remove(user=user, by=by, address=request_address(request))
        self.message_user(request, _("Two-factor log-in is off for the selected people."))
        return None


def _roles(user: User) -> list[str]:
    if not user.pk:
        return []
    memberships = Membership.objects.filter(user_id=user.pk).order_by("pk")
    return [services.role_text(membership) for membership in memberships]


def _password_state(encoded: str) -> str:
    # Django marks an unusable password with "!"; the hash itself never goes in the log.
    return "no password" if not encoded or encoded.startswith("!") else "a password"


class OrganisationForm(ModelForm):
    """Letting administrators see clinical data, or no longer requiring two-factor log-in,
    needs a fresh password."""

    request: HttpRequest | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        instance = self.instance
        widens = (
            data.get("admin_sees_clinical_data") and not instance.admin_sees_clinical_data
        ) or (instance.require_two_factor and data.get("require_two_factor") is False)
        request = self.request
        if instance.pk and widens and request and not reauth.reauthenticated_recently(request):
            raise reauthenticate_error(request)
        return data


@admin.register(Organisation)
class OrganisationAdmin(AdministratorOnly, admin.ModelAdmin):
    """An administrator changes their own organisation's settings; only the site's operator
    adds one. None is deleted here: its clients' records would go with it."""

    list_display = ["name", "admin_sees_clinical_data", "require_two_factor", "created_at"]
    form = OrganisationForm

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        managed = access.managed_organisations(signed_in_user(request))
        return super().get_queryset(request).filter(pk__in=managed.values("pk"))

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        # The admin makes a class for this request from ``self.form``.
        if not issubclass(form, OrganisationForm):
            raise TypeError("OrganisationAdmin.form must be an OrganisationForm.")
        form.request = request  # a class made for this request by the admin
        return form

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        for field in AUDITED_SETTINGS:
            if change and field in form.changed_data:
                services.organisation_change_record(
                    organisation=obj,
                    field=field,
                    before=form.initial.get(field),
                    after=getattr(obj, field),
                    by=signed_in_user(request),
                    address=request_address(request),
                )

    def has_add_permission(self, request: HttpRequest, *args: object) -> bool:
        return access.is_site_operator(request.user)

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
        managed = access.managed_teams(signed_in_user(request))
        return super().get_queryset(request).filter(pk__in=managed.values("pk"))
