from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from alliance.accounts import selectors, services
from alliance.accounts.models import User


class CodeForm(forms.Form):
    """A six-digit code from the authenticator app, or one of the backup codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
        error_messages={"required": _("Type the code from your app.")},
    )


class RequireTwoFactorForm(forms.Form):
    require_two_factor = forms.BooleanField(
        label=_("Require two-factor log-in for everyone in this organisation"), required=False
    )


class ReauthenticateForm(forms.Form):
    """The password again, and a current code when the person has an authenticator app.

    The password goes through ``authenticate`` with the request, so a wrong one counts towards
    the log-in lockout and is in the audit log like a failed log-in."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=_("Code from your app"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def __init__(self, *args: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request, self.user = request, user
        self.needs_code = selectors.confirmed_totp_device(user) is not None
        if not self.needs_code:
            del self.fields["code"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password = data.get("password")
        if password is not None:
            found = authenticate(self.request, username=self.user.get_username(), password=password)
            if found is None or found.pk != self.user.pk:
                self.add_error("password", _("That is not your password."))
                return data
        if self.needs_code and "password" in data:
            code = data.get("code") or ""
            if not code or services.two_factor_verify(user=self.user, code=code) is None:
                self.add_error(
                    "code", _("That code did not work. Type the code your app shows now.")
                )
        return data


class UserSettingsForm(forms.Form):
    """What a member of staff sets for themselves: the language of their pages."""

    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.conf import settings

        field = self.fields["language"]
        if not isinstance(field, forms.ChoiceField):
            raise TypeError("UserSettingsForm.language must be a ChoiceField.")
        # The names in settings.LANGUAGES are already marked for translation (lazily).
        field.choices = [("", _("The browser's language")), *settings.LANGUAGES]
        allowed = ", ".join(code for code, _name in settings.LANGUAGES)
        field.error_messages["invalid_choice"] = _(
            "Language: choose one of %(allowed)s, or leave it empty."
        ) % {"allowed": allowed}
