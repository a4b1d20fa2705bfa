"""Forms of the episode pages: opening an episode, its care team, transfer, ending and the
measurement plan (a list of the installed measures, never free text). The services in
``alliance.care.episodes`` decide; these forms only read what was typed."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance.accounts.models import Team, User
from alliance.care.episodes import TRANSFER_CARE_TEAM, TRANSFER_MODES, TRANSFER_NEW_EPISODE
from alliance.care.models import CareRole, Ending, PlanRepeat, Setting
from alliance.formats.inputs import DateInput
from alliance.measures import catalogue
from alliance.science.plans import MAX_INTERVAL, PlanItem

EXTRA_MEMBERS = 3
"""Rows for care-team members besides the primary therapist (one more than those already on it,
at least this many)."""

OTHER_ROLES = [(value, label) for value, label in CareRole.choices if value != "primary_therapist"]


def _date_field(label: Any, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput())


class PlanForm(forms.Form):
    """One row per installed measure: used or not, at intake, at the end, repeated every N
    sessions or weeks, and its order."""

    def __init__(self, *args: Any, plan: Iterable[PlanItem] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = {item.instrument: item for item in plan}
        self.codes = sorted(catalogue.instruments())
        instruments = catalogue.instruments()
        self.labels = {code: catalogue.instrument_name(instruments[code]) for code in self.codes}
        for index, code in enumerate(self.codes):
            item = current.get(code)
            prefix = f"plan_{code}"
            self.fields[f"{prefix}_use"] = forms.BooleanField(
                label=_("Use %(name)s") % {"name": self.labels[code]}, required=False
            )
            self.fields[f"{prefix}_at_intake"] = forms.BooleanField(
                label=_("At intake"), required=False
            )
            self.fields[f"{prefix}_at_end"] = forms.BooleanField(
                label=_("At the end"), required=False
            )
            self.fields[f"{prefix}_repeat"] = forms.ChoiceField(
                label=_("Repeated"), choices=PlanRepeat.choices, required=False
            )
            self.fields[f"{prefix}_interval"] = forms.IntegerField(
                label=_("Every N (sessions or weeks)"),
                required=False,
                min_value=1,
                max_value=MAX_INTERVAL,
            )
            self.fields[f"{prefix}_position"] = forms.IntegerField(
                label=_("Order"), required=False, min_value=0, max_value=99
            )
            if item is not None:
                self.initial.update(
                    {
                        f"{prefix}_use": True,
                        f"{prefix}_at_intake": item.at_intake,
                        f"{prefix}_at_end": item.at_end,
                        f"{prefix}_repeat": item.repeat,
                        f"{prefix}_interval": item.interval,
                        f"{prefix}_position": item.position,
                    }
                )
            else:
                self.initial[f"{prefix}_position"] = index

    def rows(self) -> list[dict[str, Any]]:
        """The measures for the template, each with its fields."""
        return [
            {
                "code": code,
                "name": self.labels[code],
                **{
                    part: self[f"plan_{code}_{part}"]
                    for part in ("use", "at_intake", "at_end", "repeat", "interval", "position")
                },
            }
            for code in self.codes
        ]

    def entries(self) -> list[dict[str, Any]]:
        """The measures ticked, as plan entries for ``plans.check_items``, in the order given."""
        data = self.cleaned_data
        chosen = []
        for index, code in enumerate(self.codes):
            prefix = f"plan_{code}"
            if not data.get(f"{prefix}_use"):
                continue
            repeat = data.get(f"{prefix}_repeat") or ""
            position = data.get(f"{prefix}_position")
            chosen.append(
                {
                    "instrument": code,
                    "at_intake": data.get(f"{prefix}_at_intake", False),
                    "at_end": data.get(f"{prefix}_at_end", False),
                    "repeat": repeat,
                    # An interval typed for a measure not repeated is left out, not refused.
                    "interval": data.get(f"{prefix}_interval") if repeat else None,
                    "position": index if position is None else position,
                }
            )
        chosen.sort(key=lambda entry: entry["position"])
        return [entry | {"position": n} for n, entry in enumerate(chosen)]


class CareTeamForm(forms.Form):
    """The primary therapist and further members, chosen from the team's staff."""

    def __init__(
        self,
        *args: Any,
        staff: Iterable[User],
        current: Iterable[tuple[User, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        people = list(staff)
        choices = [("", "---------")] + [
            (str(u.pk), u.get_full_name() or u.username) for u in people
        ]
        self.people = {str(u.pk): u for u in people}
        self.fields["primary"] = forms.ChoiceField(label=_("Primary therapist"), choices=choices)
        members = list(current)
        others = [(m, r) for m, r in members if r != "primary_therapist"]
        self.extra = max(EXTRA_MEMBERS, len(others) + 1)
        for n in range(self.extra):
            self.fields[f"member_{n}"] = forms.ChoiceField(
                label=_("Member"), choices=choices, required=False
            )
            self.fields[f"role_{n}"] = forms.ChoiceField(
                label=_("Role"), choices=OTHER_ROLES, required=False
            )
        for member, role in members:
            if role == "primary_therapist":
                self.initial["primary"] = str(member.pk)
        for n, (member, role) in enumerate(others):
            self.initial.update({f"member_{n}": str(member.pk), f"role_{n}": role})

    def member_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"member_{n}"], self[f"role_{n}"]) for n in range(self.extra)]

    def care_team(self) -> list[tuple[User, str]]:
        data = self.cleaned_data
        team = [(self.people[data["primary"]], "primary_therapist")]
        for n in range(self.extra):
            member = data.get(f"member_{n}")
            if member:
                team.append((self.people[member], data.get(f"role_{n}") or "team_member"))
        return team


class EpisodeOpenForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    setting = forms.ChoiceField(label=_("Setting"), choices=Setting.choices)
    started_on = _date_field(_("Starts on"))
    share_progress_with_client = forms.BooleanField(
        label=_("The client may see their progress chart"), required=False
    )

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["team"].widget = forms.HiddenInput()
        self.fields["setting"].widget = forms.HiddenInput()


class TeamAndSettingForm(forms.Form):
    """The first step (a GET form): which team's staff and which default plan to offer."""

    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    setting = forms.ChoiceField(label=_("Setting"), choices=Setting.choices, required=False)

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        # Its own ids: the page's main form holds the chosen team and setting as hidden fields.
        kwargs.setdefault("auto_id", "choose_%s")
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["team"].empty_label = None  # type: ignore[attr-defined]


class EpisodeEndForm(forms.Form):
    ending = forms.ChoiceField(
        label=_("How the episode ended"),
        choices=[(v, label) for v, label in Ending.choices if v != Ending.TRANSFERRED],
        widget=forms.RadioSelect,
    )
    ended_on = _date_field(_("Ended on"), required=False)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].help_text = _(
            "Today when left empty; for no contact, the last session attended."
        )


class TransferForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("How"),
        choices=[
            (
                TRANSFER_NEW_EPISODE,
                _("End this episode as transferred and start a new one that continues it"),
            ),
            (TRANSFER_CARE_TEAM, _("Keep this episode and change its care team")),
        ],
        widget=forms.RadioSelect,
        initial=TRANSFER_NEW_EPISODE,
    )
    team = forms.ModelChoiceField(label=_("To the team"), queryset=Team.objects.none())
    on = _date_field(_("On"), required=False)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=500)

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["team"].widget = forms.HiddenInput()
        assert set(TRANSFER_MODES) == {v for v, _label in self.fields["mode"].choices}  # type: ignore[attr-defined]


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Why (optional)"), required=False, max_length=500)


def today() -> dt.date:
    return timezone.localdate()
