"""The session page's empty task and rupture forms are written once per language and goal list
and kept (``care_work.form_fields``, issue 16): what is kept must read exactly as the include it
replaces, and anything the fields are drawn from draws them again."""

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation

from alliance.care.forms import RuptureForm, TaskForm
from alliance.care.models import Goal

KEPT = Template(
    '{% load care_work %}{% form_fields "care/forms/_task_fields.html" form choices %}'
    '{% form_fields "care/forms/_rupture_fields.html" rupture %}'
)


def _kept(form: TaskForm, rupture: RuptureForm, choices: object = ()) -> str:
    return KEPT.render(Context({"form": form, "rupture": rupture, "choices": choices}))


def _included(form: TaskForm, rupture: RuptureForm) -> str:
    return render_to_string("care/forms/_task_fields.html", {"form": form}) + render_to_string(
        "care/forms/_rupture_fields.html", {"form": rupture}
    )


def _goals(clinic: SimpleNamespace) -> tuple[object, tuple[tuple[int, str], ...]]:
    found = Goal.objects.filter(episode=clinic.episode).order_by("pk")
    return found, tuple((goal.pk, goal.text) for goal in found)


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_kept_fields_read_as_the_include_wrote_them(
    clinic: SimpleNamespace, language: str
) -> None:
    Goal.objects.create(episode=clinic.episode, text="Sleep <well>", created_by=clinic.clinician)
    goals, choices = _goals(clinic)
    with translation.override(language):
        first = _kept(TaskForm(goals=goals), RuptureForm(), choices)  # type: ignore[arg-type]
        again = _kept(TaskForm(goals=goals), RuptureForm(), choices)  # type: ignore[arg-type]
        assert first == again == _included(TaskForm(goals=goals), RuptureForm())  # type: ignore[arg-type]
    assert "Sleep &lt;well&gt;" in first


def test_a_new_goal_or_another_language_draws_the_fields_again(clinic: SimpleNamespace) -> None:
    Goal.objects.create(episode=clinic.episode, text="Sleep", created_by=clinic.clinician)
    goals, choices = _goals(clinic)
    before = _kept(TaskForm(goals=goals), RuptureForm(), choices)  # type: ignore[arg-type]
    Goal.objects.create(episode=clinic.episode, text="Walk daily", created_by=clinic.clinician)
    goals, choices = _goals(clinic)
    after = _kept(TaskForm(goals=goals), RuptureForm(), choices)  # type: ignore[arg-type]
    assert "Walk daily" not in before and "Walk daily" in after
    with translation.override("nl"):
        dutch = _kept(TaskForm(goals=goals), RuptureForm(), choices)  # type: ignore[arg-type]
        assert dutch == _included(TaskForm(goals=goals), RuptureForm())  # type: ignore[arg-type]
    assert dutch != after


def test_a_form_with_answers_or_errors_is_never_kept(clinic: SimpleNamespace) -> None:
    goals, choices = _goals(clinic)
    refused = RuptureForm(data={"rupture-note": "x" * 3000})
    assert not refused.is_valid()
    written = _kept(TaskForm(goals=goals), refused, choices)  # type: ignore[arg-type]
    assert "x" * 3000 in written
    empty = _kept(TaskForm(goals=goals), RuptureForm(), choices)  # type: ignore[arg-type]
    assert "x" * 3000 not in empty and "care-errors" not in empty


class _ClearedBetween(dict):  # type: ignore[type-arg]
    """The kept forms as one of the process's other threads may leave them: emptied (at
    ``_FIELDS_MAX``) between this thread asking whether a key is there and reading it."""

    def __contains__(self, key: object) -> bool:
        found = super().__contains__(key)
        self.clear()
        return found


def test_forms_emptied_by_another_thread_meanwhile_are_still_written(
    clinic: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alliance.care.templatetags import care_work

    goals, choices = _goals(clinic)
    first = _kept(TaskForm(goals=goals), RuptureForm(), choices)  # type: ignore[arg-type]
    monkeypatch.setattr(care_work, "_FIELDS_KEPT", _ClearedBetween(care_work._FIELDS_KEPT))
    again = _kept(TaskForm(goals=goals), RuptureForm(), choices)  # type: ignore[arg-type]
    assert again == first
