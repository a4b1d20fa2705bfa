from django import forms
from django.utils.translation import gettext_lazy

from alliance.api.models import Scope


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("What it is for"),
        max_length=100,
        help_text=gettext_lazy("For example: the EHR link, or my analysis scripts."),
        error_messages={
            "required": gettext_lazy("What it is for: say what the token will be used for."),
            "max_length": gettext_lazy("What it is for: keep it under 100 characters."),
        },
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("What it may do"),
        choices=Scope.choices,
        initial=Scope.READ,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("What it may do: choose read only, or read and write."),
            "invalid_choice": gettext_lazy("What it may do: choose read only, or read and write."),
        },
    )
