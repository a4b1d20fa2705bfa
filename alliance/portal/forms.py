"""Forms of the client portal: one measure's answers, a kiosk code, the clinician's password to
take a tablet back, and the clinician's choice when inviting the client."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.accounts.models import User
from alliance.care import plans
from alliance.portal.models import Channel
from alliance.portal.services import code_problem
from alliance.portal.wording import in_language
from alliance.science.instruments import Instrument, Item


def _line_field(item: Item, label: str) -> forms.DecimalField:
    scale = item.scale
    places = len(f"{scale.step:g}".partition(".")[2]) if scale.step else 0
    allowed = _("%(label)s: choose a point on the line, from %(min)s to %(max)s.") % {
        "label": label,
        "min": f"{scale.min:g}",
        "max": f"{scale.max:g}",
    }
    missing = _(
        "%(label)s still needs an answer: tap or drag on the line, from %(min)s to %(max)s."
    )
    return forms.DecimalField(
        required=item.scored,
        min_value=Decimal(f"{scale.min:g}"),
        max_value=Decimal(f"{scale.max:g}"),
        decimal_places=places,
        error_messages={
            "required": missing
            % {"label": label, "min": f"{scale.min:g}", "max": f"{scale.max:g}"},
            "invalid": allowed,
            "min_value": allowed,
            "max_value": allowed,
            "max_decimal_places": allowed,
            "max_digits": allowed,
            "max_whole_digits": allowed,
        },
    )


def _choice_field(item: Item, label: str, language: str) -> forms.TypedChoiceField:
    choices = [
        (f"{option.value:g}", in_language(option.label, language)) for option in item.scale.options
    ]
    allowed = _("%(label)s: choose one of the answers (%(answers)s).") % {
        "label": label,
        "answers": ", ".join(name for _value, name in choices),
    }
    return forms.TypedChoiceField(
        required=item.scored,
        choices=choices,
        coerce=Decimal,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"required": allowed, "invalid_choice": allowed},
    )


class MeasureForm(forms.Form):
    """The client's answers to one measure. Every scored item must be answered; the hidden key
    makes a repeated submission of the same form count once."""

    form_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, instrument: Instrument, language: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for item in instrument.items:
            label = item_name(item, language)
            if item.scale.type == "likert":
                self.fields[item.code] = _choice_field(item, label, language)
            else:
                self.fields[item.code] = _line_field(item, label)

    def answers(self) -> dict[str, object]:
        """The cleaned answers by item code, unanswered optional items left out."""
        return {
            item.code: self.cleaned_data[item.code]
            for item in self.instrument.items
            if self.cleaned_data.get(item.code) is not None
        }


def item_name(item: Item, language: str) -> str:
    """How an item is named in messages: "Question 3 (Sleep)" or the line's label."""
    label = in_language(item.label, language)
    if item.scale.type == "likert":
        return _("Question %(number)s (%(label)s)") % {"number": item.number, "label": label}
    return label


class KioskCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Your code"),
        max_length=20,
        error_messages={"required": gettext_lazy("Type the code you were given.")},
    )

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        problem = code_problem(code)
        if problem is not None:
            raise forms.ValidationError(problem)
        return code


class UnlockForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": gettext_lazy("Type your password.")},
    )


class InviteForm(forms.Form):
    """What the clinician asks for: which measures (the ones due unless the clinician chooses
    others, only from ``allowed_measures``), by which channel, about whom. ``measure`` (one
    code) is still taken, as before the measurement plans."""

    measures = forms.MultipleChoiceField(required=False)
    measure = forms.CharField(max_length=20, required=False)
    # The session page's forms: one for the start of the session, one for its end.
    phase = forms.ChoiceField(choices=[("start", "start"), ("end", "end")], required=False)
    channel = forms.ChoiceField(choices=Channel.choices)
    about_member = forms.ModelChoiceField(queryset=User.objects.none(), required=False)

    def __init__(
        self,
        *args: Any,
        allowed_measures: list[str],
        members: Any,
        due_measures: list[str] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.allowed_measures = allowed_measures
        self.due_measures = list(due_measures or [])
        self.fields["about_member"].queryset = members  # type: ignore[attr-defined]
        measures = self.fields["measures"]
        measures.choices = [(code, code) for code in allowed_measures]  # type: ignore[attr-defined]
        measures.error_messages["invalid_choice"] = self._not_allowed()

    def _not_allowed(self) -> str:
        return _("Measures: choose from the installed measures: %(allowed)s.") % {
            "allowed": ", ".join(self.allowed_measures)
        }

    def clean_measure(self) -> str:
        measure: str = self.cleaned_data["measure"]
        if measure and measure not in self.allowed_measures:
            raise forms.ValidationError(self._not_allowed())
        return measure

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = list(data.get("measures") or [])
        if not chosen and data.get("measure"):
            chosen = [data["measure"]]
        if not chosen and not self.errors:
            phase = data.get("phase")
            phases = plans.phases()
            chosen = [c for c in self.due_measures if not phase or phases.get(c) == phase]
            if not chosen:
                raise forms.ValidationError(
                    _("Nothing is due at this session: choose a measure (%(allowed)s).")
                    % {"allowed": ", ".join(self.allowed_measures)}
                )
        data["chosen"] = chosen
        return data
