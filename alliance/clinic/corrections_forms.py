"""Forms of the corrections pages (``alliance.clinic.corrections``): each message names the field
and what it allows."""

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.clinic.corrections import CORRECTABLE_STATUSES, REASON_MAX
from alliance.formats.inputs import DateTimeInput

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = ["SessionCorrectionForm", "VoidForm"]


def _reason_field(label: "StrOrPromise") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": gettext_lazy("Reason: say why (required)."),
            "max_length": gettext_lazy("Reason: keep it under 300 characters."),
        },
    )


class VoidForm(forms.Form):
    """Why a response was entered by mistake: required, so a void is never silent."""

    reason = _reason_field(gettext_lazy("Why was this entered by mistake?"))


class SessionCorrectionForm(forms.Form):
    """A session's corrected date, time and attendance, and why."""

    starts_at = forms.DateTimeField(
        label=gettext_lazy("Date and time the session took place"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        error_messages={
            "required": gettext_lazy("Date and time: give them as YYYY-MM-DD HH:MM."),
            "invalid": gettext_lazy("Date and time: give them as YYYY-MM-DD HH:MM."),
        },
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Did the client come?"),
        choices=[(s.value, s.label) for s in CORRECTABLE_STATUSES],
        widget=forms.RadioSelect,
    )
    reason = _reason_field(gettext_lazy("Why is this being corrected?"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = ", ".join(str(s.label) for s in CORRECTABLE_STATUSES)
        message = _("Attendance: choose one of %(allowed)s.") % {"allowed": allowed}
        self.fields["status"].error_messages = {"required": message, "invalid_choice": message}

    def cleaned_start(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["starts_at"]
        return value
