"""The forms of an alert's acknowledgement and snooze (the clinic's pages and the alert
panel, ``alliance.feedback.views``)."""

from django import forms
from django.utils.translation import gettext_lazy

__all__ = ["AcknowledgementForm", "SnoozeForm"]


class AcknowledgementForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("For example: discussed with the client; what you changed."),
        error_messages={"max_length": gettext_lazy("Note: keep it under 1000 characters.")},
    )


class SnoozeForm(forms.Form):
    """Why an alert can wait until the next session: required, so a snooze is never silent."""

    reason = forms.CharField(
        label=gettext_lazy("Why can it wait until the next session?"),
        required=True,
        max_length=1000,
        error_messages={
            "required": gettext_lazy("Reason: say why this can wait until the next session."),
            "max_length": gettext_lazy("Reason: keep it under 1000 characters."),
        },
    )
