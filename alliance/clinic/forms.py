"""Forms of the clinician's pages. Each message names the field and the values it allows."""

import uuid
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance import access
from alliance.accounts.models import Team, User
from alliance.accounts.names import person_name
from alliance.care.models import CareTeamMember
from alliance.clinic.explain import localized, rule_name
from alliance.clinic.services import ATTENDANCE_STATUSES
from alliance.feedback.forms import AcknowledgementForm, SnoozeForm
from alliance.science.instrument_schema import Instrument, Item
from alliance.science.signals import RULES

__all__ = [
    "AcknowledgementForm",
    "AttendanceForm",
    "ClinicianRatingForm",
    "PersonChoiceField",
    "SnoozeForm",
    "TeamFilterForm",
]


class AttendanceForm(forms.Form):
    """Whether the client came, and which members of the care team were there."""

    status = forms.ChoiceField(
        label=gettext_lazy("Did the client come?"),
        choices=[(s.value, s.label) for s in ATTENDANCE_STATUSES],
        widget=forms.RadioSelect,
    )
    present = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Care team present"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, care_team: Sequence[CareTeamMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        present = cast(forms.TypedMultipleChoiceField, self.fields["present"])
        present.choices = [
            (m.member_id, f"{m.member.get_full_name() or m.member} · {m.get_role_display()}")
            for m in care_team
        ]
        allowed = ", ".join(str(s.label) for s in ATTENDANCE_STATUSES)
        self.fields["status"].error_messages = {
            "required": _("Attendance: choose one of %(allowed)s.") % {"allowed": allowed},
            "invalid_choice": _("Attendance: choose one of %(allowed)s.") % {"allowed": allowed},
        }
        present.error_messages["invalid_choice"] = _(
            "Care team present: choose people on this client's care team."
        )


def _item_field(item: Item) -> forms.Field:
    scale, label = item.scale, localized(item.label, item.code)
    if scale.type == "likert":
        options = ", ".join(f"{o.value:g}" for o in scale.options)
        return forms.TypedChoiceField(
            label=label,
            choices=[(f"{o.value:g}", f"{o.value:g} {localized(o.label)}") for o in scale.options],
            coerce=float,
            widget=forms.RadioSelect,
            error_messages={
                "required": _("%(item)s: choose one of %(options)s.")
                % {"item": label, "options": options},
                "invalid_choice": _("%(item)s: choose one of %(options)s.")
                % {"item": label, "options": options},
            },
        )
    message = _("%(item)s: give a number from %(low)s to %(high)s, in steps of %(step)s.") % {
        "item": label,
        "low": f"{scale.min:g}",
        "high": f"{scale.max:g}",
        "step": f"{scale.step or 1:g}",
    }
    return forms.FloatField(
        label=label,
        min_value=scale.min,
        max_value=scale.max,
        step_size=scale.step or 1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal"}),
        help_text=_("%(low)s to %(high)s") % {"low": f"{scale.min:g}", "high": f"{scale.max:g}"},
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value", "max_value", "step_size"), message
        ),
    )


class ClinicianRatingForm(forms.Form):
    """The clinician's own rating of the session on the episode's alliance measure: the same
    items the client answers, built from the instrument file."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"idempotency_key": uuid.uuid4()})
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for item in instrument.scored_items:
            self.fields[item.code] = _item_field(item)

    def item_values(self) -> dict[str, object]:
        return {item.code: self.cleaned_data[item.code] for item in self.instrument.scored_items}


class PersonChoiceField(forms.ModelChoiceField):
    """A select of people, each shown by name (never by log-in name)."""

    def label_from_instance(self, obj: User) -> str:
        return person_name(obj)


class TeamFilterForm(forms.Form):
    """The team page's filters: a team, a clinician and a kind of alert, each picked from a list
    of what the supervisor may see (``alliance.access``). An id typed into the address that is
    not on the list is refused with the field's name, and the page shows everything."""

    team: "forms.ModelChoiceField[Team]" = forms.ModelChoiceField(
        label=gettext_lazy("Team"),
        queryset=None,  # set per supervisor
        required=False,
        empty_label=gettext_lazy("All your teams"),
        error_messages={
            "invalid_choice": gettext_lazy("Team: choose one of the teams you supervise.")
        },
    )
    clinician = PersonChoiceField(
        label=gettext_lazy("Clinician"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("Every clinician"),
        error_messages={
            "invalid_choice": gettext_lazy("Clinician: choose one of the clinicians in your teams.")
        },
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of alert"),
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("Kind of alert: choose one of the kinds listed.")
        },
    )

    def __init__(self, *args: Any, supervisor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = cast(dict[str, Any], self.fields)
        fields["team"].queryset = access.supervised_teams(supervisor).order_by("name")
        fields["clinician"].queryset = access.supervised_clinicians(supervisor).order_by(
            "first_name", "last_name", "pk"
        )
        fields["kind"].choices = [("", _("Every kind"))] + [
            (rule.__name__, rule_name(rule.__name__)) for rule in RULES
        ]
