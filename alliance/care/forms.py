"""Forms for the alliance work. They check the shape of the input and give messages naming the
field and the allowed values; the services make the final checks and do the writing.

Marker, strategy and experience codes come from ``alliance.science.ruptures``; the labels below
are their English wording marked for translation (a test keeps the two lists the same).
"""

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alliance.care.models import (
    AgeGroup,
    Goal,
    GoalStatus,
    NoticedBy,
    Resolution,
    Session,
    TaskOutcome,
)
from alliance.care.selectors import SessionGoal
from alliance.formats.inputs import DateInput
from alliance.science.repair import Pathway
from alliance.science.ruptures import MARKERS, STRATEGIES

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from alliance.accounts.models import Organisation

MARKER_LABELS: Mapping[str, Promise] = {
    "denial": _("Denial"),
    "minimal_response": _("Minimal response"),
    "abstract_communication": _("Abstract communication"),
    "avoidant_storytelling": _("Avoidant storytelling or shifting topic"),
    "deferential_appeasing": _("Deferential and appeasing"),
    "content_affect_split": _("Content/affect split"),
    "self_criticism_hopelessness": _("Self-criticism or hopelessness"),
    "complaints_about_clinician": _("Complaints or concerns about the clinician"),
    "rejects_intervention": _("Rejecting an intervention"),
    "complaints_about_activities": _("Complaints or concerns about the activities of therapy"),
    "complaints_about_parameters": _("Complaints or concerns about the parameters of therapy"),
    "complaints_about_progress": _("Complaints or concerns about progress"),
    "defends_self": _("Defending oneself against the clinician"),
    "controls_or_pressures": _("Efforts to control or pressure the clinician"),
}
STRATEGY_LABELS: Mapping[str, Promise] = {
    "clarify_misunderstanding": _("Clarify a misunderstanding"),
    "give_rationale": _("Give a rationale or illustrate the task"),
    "validate_feelings": _("Validate the client's feelings"),
    "invite_feedback": _("Invite feedback"),
    "change_task_or_goal": _("Change the task or the goal"),
    "redirect_or_refocus": _("Redirect or refocus"),
    "invite_discussion": _(
        "Invite discussion of thoughts or feelings about the clinician or therapy"
    ),
    "acknowledge_contribution": _("Acknowledge the clinician's contribution"),
    "disclose_experience": _("Disclose the clinician's internal experience"),
    "link_to_relationship": _("Link to patterns in the relationship"),
    "link_to_other_relationships": _("Link to patterns in other relationships"),
    "validate_defensive_posture": _("Validate the defensive posture"),
}
EXPERIENCE_LABELS: Mapping[str, Promise] = {
    "anxiety": _("Anxiety"),
    "frustration_anger": _("Frustration or anger"),
    "boredom": _("Boredom"),
    "hopelessness": _("Hopelessness"),
    "self_doubt": _("Self-doubt"),
    "shame": _("Shame"),
    "warmth": _("Warmth"),
}
PATHWAY_LABELS: Mapping[str, "StrOrPromise"] = {
    "alliance_building": _("Alliance-building"),
    "immediate_repair": _("Immediate repair"),
    "expressive_repair": _("Expressive repair (metacommunication)"),
}
KIND_LABELS: Mapping[str, Promise] = {
    "withdrawal": _("Withdrawal"),
    "confrontation": _("Confrontation"),
    "both": _("Withdrawal and confrontation"),
}

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _allowed(choices: Iterable[tuple[str, object]]) -> str:
    return ", ".join(str(label) for _code, label in choices)


def _choice_messages(what: Promise | str, choices: list[tuple[str, Any]]) -> dict[str, Any]:
    allowed = _allowed(choices)
    return {
        "required": format_lazy(_("Choose {what}: {allowed}."), what=what, allowed=allowed),
        "invalid_choice": format_lazy(
            _("Choose {what} from: {allowed}."), what=what, allowed=allowed
        ),
    }


def _radio(
    label: "StrOrPromise", choices: list[tuple[str, Any]], what: Promise
) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages=_choice_messages(what, choices),
    )


def _checkboxes(
    label: "StrOrPromise", choices: list[tuple[str, Any]], what: Promise
) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages=_choice_messages(what, choices),
    )


def _words(
    label: "StrOrPromise", limit: int, *, required: bool = True, rows: int = 2
) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=limit,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": _("Write a few words here; it cannot be empty."),
            "max_length": format_lazy(_("Keep it to {limit} characters or fewer."), limit=limit),
        },
    )


