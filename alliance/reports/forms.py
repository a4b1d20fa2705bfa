from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.reports.selectors import outcome_measure_codes


class ReportForm(forms.Form):
    """What to report on. Names are checked against what the person may see by the selector."""

    organisation = forms.CharField(label=_("Organisation"), max_length=200)
    team = forms.CharField(label=_("Team (optional)"), max_length=200, required=False)
    clinician = forms.CharField(
        label=_("Clinician's log-in name (optional)"), max_length=150, required=False
    )
    date_from = forms.DateField(label=_("From (YYYY-MM-DD)"))
    date_to = forms.DateField(label=_("To (YYYY-MM-DD), included"))
    measure = forms.ChoiceField(label=_("Outcome measure"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [("", _("All measures"))] + [(c, c.upper()) for c in outcome_measure_codes()]
        self.fields["measure"].choices = choices  # type: ignore[attr-defined]  # a ChoiceField
        for name in ("date_from", "date_to"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})
            self.fields[name].error_messages["invalid"] = _(
                "Enter a date as YYYY-MM-DD, for example 2026-01-31."
            )
