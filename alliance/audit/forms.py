"""The administrators' search form for the audit log."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.audit.models import Action
from alliance.audit.selectors import EventSearch
from alliance.formats.inputs import DateInput

RECORD_KINDS = [
    ("", _("Any record")),
    ("client", _("Client")),
    ("episode", _("Episode")),
    ("session", _("Session")),
    ("response", _("Response")),
    ("goal", _("Goal")),
    ("task", _("Task")),
    ("rupture", _("Rupture")),
    ("alert", _("Alert")),
    ("invitation", _("Invitation")),
    ("report", _("Report")),
    ("clinician", _("Clinician's development")),
    ("team", _("Team")),
    ("user", _("Person's account: roles, password, two-factor")),
    ("organisation", _("Organisation's settings")),
    ("api_token", _("API token")),
    ("trajectory", _("Trajectory model in use")),
]


class EventSearchForm(forms.Form):
    username = forms.CharField(label=_("Person (username)"), max_length=150, required=False)
    client_code = forms.CharField(label=_("Client code"), max_length=20, required=False)
    object_kind = forms.ChoiceField(label=_("Record"), choices=RECORD_KINDS, required=False)
    object_id = forms.IntegerField(
        label=_("Record number"), min_value=1, max_value=2**63 - 1, required=False
    )
    action = forms.ChoiceField(
        label=_("What was done"), choices=[("", _("Anything")), *Action.choices], required=False
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("Choose an end date on or after the start date."))
        return data

    def search(self) -> EventSearch:
        """The search the valid form describes."""
        data = self.cleaned_data
        return EventSearch(
            username=data["username"].strip(),
            client_code=data["client_code"].strip(),
            object_kind=data["object_kind"],
            object_id=data["object_id"],
            action=data["action"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