class CareForm(forms.Form):
    """Labels and legends without a trailing colon: they read as questions and headings."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class SessionField(forms.ModelChoiceField):
    """The session a goal was set in, carried as a hidden field and limited to the episode."""

    def __init__(self, queryset: QuerySet[Session]) -> None:
        super().__init__(queryset=queryset, required=False, widget=forms.HiddenInput)


class GoalAddForm(CareForm):
    prefix = "goal"
    text = _words(_("The goal, in the client's own words"), 500)
    agreed = forms.BooleanField(label=_("We agreed on this goal together"), required=False)

    def __init__(self, *args: Any, sessions: QuerySet[Session], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"] = SessionField(sessions)


GOAL_STATUSES = [(value, label) for value, label in GoalStatus.choices]


class GoalEditForm(CareForm):
    text = _words(_("The goal, in the client's own words"), 500)
    agreed = forms.BooleanField(label=_("We agreed on this goal together"), required=False)
    status = _radio(_("Status"), GOAL_STATUSES, _("a status"))
    new_text = _words(
        _("If it changed into another goal: the new goal, in the client's words"),
        500,
        required=False,
    )
    note = forms.CharField(label=_("Why it changed (optional)"), max_length=300, required=False)
    # The version the form was loaded with, so a save over someone else's is noticed.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == GoalStatus.CHANGED and not data.get("new_text", "").strip():
            self.add_error(
                "new_text",
                _(
                    "Write the new goal in the client's words, or choose another status "
                    "(active, achieved or dropped)."
                ),
            )
        return data


class GoalRatingsForm(CareForm):
    """One 0-10 field per active goal, named ``goal_<id>``; blank means not rated today."""

    prefix = "ratings"

    def __init__(self, *args: Any, goals: Iterable[Goal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for goal in goals:
            self.fields[f"goal_{goal.pk}"] = forms.IntegerField(
                label=goal.text,
                min_value=0,
                max_value=10,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
                error_messages=dict.fromkeys(
                    ("invalid", "min_value", "max_value", "step_size"),
                    _("Give a whole number from 0 (not at all close) to 10 (goal reached)."),
                ),
            )

    @classmethod
    def for_session(
        cls, goals: Iterable[SessionGoal], data: QueryDict | None = None
    ) -> "GoalRatingsForm":
        """The form for a session's active goals, showing today's ratings and the last ones."""
        entries = list(goals)
        initial = {f"goal_{e.goal.pk}": e.rating.rating for e in entries if e.rating}
        form = cls(data, goals=[e.goal for e in entries], initial=initial)
        for entry in entries:
            form.fields[f"goal_{entry.goal.pk}"].help_text = _last_rated(entry)
        return form

    def ratings(self) -> dict[int, int]:
        return {
            int(name.removeprefix("goal_")): value
            for name, value in self.cleaned_data.items()
            if value is not None
        }


def _last_rated(entry: SessionGoal) -> str:
    if entry.previous is None:
        return gettext("Not rated before.")
    return gettext("Last rated %(rating)d in session %(n)d.") % {
        "rating": entry.previous.rating,
        "n": entry.previous.session.number,
    }


class TaskForm(CareForm):
    prefix = "task"
    what = _words(_("The task"), 500)
    goal = forms.ModelChoiceField(
        label=_("The goal it serves"),
        queryset=Goal.objects.none(),
        required=False,
        empty_label=_("No particular goal"),
        error_messages={"invalid_choice": _("Choose one of this client's active goals, or none.")},
    )
    rationale = _words(_("How it serves the goal (the rationale)"), 1000, required=False)
    client_agreed = _radio(_("Did the client agree to it?"), YES_NO, _("yes or no"))

    def __init__(self, *args: Any, goals: QuerySet[Goal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = goals  # type: ignore[attr-defined]


TASK_OUTCOMES = [(v, label) for v, label in TaskOutcome.choices if v != TaskOutcome.NOT_REVIEWED]


class TaskReviewForm(CareForm):
    outcome = _radio(_("What came of it?"), TASK_OUTCOMES, _("what came of it"))
    note = forms.CharField(label=_("Note (optional)"), max_length=1000, required=False)


def _marker_choices(kind: str) -> list[tuple[str, Promise]]:
    return [(code, MARKER_LABELS[code]) for code, m in MARKERS.items() if m.kind == kind]


def _strategy_choices(pathway: Pathway) -> list[tuple[str, Promise]]:
    return [(code, STRATEGY_LABELS[code]) for code, s in STRATEGIES.items() if s.pathway == pathway]


class RuptureForm(CareForm):
    prefix = "rupture"
    withdrawal = _checkboxes(
        _("Withdrawal markers"), _marker_choices("withdrawal"), _("withdrawal markers")
    )
    confrontation = _checkboxes(
        _("Confrontation markers"), _marker_choices("confrontation"), _("confrontation markers")
    )
    noticed_by = _radio(_("Who noticed it?"), list(NoticedBy.choices), _("who noticed it"))
    alliance_building = _checkboxes(
        PATHWAY_LABELS["alliance_building"],
        _strategy_choices("alliance_building"),
        _("alliance-building strategies"),
    )
    immediate_repair = _checkboxes(
        PATHWAY_LABELS["immediate_repair"],
        _strategy_choices("immediate_repair"),
        _("immediate repair strategies"),
    )
    expressive_repair = _checkboxes(
        PATHWAY_LABELS["expressive_repair"],
        _strategy_choices("expressive_repair"),
        _("expressive repair strategies"),
    )
    resolution = _radio(
        _("Was it resolved?"), list(Resolution.choices), _("whether it was resolved")
    )
    note = _words(_("Note (optional)"), 2000, required=False, rows=3)

    MARKER_FIELDS = ("withdrawal", "confrontation")
    STRATEGY_FIELDS = ("alliance_building", "immediate_repair", "expressive_repair")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(name) for name in self.MARKER_FIELDS):
            self.add_error(
                None,
                _(
                    "Choose at least one marker: a withdrawal marker (for example minimal "
                    "response) or a confrontation marker (for example rejecting an intervention)."
                ),
            )
        return data

    def markers(self) -> list[str]:
        return [code for name in self.MARKER_FIELDS for code in self.cleaned_data[name]]

    def strategies(self) -> list[str]:
        return [code for name in self.STRATEGY_FIELDS for code in self.cleaned_data[name]]

    @classmethod
    def initial_for(cls, markers: list[str], strategies: list[str], **rest: object) -> dict:
        """Initial values for editing a stored rupture: its codes split back into the groups."""
        initial: dict[str, object] = dict(rest)
        for name in cls.MARKER_FIELDS:
            initial[name] = [c for c in markers if MARKERS[c].kind == name]
        for name in cls.STRATEGY_FIELDS:
            initial[name] = [c for c in strategies if STRATEGIES[c].pathway == name]
        return initial


class ReflectionForm(CareForm):
    prefix = "reflection"
    experiences = _checkboxes(
        _("What did you feel in this session?"),
        list(EXPERIENCE_LABELS.items()),
        _("what you felt"),
    )
    text = _words(_("Your reflection"), 4000, required=False, rows=4)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("experiences") and not data.get("text", "").strip():
            self.add_error(
                None, _("Choose at least one feeling from the list or write a few words.")
            )
        return data


# Intake (issue 11) -------------------------------------------------------------------------


class ClientIntakeForm(CareForm):
    """A new client: the shape of the input; ``services.client_create`` makes the final checks
    (a code already used, a likely duplicate, consent without a date)."""

    organisation: "forms.ModelChoiceField[Organisation]" = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=None,  # set per user in __init__
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of the organisations you work in.")},
    )
    code = forms.CharField(
        label=_("Pseudonymous code"),
        max_length=40,
        help_text=_("Suggested at random; you may change it. Shown instead of the name."),
        error_messages={"required": _("Give the client a pseudonymous code.")},
    )
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=200,
        help_text=_("Shown only to the people caring for the client."),
        error_messages={"required": _("Give a name to show to the care team.")},
    )
    birth_year = forms.IntegerField(
        label=_("Birth year"),
        required=False,
        min_value=1900,
        max_value=2100,
        error_messages={
            "min_value": _("Give a birth year from 1900 on, or leave it empty."),
            "max_value": _("Give a birth year up to this year, or leave it empty."),
            "invalid": _("Give the birth year as four digits, e.g. 1987, or leave it empty."),
        },
    )
    age_group = forms.ChoiceField(
        label=_("Age group"),
        choices=[("", _("Work it out from the birth year")), *AgeGroup.choices],
        required=False,
        error_messages=_choice_messages(_("an age group"), AgeGroup.choices),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        error_messages={"invalid": _("Give an e-mail address such as name@example.org.")},
    )
    phone = forms.CharField(label=_("Mobile phone"), max_length=32, required=False)
    consents_to_email = forms.BooleanField(label=_("Consents to e-mail"), required=False)
    consents_to_sms = forms.BooleanField(label=_("Consents to text messages"), required=False)
    contact_consent_on = forms.DateField(
        label=_("Consent given on"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Give the date as YYYY-MM-DD.")},
    )
    preferred_language = forms.ChoiceField(label=_("Preferred language"), required=False)
    confirm_likely_duplicate = forms.BooleanField(
        label=_("I checked: this is a different person with the same name and birth year"),
        required=False,
    )

    def __init__(self, *args: Any, organisations: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = organisations  # type: ignore[attr-defined]
        if len(organisations) == 1:
            field.widget = forms.HiddenInput()
        # The names in settings.LANGUAGES are marked for translation (lazily); here they are
        # translated at once.
        languages = [(code, str(name)) for code, name in settings.LANGUAGES]
        language = self.fields["preferred_language"]
        if not isinstance(language, forms.ChoiceField):
            raise TypeError("ClientIntakeForm.preferred_language must be a ChoiceField.")
        language.choices = [("", _("Not said")), *languages]
        language.error_messages = _choice_messages(_("a language"), languages)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("age_group"):
            year = data.get("birth_year")
            if year is None:
                self.add_error(
                    "age_group",
                    _("Give a birth year or choose an age group: child, adolescent or adult."),
                )
            else:
                data["age_group"] = age_group_for(year, timezone.localdate().year)
        return data


def age_group_for(birth_year: int, this_year: int) -> str:
    """The instruments' norm group for someone born in ``birth_year``: under 13 a child, 13-17
    an adolescent, from 18 an adult (their age this year, which may be a year ahead of today's)."""
    age = this_year - birth_year
    if age < 13:
        return AgeGroup.CHILD
    if age < 18:
        return AgeGroup.ADOLESCENT
    return AgeGroup.ADULT
