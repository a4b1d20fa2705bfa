"""Forms of the appointment pages: booking, rescheduling, cancelling and withdrawing a session.
The rules (past, overlap, lengths) are ``alliance.care.appointments``'; these forms only turn
the fields into values and name the field a refusal is about."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from alliance.accounts.names import person_name
from alliance.care.appointments import MAX_LENGTH, MAX_SERIES, MIN_LENGTH
from alliance.care.models import CancelledBy, CareTeamMember, SessionMode
from alliance.formats.inputs import DateInput, TimeInput

__all__ = ["BookForm", "CancelForm", "RescheduleForm", "WithdrawForm"]

REPEAT_CHOICES = [
    ("", gettext_lazy("Once")),
    ("weekly", gettext_lazy("Weekly")),
    ("fortnightly", gettext_lazy("Fortnightly")),
]


def _when(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


class _When(forms.Form):
    """A day, a time, a length and a way to meet."""

    day = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    time = forms.TimeField(label=gettext_lazy("Time"), widget=TimeInput())
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Length (minutes)"),
        min_value=MIN_LENGTH,
        max_value=MAX_LENGTH,
        initial=50,
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("How"), choices=SessionMode.choices, initial=SessionMode.IN_PERSON
    )
    confirm_overlap = forms.BooleanField(
        label=gettext_lazy("Book it anyway: I know it overlaps another session"),
        required=False,
    )

    def starts_at(self) -> dt.datetime:
        data = self.cleaned_data
        return _when(data["day"], data["time"])


class BookForm(_When):
    """One session or a series, for members of the care team."""

    attended_by = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Who attends"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    repeat = forms.ChoiceField(label=gettext_lazy("Repeat"), choices=REPEAT_CHOICES, required=False)
    count = forms.IntegerField(
        label=gettext_lazy("Number of sessions"), min_value=2, max_value=MAX_SERIES, required=False
    )
    until = forms.DateField(
        label=gettext_lazy("or until"),
        required=False,
        widget=DateInput(),
    )
    final = forms.BooleanField(label=gettext_lazy("Planned as the last session"), required=False)
    record_past = forms.BooleanField(
        label=gettext_lazy("This session took place already: record it"), required=False
    )

    def __init__(self, *args: Any, care_team: Sequence[CareTeamMember] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["attended_by"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(m.member_id, person_name(m.member)) for m in care_team]

    def booking(self) -> dict[str, Any]:
        """The service's keyword arguments."""
        data = self.cleaned_data
        return {
            "starts_at": self.starts_at(),
            "duration_minutes": data["duration_minutes"],
            "mode": data["mode"],
            "attended_by": data["attended_by"],
            "repeat": data["repeat"] or "",
            "count": data["count"] if data["repeat"] else None,
            "until": data["until"] if data["repeat"] and not data["count"] else None,
            "record_past": data["record_past"],
            "confirm_overlap": data["confirm_overlap"],
            "final": data["final"],
        }


class RescheduleForm(_When):
    reason = forms.CharField(label=gettext_lazy("Why (optional)"), max_length=300, required=False)


class CancelForm(forms.Form):
    cancelled_by = forms.ChoiceField(
        label=gettext_lazy("Who cancelled"),
        choices=[(value, label) for value, label in CancelledBy.choices if value],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why was it opened by mistake?"), max_length=300)
