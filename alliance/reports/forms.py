from typing import Any

from django import forms
from django.forms.utils import ErrorList
from django.utils.translation import gettext_lazy as _

from alliance import access
from alliance.accounts.models import Team, User
from alliance.accounts.names import person_name
from alliance.formats.inputs import DateInput
from alliance.reports.selectors import outcome_measure_codes

__all__ = ["ReportForm"]

REFUSED = "invalid_choice"
"""The error code of a pick that is not on the person's lists: answered like a name that does not
exist (404), so an address reveals nothing about other teams."""

PICKED = ("organisation", "team", "clinician")


class ReportForm(forms.Form):
    """What to report on, picked from lists of what the person may see (``alliance.access``):
    organisations they have a role in, teams they supervise, and the clinicians whose report they
    may read (themself and the staff of the teams they supervise), by name. The selector checks
    the scope again (``selectors.report_scope``).

    ``cleaned_data`` gives the organisation and team names and the clinician's log-in name, as
    ``report_scope`` (and the ``alliance report`` command) take them. An address written before
    the lists (``team=Adults North``, ``clinician=<log-in name>``) still works when the name is on
    the person's list; anything else is refused.
    """

    organisation = forms.ChoiceField(label=_("Organisation"))
    team = forms.ChoiceField(label=_("Team (optional)"), required=False)
    clinician = forms.ChoiceField(label=_("Clinician (optional)"), required=False)
    date_from = forms.DateField(label=_("From"))
    date_to = forms.DateField(label=_("To (included)"))
    measure = forms.ChoiceField(label=_("Outcome measure"), required=False)

    def __init__(self, *args: Any, viewer: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._teams: list[Team] = []
        self._people: list[User] = []
        if viewer is not None:
            self._teams = list(
                access.reportable_teams(viewer).select_related("organisation").order_by("name")
            )
            self._people = list(
                access.reportable_clinicians(viewer).order_by("first_name", "last_name", "pk")
            )
            organisations = access.reportable_organisations(viewer).order_by("name")
            names = list(organisations.values_list("name", flat=True))
        else:
            names = []
        several = len({team.organisation_id for team in self._teams}) > 1
        fields: dict[str, Any] = self.fields
        fields["organisation"].choices = [(name, name) for name in names]
        fields["team"].choices = [("", _("The whole organisation"))] + [
            (str(t.pk), f"{t.name} · {t.organisation.name}" if several else t.name)
            for t in self._teams
        ]
        fields["clinician"].choices = [("", _("Every clinician"))] + [
            (str(p.pk), person_name(p)) for p in self._people
        ]
        fields["measure"].choices = [("", _("All measures"))] + [
            (c, c.upper()) for c in outcome_measure_codes()
        ]
        messages = {
            "organisation": _("Organisation: choose one of the organisations listed."),
            "team": _("Team: choose one of the teams listed (the teams you supervise)."),
            "clinician": _("Clinician: choose one of the people listed."),
        }
        for name, message in messages.items():
            fields[name].error_messages[REFUSED] = message
        for name in ("date_from", "date_to"):
            # ISO in the value whatever the language: the browser shows the date picker in the
            # page's locale, and a localised value ("31-01-2026") would leave it empty.
            fields[name].widget = DateInput()
            fields[name].error_messages["invalid"] = _(
                "Enter a date as YYYY-MM-DD, for example 2026-01-31."
            )

    def _legacy(self, name: str, value: object) -> object:
        """A name from an address written before the lists, turned into its id if it is on
        the person's list; anything else is left for the choice check to refuse."""
        if not isinstance(value, str) or not value or value.isdigit():
            return value
        if name == "team":
            found = [t.pk for t in self._teams if t.name == value]
        else:
            found = [p.pk for p in self._people if p.username == value]
        return str(found[0]) if len(found) == 1 else value

    def full_clean(self) -> None:
        if self.is_bound and hasattr(self.data, "copy"):
            data = self.data.copy()
            for name in ("team", "clinician"):
                if name in data:
                    data[name] = self._legacy(name, data.get(name))
            self.data = data
        super().full_clean()

    def clean_team(self) -> str:
        chosen = self.cleaned_data.get("team") or ""
        return next((t.name for t in self._teams if str(t.pk) == chosen), "")

    def clean_clinician(self) -> str:
        chosen = self.cleaned_data.get("clinician") or ""
        return next((p.username for p in self._people if str(p.pk) == chosen), "")

    def refused(self) -> bool:
        """Whether an organisation, team or clinician was asked for that is not on the
        person's lists (answered like one that does not exist)."""
        return any(
            error.code == REFUSED
            for name in PICKED
            for error in self.errors.get(name, ErrorList()).as_data()
        )
